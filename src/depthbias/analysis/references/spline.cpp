#include "depthbias/analysis/references/spline.hpp"

#include <algorithm>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace depthbias::refs {

double integrate(const std::function<double(double)>& f, double a, double b, const std::vector<double>& kinks) {
    // Relative tolerance of each Gauss-Kronrod piece. 1e-14 sat below what the error estimate |K31 - G15| reaches
    // for these (piecewise polynomial) integrands: every piece recursed to ~1000 subintervals (32k evaluations of
    // zeta per kernel value, ~0.2 ms); at 1e-12 one 31-point pass suffices and the claims' 1e-10 .. 1e-12 hold.
    constexpr double kTol = 1e-12;
    // A half-infinite tail [L, inf) is integrated in t = 1/c: int_0^{1/L} f(1/t) / t^2 dt, smooth for the kernels
    // here (zeta ~ c^-4 against a quadratic), so the tails cost as little as the finite pieces.
    double lo = std::isfinite(a) ? a : -1.0, hi = std::isfinite(b) ? b : 1.0;
    for (double k : kinks) {
        if (k > a && k < b) lo = std::min(lo, k), hi = std::max(hi, k);
    }
    lo = std::min(lo, -1.0), hi = std::max(hi, 1.0);
    if (!std::isfinite(a)) lo = std::min(lo, std::isfinite(b) ? b : lo);
    if (!std::isfinite(b)) hi = std::max(hi, std::isfinite(a) ? a : hi);
    using GK = boost::math::quadrature::gauss_kronrod<double, 31>;
    const auto piece = [&](double p, double q) {
        double err = 0;
        return GK::integrate(f, p, q, 15, kTol, &err);
    };
    double s = 0;
    const double fa = std::isfinite(a) ? a : lo, fb = std::isfinite(b) ? b : hi;
    if (fb > fa) {
        std::vector<double> pts{fa};
        for (double k : kinks)
            if (k > fa && k < fb) pts.push_back(k);
        pts.push_back(fb);
        for (size_t i = 0; i + 1 < pts.size(); ++i) s += piece(pts[i], pts[i + 1]);
    }
    double err = 0;
    if (!std::isfinite(b))  // [hi, inf): c = 1/t, t in (0, 1/hi]
        s += GK::integrate([&](double t) { return f(1.0 / t) / (t * t); }, 0.0, 1.0 / hi, 15, kTol, &err);
    if (!std::isfinite(a))  // (-inf, lo]: c = -1/t, t in (0, -1/lo]
        s += GK::integrate([&](double t) { return f(-1.0 / t) / (t * t); }, 0.0, -1.0 / lo, 15, kTol, &err);
    return s;
}

namespace {
// Solves [K T; T^T 0][c; a; b] = [y; 0; 0] (free affine) or K c = y.
void solve_bordered(const Mat& k, const Vec& x, const Vec& y, bool free_affine, Vec& c, double& a, double& b) {
    const Index m = x.size();
    if (!free_affine) {
        Eigen::LDLT<Mat> ldlt(k);
        c = ldlt.solve(y);
        if (ldlt.info() != Eigen::Success || !c.allFinite()) throw std::runtime_error("the kernel matrix is singular");
        a = b = 0;
        return;
    }
    Mat big = Mat::Zero(m + 2, m + 2);
    big.topLeftCorner(m, m) = k;
    big.block(0, m, m, 1).setOnes();
    big.block(0, m + 1, m, 1) = x;
    big.block(m, 0, 1, m).setOnes();
    big.block(m + 1, 0, 1, m) = x.transpose();
    Vec rhs = Vec::Zero(m + 2);
    rhs.head(m) = y;
    const Vec sol = big.colPivHouseholderQr().solve(rhs);
    if (!sol.allFinite()) throw std::runtime_error("the bordered kernel system is singular");
    c = sol.head(m);
    a = sol(m);
    b = sol(m + 1);
}
}  // namespace

KernelInterpolant::KernelInterpolant(const Vec& x, const Vec& y, Kernel k, bool free_affine, double ridge)
    : x_(x), k_(std::move(k)) {
    const Index m = x.size();
    Mat km(m, m);
    for (Index i = 0; i < m; ++i)
        for (Index j = 0; j <= i; ++j) km(i, j) = km(j, i) = k_(x(i), x(j));
    km.diagonal().array() += ridge;
    solve_bordered(km, x, y, free_affine, c_, a_, b_);
}

double KernelInterpolant::operator()(double z) const {
    double s = a_ + b_ * z;
    for (Index j = 0; j < x_.size(); ++j) s += c_(j) * k_(z, x_(j));
    return s;
}

Vec KernelInterpolant::operator()(const Vec& z) const {
    Vec out(z.size());
    for (Index i = 0; i < z.size(); ++i) out(i) = (*this)(z(i));
    return out;
}

KernelInterpolant::Kernel curvature_kernel(const Zeta& z, double x0) {
    return [z, x0](double x, double xp) {
        const double hi = std::min(x, xp);
        if (hi <= x0) return 0.0;
        return integrate([&](double u) { return z.f(u) * (x - u) * (xp - u); }, x0, hi, z.kinks);
    };
}

KernelInterpolant::Kernel relu_limit_kernel(const Zeta& z) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    return [z](double x, double xp) {
        const double lo = std::min(x, xp), hi = std::max(x, xp);
        return 0.5 * integrate([&](double c) { return z.f(c) * (x - c) * (xp - c); }, -inf, lo, z.kinks) +
               0.5 * integrate([&](double c) { return z.f(c) * (c - x) * (c - xp); }, hi, inf, z.kinks);
    };
}

KernelInterpolant::Kernel abs_limit_kernel(const Zeta& z) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    return [z](double x, double xp) {
        std::vector<double> k = z.kinks;
        k.push_back(std::min(x, xp));
        k.push_back(std::max(x, xp));
        std::sort(k.begin(), k.end());
        return integrate([&](double c) { return z.f(c) * std::abs(x - c) * std::abs(xp - c); }, -inf, inf, k);
    };
}

KernelInterpolant curvature_spline(const Vec& x, const Vec& y, const Zeta& z) {
    return KernelInterpolant(x, y, curvature_kernel(z, x(0)), true);
}

KernelInterpolant smoothing_spline(const Vec& x, const Vec& y, const Zeta& z, double lambda) {
    return KernelInterpolant(x, y, curvature_kernel(z, x(0)), true, lambda);
}

Vec min_norm_interpolant(const ScalarFunctionModel& m, const Vec& theta0, const Vec& x, const Vec& y, const Vec& grid,
                         bool free_affine) {
    const Index p = m.output_size(), mm = x.size();
    Mat jt(p, mm);  // column i: df(x_i)/d(theta_out)
    for (Index i = 0; i < mm; ++i) m.output_features(theta0, x(i), jt.col(i));
    Vec f0;
    m.evaluate(theta0, x, f0);
    const Mat k = jt.transpose() * jt;
    Vec c;
    double a = 0, b = 0;
    solve_bordered(k, x, y - f0, free_affine, c, a, b);
    Vec theta = theta0;
    theta.segment(m.output_offset(), p) += jt * c;
    Vec out;
    m.evaluate(theta, grid, out);
    out.array() += a + b * grid.array();
    return out;
}

}  // namespace depthbias::refs
