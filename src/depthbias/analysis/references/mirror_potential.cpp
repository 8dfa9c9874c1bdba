#include "depthbias/analysis/references/mirror_potential.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "depthbias/core/error.hpp"

namespace depthbias {

double invert_monotone(const std::function<double(double)>& dphi, const std::function<double(double)>& d2phi, double z) {
    if (z == 0) return 0.0;
    if (!std::isfinite(z)) return z;  // a diverged dual variable: theta is not finite either (the run diverges)
    // bracket [lo, hi] with dphi(lo) <= z <= dphi(hi)
    double lo = 0, hi = 0, step = 1;
    if (z > 0) {
        while (dphi(hi) < z) lo = hi, hi += step, step *= 2;
    } else {
        while (dphi(lo) > z) hi = lo, lo -= step, step *= 2;
    }
    double x = 0.5 * (lo + hi);
    for (int it = 0; it < 200; ++it) {
        const double f = dphi(x) - z;
        if (f == 0) return x;
        if (f > 0) hi = x; else lo = x;
        double nx = x - f / d2phi(x);
        if (!(nx > lo && nx < hi)) nx = 0.5 * (lo + hi);
        if (std::abs(nx - x) <= 1e-16 * std::max(1.0, std::abs(nx)) || hi - lo <= 4e-16 * std::max(1.0, std::abs(x))) return nx;
        x = nx;
    }
    return x;
}

MirrorPotential::MirrorPotential(const std::string& name, double beta, double scale)
    : e_(&MirrorPotentialRegistry::instance().get("dynamics.potential", name)), beta_(beta), scale_(scale) {
    if (!(beta > 0) || !std::isfinite(beta)) throw ConfigError("dynamics.potential_beta", "must be finite and > 0");
    if (!(scale > 0) || !std::isfinite(scale)) throw ConfigError("dynamics.potential_scale", "must be finite and > 0");
}

double MirrorPotential::phi(double x) const { return e_->phi(scale_ * x, beta_) / scale_; }
double MirrorPotential::grad(double x) const { return e_->dphi(scale_ * x, beta_); }
double MirrorPotential::hessian(double x) const { return scale_ * e_->d2phi(scale_ * x, beta_); }
double MirrorPotential::inverse(double z) const {
    if (e_->inverse) return e_->inverse(z, beta_) / scale_;
    const double b = beta_;
    return invert_monotone([&](double x) { return e_->dphi(x, b); }, [&](double x) { return e_->d2phi(x, b); }, z) / scale_;
}
double MirrorPotential::bregman(const Vec& t, const Vec& t0) const {
    double d = 0;
    for (Index i = 0; i < t.size(); ++i) d += phi(t(i)) - phi(t0(i)) - grad(t0(i)) * (t(i) - t0(i));
    return d;
}
void MirrorPotential::to_dual(const Vec& theta, Vec& z) const {
    for (Index i = 0; i < theta.size(); ++i) z(i) = grad(theta(i));
}
void MirrorPotential::to_primal(const Vec& z, Vec& theta) const {
    for (Index i = 0; i < z.size(); ++i) theta(i) = inverse(z(i));
}

namespace {

const Registrar<MirrorPotentialEntry> quadratic{{
    .name = "quadratic",
    .doc = "x^2/2: plain gradient descent / flow",
    .phi = [](double x, double) { return 0.5 * x * x; },
    .dphi = [](double x, double) { return x; },
    .d2phi = [](double, double) { return 1.0; },
    .inverse = [](double z, double) { return z; },
}};
const Registrar<MirrorPotentialEntry> hypentropy{{
    .name = "hypentropy",
    .doc = "x asinh(x/beta) - sqrt(x^2 + beta^2) (scale beta = dynamics.potential_beta): between l2 (large beta) and l1",
    .phi = [](double x, double b) { return x * std::asinh(x / b) - std::hypot(x, b); },
    .dphi = [](double x, double b) { return std::asinh(x / b); },
    .d2phi = [](double x, double b) { return 1.0 / std::hypot(x, b); },
    .inverse = [](double z, double b) { return b * std::sinh(z); },
}};
const Registrar<MirrorPotentialEntry> quartic{{
    .name = "quartic",
    .doc = "x^4 + x^2 (inverse map: Cardano's root of 4a^3 + 2a = z, polished by two Newton steps)",
    .phi = [](double x, double) { return x * x * x * x + x * x; },
    .dphi = [](double x, double) { return 4 * x * x * x + 2 * x; },
    .d2phi = [](double x, double) { return 12 * x * x + 2; },
    .inverse = [](double z, double) {
        if (!std::isfinite(z)) return z;
        // a^3 + p a - q = 0 with p = 1/2, q = z/4: the one real root w - p/(3w), w = cbrt(q/2 + sqrt(q^2/4 + p^3/27)).
        // That form cancels for small |z| (a ~ z/2 there): a = z/2 starts Newton instead.
        // phi' is odd: solve for |z| (q > 0, no cancellation inside the cube root) and restore the sign.
        const double q = 0.25 * std::abs(z);
        double a = 0.5 * z;
        if (std::abs(z) > 1e-3) {
            const double w = std::cbrt(0.5 * q + std::sqrt(0.25 * q * q + 0.125 / 27.0));
            a = std::copysign(w - 0.5 / (3.0 * w), z);
        }
        for (int i = 0; i < 3; ++i) a -= (4 * a * a * a + 2 * a - z) / (12 * a * a + 2);
        return a;
    },
}};
const Registrar<MirrorPotentialEntry> cubic{{
    .name = "cubic",
    .doc = "|x|^3 + x^2 (closed-form inverse sign(z)(-2 + sqrt(4 + 12|z|))/6)",
    .phi = [](double x, double) { return std::abs(x) * x * x + x * x; },
    .dphi = [](double x, double) { return 3 * x * std::abs(x) + 2 * x; },
    .d2phi = [](double x, double) { return 6 * std::abs(x) + 2; },
    .inverse = [](double z, double) {
        const double a = std::abs(z);
        return std::copysign(2 * a / (2 + std::sqrt(4 + 12 * a)), z);  // = (-2 + sqrt(4 + 12a))/6, no cancellation
    },
}};

}  // namespace

namespace refs {

Vec bregman_projection(const MirrorPotential& pot, const Mat& x, const Vec& y, const Vec& theta0) {
    const Index n = x.rows(), p = x.cols();
    Vec z0(p), theta(p), z(p);
    pot.to_dual(theta0, z0);
    const auto conj = [&](const Vec& zz, Vec& th) {  // sum Phi*(z), theta = (grad Phi)^-1(z)
        pot.to_primal(zz, th);
        double s = 0;
        for (Index k = 0; k < p; ++k) s += zz(k) * th(k) - pot.phi(th(k));
        return s;
    };
    Vec nu = Vec::Zero(n);
    z = z0;
    double dual = -conj(z, theta);
    const double scale = 1 + y.lpNorm<Eigen::Infinity>();
    double best = INFINITY;
    int stalled = 0;
    for (int it = 0; it < 500; ++it) {
        const Vec r = y - x * theta;  // gradient of the dual
        const double res = r.lpNorm<Eigen::Infinity>();
        if (res <= 1e-12 * scale) return theta;
        // At the rounding floor (the Newton step no longer halves the residual three times in a row) accept a
        // residual below 1e-10 (relative): the dual objective cannot rank the iterates any more.
        stalled = res < 0.5 * best ? 0 : stalled + 1;
        best = std::min(best, res);
        if (stalled >= 3 && res <= 1e-10 * scale) return theta;
        Vec w(p);
        for (Index k = 0; k < p; ++k) w(k) = 1.0 / pot.hessian(theta(k));
        const Mat h = x * w.asDiagonal() * x.transpose();
        const Vec dir = h.ldlt().solve(r);
        double step = 1;
        bool moved = false;
        // Near the solution the predicted ascent r^T dir falls below the rounding of the dual value: the line
        // search then asks for a smaller residual instead (Newton on the optimality condition X theta = y).
        const bool rounding = r.dot(dir) < 1e-11 * (1 + std::abs(dual));
        for (int ls = 0; ls < 60; ++ls, step *= 0.5) {
            const Vec nu2 = nu + step * dir;
            const Vec z2 = z0 + x.transpose() * nu2;
            Vec th2(p);
            const double d2 = nu2.dot(y) - conj(z2, th2);
            const bool ok = rounding ? (y - x * th2).lpNorm<Eigen::Infinity>() < res
                                     : d2 >= dual + 1e-4 * step * r.dot(dir);
            if (std::isfinite(d2) && th2.allFinite() && ok) {
                nu = nu2, z = z2, theta = th2, dual = d2;
                moved = true;
                break;
            }
        }
        if (!moved) {
            // rounding hides the ascent: take the full Newton step if it lowers the residual
            const Vec nu2 = nu + dir, z2 = z0 + x.transpose() * nu2;
            Vec th2(p);
            const double d2 = nu2.dot(y) - conj(z2, th2);
            if (!th2.allFinite() || (y - x * th2).lpNorm<Eigen::Infinity>() >= res) {
                if (res <= 1e-10 * scale) return theta;
                throw std::runtime_error("Bregman projection: no ascent step (residual " + std::to_string(res) + ")");
            }
            nu = nu2, z = z2, theta = th2, dual = d2;
        }
    }
    std::ostringstream why;
    why << "Bregman projection (" << pot.name() << "): no convergence in 500 Newton steps (residual "
        << (y - x * theta).lpNorm<Eigen::Infinity>() << ")";
    throw std::runtime_error(why.str());
}

}  // namespace refs
}  // namespace depthbias
