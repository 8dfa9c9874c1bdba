#include "depthbias/analysis/references/q_potential.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "depthbias/analysis/references/errors.hpp"

namespace depthbias::refs {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void check_depth(int D, const char* fn) {
    if (D < 2) throw std::invalid_argument(std::string(fn) + ": depth D = " + std::to_string(D) + " must be >= 2");
}
void check_finite(double x, const char* name, const char* fn) {
    if (!std::isfinite(x)) throw std::invalid_argument(std::string(fn) + ": argument " + name + " is not finite");
}
void check_alpha(double alpha, const char* fn) {
    if (!std::isfinite(alpha) || !(alpha > 0.0))
        throw std::invalid_argument(std::string(fn) + ": alpha = " + detail::num(alpha) + " must be finite and > 0");
}

// log(1-u) and log(1+u) for 0 <= u < 1, each to a few ulps (1-u is exact for u >= 1/2 by Sterbenz).
// l2 = log(1-u^2): log1p(-u^2) for small u (the sum lm + lp would cancel), lm + lp otherwise.
struct Logs {
    double lm, lp, l2;
};
Logs logs(double u) {
    if (u < 0.5) return {std::log1p(-u), std::log1p(u), std::log1p(-u * u)};
    const double lm = std::log(1.0 - u), lp = std::log1p(u);
    return {lm, lp, lm + lp};
}

double p_of(int D) { return static_cast<double>(D) / (D - 2); }  // h exponent D/(D-2)
double r_of(int D) { return 2.0 / (D - 2); }                      // H exponent 2/(D-2) = p - 1

// h_D(u), u in [0,1), D > 2: (1-u)^-p - (1+u)^-p = 2 exp(-p (lm+lp)/2) sinh(p (lp-lm)/2): no cancellation.
double h_pos(int D, double u) {
    const double p = p_of(D);
    const Logs L = logs(u);
    return 2.0 * std::exp(-0.5 * p * L.l2) * std::sinh(0.5 * p * (L.lp - L.lm));
}
// h_D'(u) = p [(1-u)^-(p+1) + (1+u)^-(p+1)].
double hprime_pos(int D, double u) {
    const double p = p_of(D);
    const Logs L = logs(u);
    return p * (std::exp(-(p + 1.0) * L.lm) + std::exp(-(p + 1.0) * L.lp));
}
// H_D from the logs: with m = -(r/2)(lm+lp) >= 0, delta = r (lp-lm)/2 >= 0,
// (1-u)^-r + (1+u)^-r - 2 = 2 [2 e^m sinh^2(delta/2) + expm1(m)] (all terms >= 0).
double H_from_logs(int D, const Logs& L) {
    const double r = r_of(D);
    const double m = -0.5 * r * L.l2;
    const double lm = L.lm, lp = L.lp;
    const double sh = std::sinh(0.25 * r * (lp - lm));
    return (2.0 / r) * (2.0 * std::exp(m) * sh * sh + std::expm1(m));
}

// h_D^{-1}(t) for t >= 0, D > 2, returning u and v = 1-u, both to a few ulps.
struct Inv {
    double u, v;
};
Inv hinv_pos(int D, double t) {
    if (t == 0.0) return {0.0, 1.0};
    const double p = p_of(D);
    const double t_half = h_pos(D, 0.5);
    if (t <= t_half) {
        // Safeguarded Newton in u on [0, 1/2]; h is increasing and convex there.
        double lo = 0.0, hi = 0.5;
        double u = std::min(t / (2.0 * p), 0.5);  // h'(0) = 2p
        for (int it = 0; it < 200; ++it) {
            const double f = h_pos(D, u) - t;
            if (f == 0.0) break;
            if (f > 0.0) hi = u; else lo = u;
            double un = u - f / hprime_pos(D, u);
            if (!(un > lo && un < hi)) un = 0.5 * (lo + hi);
            const double du = std::abs(un - u);
            u = un;
            if (du <= 2.0 * std::numeric_limits<double>::epsilon() * u || hi - lo <= 4.0 * std::numeric_limits<double>::denorm_min()) break;
        }
        return {u, 1.0 - u};
    }
    // Large t: v = 1-u in (0, 1/2]; G(l) = -p l - log(t + (2-v)^-p) = 0 with l = log v, G decreasing.
    auto G = [&](double l, double& dG) {
        const double v = std::exp(l);
        const double c = std::pow(2.0 - v, -p);
        const double den = t + c;
        dG = -p - p * v * c / (2.0 - v) / den;
        return -p * l - std::log(den);
    };
    double lo = -std::log1p(t) / p, hi = std::log(0.5);  // G(lo) >= 0 >= G(hi)
    if (lo > hi) lo = hi;
    double l = std::max(lo, std::min(hi, -std::log(t + std::pow(1.5, -p)) / p));
    for (int it = 0; it < 200; ++it) {
        double dG;
        const double g = G(l, dG);
        if (g == 0.0) break;
        if (g > 0.0) lo = l; else hi = l;
        double ln = l - g / dG;
        if (!(ln > lo && ln < hi)) ln = 0.5 * (lo + hi);
        const double dl = std::abs(ln - l);
        l = ln;
        if (dl <= 4.0 * std::numeric_limits<double>::epsilon() || hi - lo <= 4.0 * std::numeric_limits<double>::epsilon() * std::abs(l)) break;
    }
    const double v = std::exp(l);
    return {1.0 - v, v};
}

double sgn(double x) { return x < 0.0 ? -1.0 : 1.0; }

}  // namespace

