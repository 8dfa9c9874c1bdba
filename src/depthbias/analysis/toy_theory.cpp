// Decoupled toy gradient flow: learning times, solution, asymptotics (see toy_theory.hpp).
//
// Numerical notes. Write x = sigma/sigma*, x0 = sigma0/sigma*, L = ln(x/x0) > 0, omx = 1 - x.
// Every learning time is assembled from quantities that are computed directly, never as a
// difference of two nearly equal numbers:
//   x - x0            = x * (-expm1(-L))
//   u - u0            = u * (-expm1(-L/N))                 (u = x^(1/N))
//   1 - u             = -expm1(ln(x)/N),  ln x = log1p(-omx)
//   u0^(2-N)-u^(2-N)  = x^(-p) * expm1(p L)                (p = (N-2)/N)
//   ln((1-u0)/(1-u))  = log1p((u-u0)/(1-u))
// For N >= 5 the integral int v/(1-v^N) dv is split as (1/N) ln((1-u0)/(1-u)) + int g(v) dv with
// g(v) = v/(1-v^N) - 1/(N(1-v)) = h(v) / (N S(v)), S(v) = 1 + v + ... + v^(N-1),
// h(v) = -1 + sum_{j=0}^{N-3} (N-2-j) v^(j+1): a polynomial ratio, smooth on [0,1] (no 0/0 at v=1),
// which Gauss-Kronrod integrates to ~1e-15 relative.
#include "depthbias/analysis/toy_theory.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/tools/toms748_solve.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace depthbias::theory {
namespace {

[[noreturn]] void bad(const std::string& name, const std::string& what, double value) {
    throw std::invalid_argument("depthbias::theory: argument '" + name + "' " + what + " (got " +
                                std::to_string(value) + ")");
}

void check_depth(int N) {
    if (N < 1) bad("N", "must be >= 1", N);
}

void check_finite(const char* name, double v) {
    if (!std::isfinite(v)) bad(name, "must be finite", v);
}

void check_common(int N, double sigma_star, double sigma0, double c) {
    check_depth(N);
    check_finite("sigma_star", sigma_star);
    check_finite("sigma0", sigma0);
    check_finite("c", c);
    if (!(sigma_star > 0)) bad("sigma_star", "must be > 0", sigma_star);
    if (!(sigma0 > 0)) bad("sigma0", "must be > 0", sigma0);
    if (!(sigma0 < sigma_star)) bad("sigma0", "must be < sigma_star", sigma0);
    if (!(c > 0)) bad("c", "must be > 0", c);
}

void check_alpha(double alpha) {
    check_finite("alpha", alpha);
    if (!(alpha > 0 && alpha < 1)) bad("alpha", "must lie in (0,1)", alpha);
}

// ln(a/b) for a, b > 0, accurate also when a ~ b and when a/b over- or underflows.
double log_ratio(double a, double b) {
    if (a >= 0.5 * b && a <= 2.0 * b) return std::log1p((a - b) / b);  // a - b exact (Sterbenz)
    const double r = a / b;
    if (std::isfinite(r) && r >= std::numeric_limits<double>::min()) return std::log(r);
    return std::log(a) - std::log(b);
}

// h(v) / (N S(v)): the smooth remainder of v/(1-v^N) after removing 1/(N(1-v)). N >= 3.
double smooth_remainder(int N, double v) {
    double P = 0.0;  // P(v) = sum_{j=0}^{N-3} (N-2-j) v^j, Horner from the top coefficient (1)
    for (int j = N - 3; j >= 0; --j) P = P * v + static_cast<double>(N - 2 - j);
    const double h = -1.0 + v * P;
    double S = 0.0;
    for (int j = 0; j < N; ++j) S = S * v + 1.0;
    return h / (static_cast<double>(N) * S);
}

// int_{u0}^{u} v/(1-v^N) dv for N >= 3, given u0 < u < 1, delta = u - u0 and omu = 1 - u
// (both accurate). closed_forms: use the N = 3, 4 closed forms; otherwise the quadrature split.
double integral_term(int N, double u0, double u, double delta, double omu, bool closed_forms) {
    if (closed_forms && N == 3) {
        // F(u) = -1/3 ln(1-u) + 1/6 ln(u^2+u+1) - 1/sqrt3 atan((2u+1)/sqrt3); F(u) - F(u0):
        const double s3 = std::sqrt(3.0);
        const double a = std::log1p(delta / omu) / 3.0;
        const double b = std::log1p(delta * (u + u0 + 1.0) / (u0 * u0 + u0 + 1.0)) / 6.0;
        const double d = std::atan((2.0 * delta / s3) / (1.0 + (2.0 * u + 1.0) * (2.0 * u0 + 1.0) / 3.0)) / s3;
        return a + b - d;
    }
    if (closed_forms && N == 4) {
        // F(u) = 1/4 ln((1+u^2)/(1-u^2)); u^2 - u0^2 = delta (u + u0), 1 - u^2 = omu (1 + u).
        const double d2 = delta * (u + u0);
        return 0.25 * (std::log1p(d2 / (1.0 + u0 * u0)) + std::log1p(d2 / (omu * (1.0 + u))));
    }
    // int_{u0}^{u} g(v) dv = delta * int_0^1 g(u - delta w) dw: the interval length enters as the
    // accurate delta, not as the rounded difference u - u0 (which loses digits when u0 ~ u).
    const double singular = std::log1p(delta / omu) / static_cast<double>(N);
    auto g = [N, u, delta](double w) { return smooth_remainder(N, u - delta * w); };
    double err = 0.0;
    const double smooth =
        delta * boost::math::quadrature::gauss_kronrod<double, 31>::integrate(g, 0.0, 1.0, 12, 1e-13, &err);
    return singular + smooth;
}

// Time to go from x0 = sigma0/sigma* to x = sigma/sigma* (x0 < x < 1), given x, omx = 1 - x and
// L = ln(x/x0) > 0, all accurate. Arguments already validated.
double time_core(int N, double sigma_star, double x, double omx, double L, double c, bool closed_forms) {
    if (N == 1) return std::log1p(x * -std::expm1(-L) / omx) / c;
    if (N == 2) return (L + std::log1p(x * -std::expm1(-L) / omx)) / (c * sigma_star);
    const double Nd = static_cast<double>(N);
    const double p = (Nd - 2.0) / Nd;
    const double lnx = omx < 0.5 ? std::log1p(-omx) : std::log(x);
    const double u = std::exp(lnx / Nd);
    const double omu = -std::expm1(lnx / Nd);
    const double delta = u * -std::expm1(-L / Nd);
    const double u0 = u * std::exp(-L / Nd);
    const double log_pref = std::log(Nd) - std::log(c) - (1.0 + p) * std::log(sigma_star);
    const double pL = p * L;
    // pref * (u0^(2-N) - u^(2-N)) / (N-2), in log space so that it may exceed the range of the factors.
    double wait;
    if (pL < 600.0) {
        wait = std::exp(log_pref - p * lnx - std::log(Nd - 2.0)) * std::expm1(pL);
    } else {
        wait = std::exp(log_pref - p * lnx - std::log(Nd - 2.0) + pL + std::log1p(-std::exp(-pL)));
    }
    const double rise = std::exp(log_pref) * integral_term(N, u0, u, delta, omu, closed_forms);
    return wait + rise;
}

double learning_time_impl(int N, double sigma_star, double sigma0, double alpha, double c, bool closed_forms) {
    check_common(N, sigma_star, sigma0, c);
    check_alpha(alpha);
    const double target = alpha * sigma_star;
    if (target <= sigma0) return 0.0;
    const double L = log_ratio(target, sigma0);
    return time_core(N, sigma_star, alpha, 1.0 - alpha, L, c, closed_forms);
}

}  // namespace

double learning_time(int N, double sigma_star, double sigma0, double alpha, double c) {
    return learning_time_impl(N, sigma_star, sigma0, alpha, c, true);
}

double learning_time_quadrature(int N, double sigma_star, double sigma0, double alpha, double c) {
    return learning_time_impl(N, sigma_star, sigma0, alpha, c, false);
}

double solution(int N, double sigma_star, double sigma0, double t, double c) {
    check_common(N, sigma_star, sigma0, c);
    check_finite("t", t);
    if (!(t >= 0)) bad("t", "must be >= 0", t);
    if (t == 0) return sigma0;
    if (N == 1) return sigma0 - (sigma_star - sigma0) * std::expm1(-c * t);
    if (N == 2) {
        // sigma = sigma* / (1 + K e^{-tau}), K = (sigma* - sigma0)/sigma0, tau = c sigma* t.
        const double tau = c * sigma_star * t;
        const double K = (sigma_star - sigma0) / sigma0;
        if (std::isfinite(K)) return sigma_star / (1.0 + K * std::exp(-tau));
        const double E = std::log(sigma_star - sigma0) - std::log(sigma0) - tau;  // ln(K e^{-tau})
        return E > 0 ? sigma_star * std::exp(-E) / (1.0 + std::exp(-E)) : sigma_star / (1.0 + std::exp(E));
    }
    // N >= 3: solve learning_time(s) = t in s = logit(x).
    const double ln_x0 = log_ratio(sigma0, sigma_star);
    struct Point { double x, omx, L; };
    auto at = [&](double s) {
        Point q;
        if (s < 0) {
            const double e = std::exp(s);
            q.x = e / (1.0 + e);
            q.omx = 1.0 / (1.0 + e);
            q.L = s - std::log1p(e) - ln_x0;  // ln x - ln x0
        } else {
            const double e = std::exp(-s);
            q.x = 1.0 / (1.0 + e);
            q.omx = e / (1.0 + e);
            q.L = -std::log1p(e) - ln_x0;
        }
        return q;
    };
    const double s_lo0 = ln_x0 - std::log1p(-sigma0 / sigma_star);  // logit(x0)
    auto f = [&](double s) {
        const Point q = at(s);
        if (!(q.L > 0)) return -t;
        return time_core(N, sigma_star, q.x, q.omx, q.L, c, true) - t;
    };
    // Bracket: [logit(x0), 0] if t <= t(1/2); otherwise step up from 0 (s = 40 means 1 - x < 5e-18).
    constexpr double s_cap = 40.0;
    double lo = s_lo0, hi = std::max(0.0, s_lo0 + 1.0);
    double f_lo = -t, f_hi = f(hi);
    double step = 1.0;
    while (f_hi < 0) {
        if (hi >= s_cap) return sigma_star;  // sigma within half an ulp of sigma*
        lo = hi;
        f_lo = f_hi;
        hi = std::min(hi + step, s_cap);
        step *= 2.0;
        f_hi = f(hi);
    }
    if (f_hi == 0) return at(hi).x * sigma_star;
    auto tol = [](double a, double b) {
        return std::fabs(a - b) <= std::max(1e-14, 4.0 * std::numeric_limits<double>::epsilon() *
                                                       std::max(std::fabs(a), std::fabs(b)));
    };
    std::uintmax_t max_iter = 200;
    const auto root = boost::math::tools::toms748_solve(f, lo, hi, f_lo, f_hi, tol, max_iter);
    const double s = 0.5 * (root.first + root.second);
    return at(s).x * sigma_star;
}