double q_hypentropy(double z) {
    check_finite(z, "z", "q_hypentropy");
    const double a = std::abs(z);
    // small a: 2 - sqrt(4+a^2) = -a^2/(2+sqrt(4+a^2)) avoids cancellation; large a: hypot avoids overflow.
    if (a < 1.0) return a * std::asinh(0.5 * a) - a * a / (2.0 + std::hypot(2.0, a));
    return a * std::asinh(0.5 * a) - (std::hypot(2.0, a) - 2.0);
}

double q_hypentropy_quadrature(double z) { return q_D_quadrature(2, z); }

double h_D(int D, double z) {
    check_depth(D, "h_D");
    check_finite(z, "z", "h_D");
    if (D == 2) return 2.0 * std::sinh(z);
    const double a = std::abs(z);
    if (a >= 1.0) throw std::invalid_argument("h_D: z = " + detail::num(z) + " is outside (-1, 1) for D > 2");
    return sgn(z) * h_pos(D, a);
}

double h_D_prime(int D, double z) {
    check_depth(D, "h_D_prime");
    check_finite(z, "z", "h_D_prime");
    if (D == 2) return 2.0 * std::cosh(z);
    const double a = std::abs(z);
    if (a >= 1.0) throw std::invalid_argument("h_D_prime: z = " + detail::num(z) + " is outside (-1, 1) for D > 2");
    return hprime_pos(D, a);
}

double h_D_inverse(int D, double t) {
    check_depth(D, "h_D_inverse");
    check_finite(t, "t", "h_D_inverse");
    if (D == 2) return std::asinh(0.5 * t);
    return sgn(t) * hinv_pos(D, std::abs(t)).u;
}

double H_D(int D, double z) {
    check_depth(D, "H_D");
    check_finite(z, "z", "H_D");
    if (D == 2) {
        const double s = std::sinh(0.5 * z);
        return 4.0 * s * s;  // 2 cosh z - 2
    }
    const double a = std::abs(z);
    if (a >= 1.0) return kInf;
    return H_from_logs(D, logs(a));
}

double q_D(int D, double z) {
    check_depth(D, "q_D");
    check_finite(z, "z", "q_D");
    if (D == 2) return q_hypentropy(z);
    const double t = std::abs(z);
    if (t == 0.0) return 0.0;
    const Inv inv = hinv_pos(D, t);
    // Fenchel-Young equality: q_D(t) = t u - H_D(u) with u = h^{-1}(t); H from (log v, log1p(u)).
    Logs L = logs(inv.u);
    if (inv.u >= 0.5) L.lm = std::log(inv.v), L.l2 = L.lm + L.lp;  // 1-u from the solver, not from u
    const double H = H_from_logs(D, L);
    if (inv.u < 0.5) return t * inv.u - H;
    return (t - t * inv.v) - H;
}

double q_D_quadrature(int D, double z) {
    check_depth(D, "q_D_quadrature");
    check_finite(z, "z", "q_D_quadrature");
    using boost::math::quadrature::gauss_kronrod;
    const double t = std::abs(z);
    auto hinv = [D](double x) { return D == 2 ? std::asinh(0.5 * x) : hinv_pos(D, x).u; };
    const double tol = 1e-14;
    if (t <= 1.0) return gauss_kronrod<double, 61>::integrate(hinv, 0.0, t, 12, tol);
    const double head = gauss_kronrod<double, 61>::integrate(hinv, 0.0, 1.0, 12, tol);
    const double L = std::log(t);
    if (D == 2) {
        // int_1^t asinh(x/2) dx in x = e^y.
        auto f = [](double y) { const double x = std::exp(y); return std::asinh(0.5 * x) * x; };
        return head + gauss_kronrod<double, 61>::integrate(f, 0.0, L, 12, tol);
    }
    // int_1^t h^{-1} = (t - 1) - int_1^t (1 - h^{-1}(x)) dx, the last one in x = e^y with 1-u accurate.
    auto g = [D](double y) { const double x = std::exp(y); return hinv_pos(D, x).v * x; };
    return head + (t - 1.0) - gauss_kronrod<double, 61>::integrate(g, 0.0, L, 12, tol);
}

double flow_z_scale(int D, double alpha) {
    check_depth(D, "flow_z_scale");
    check_alpha(alpha, "flow_z_scale");
    if (D == 2) return 4.0;
    return static_cast<double>(D) * (D - 2) * std::pow(alpha, D - 2);
}

double Q_alpha(const Vec& beta, int D, double alpha) {
    check_depth(D, "Q_alpha");
    check_alpha(alpha, "Q_alpha");
    const double c = std::pow(alpha, D);
    if (!(c > 0.0) || !std::isfinite(c))
        throw std::invalid_argument("Q_alpha: alpha^D under/overflows a double (alpha = " + detail::num(alpha) + ")");
    double s = 0.0;
    for (Index i = 0; i < beta.size(); ++i) {
        check_finite(beta(i), "beta", "Q_alpha");
        s += q_D(D, beta(i) / c);
    }
    return c * s;
}

}  // namespace depthbias::refs