double learning_time_asymptotic(int N, double sigma_star, double sigma0, double alpha, double c) {
    check_common(N, sigma_star, sigma0, c);
    check_alpha(alpha);
    if (N == 1) return -std::log1p(-alpha) / c;
    if (N == 2) return (log_ratio(sigma_star, sigma0) + std::log(alpha / (1.0 - alpha))) / (c * sigma_star);
    const double Nd = static_cast<double>(N);
    const double p = (Nd - 2.0) / Nd;
    const double lna = std::log(alpha);
    const double u = std::exp(lna / Nd);
    const double omu = -std::expm1(lna / Nd);
    const double wait = std::exp(-p * std::log(sigma0) - std::log(p * c * sigma_star));
    const double log_pref = std::log(Nd) - std::log(c) - (1.0 + p) * std::log(sigma_star);
    const double back = std::exp(-p * lna - std::log(p) - std::log(c) - (1.0 + p) * std::log(sigma_star));
    const double rise = std::exp(log_pref) * integral_term(N, 0.0, u, u, omu, true);
    return wait - back + rise;
}

double rate_constant(ToyForm form, int N) {
    check_depth(N);
    const double Nd = static_cast<double>(N);
    return form == ToyForm::Power ? Nd * Nd : Nd;
}

}  // namespace depthbias::theory
