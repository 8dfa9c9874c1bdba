#include "depthbias/analysis/references/mirror_function_space.hpp"

#include <cmath>
#include <stdexcept>

#include "depthbias/analysis/references/mirror_potential.hpp"

namespace depthbias::refs {

BiasDensity BiasDensity::uniform(double half_width) {
    if (!(half_width > 0) || !std::isfinite(half_width)) throw std::invalid_argument("uniform bias law: half width must be > 0");
    const double l = half_width;
    return {[l](double c) { return std::abs(c) <= l ? 0.5 / l : 0.0; }, [l](double q) { return -l + 2 * l * q; }, -l, l,
            l * l / 3};
}

namespace {
// int_{a}^{b} |z - c| dc for a < b.
double abs_cell(double z, double a, double b) {
    const auto prim = [](double t) { return 0.5 * t * std::abs(t); };  // antiderivative of |t|
    return prim(b - z) - prim(a - z);
}
}  // namespace

ReluFunctionSpace::ReluFunctionSpace(const Vec& x, const Vec& y, const BiasDensity& p, Index cells)
    : lo_(p.lo), h_((p.hi - p.lo) / double(cells)) {
    if (cells < 2 || !(p.hi > p.lo)) throw std::invalid_argument("ReluFunctionSpace: need cells >= 2 and lo < hi");
    if (!(p.variance > 0)) throw std::invalid_argument("ReluFunctionSpace: the bias variance must be > 0");
    const Index m = x.size(), nv = cells + 2;
    // z = (s_1..s_N, u, v); objective z^T D z with D = diag(h / p_B(c_i), 4, 4 / sigma^2); constraints A z = y.
    Vec dinv(nv);
    Mat a(m, nv);
    for (Index i = 0; i < cells; ++i) {
        const double c0 = lo_ + i * h_, pb = p.density(c0 + 0.5 * h_);
        if (!(pb > 0)) throw std::invalid_argument("ReluFunctionSpace: p_B must be > 0 on its support");
        dinv(i) = pb / h_;
        for (Index j = 0; j < m; ++j) a(j, i) = 0.5 * abs_cell(x(j), c0, c0 + h_);
    }
    dinv(cells) = 0.25;
    dinv(cells + 1) = 0.25 * p.variance;
    a.col(cells) = x;
    a.col(cells + 1).setOnes();
    const Mat gram = a * dinv.asDiagonal() * a.transpose();
    const Eigen::LDLT<Mat> ldlt(gram);
    const Vec lambda = ldlt.solve(y);
    if (ldlt.info() != Eigen::Success || !lambda.allFinite() || (gram * lambda - y).norm() > 1e-8 * (1 + y.norm()))
        throw std::runtime_error("ReluFunctionSpace: the interpolation constraints are singular (duplicate x?)");
    const Vec z = dinv.asDiagonal() * (a.transpose() * lambda);
    s_ = z.head(cells);
    u_ = z(cells);
    v_ = z(cells + 1);
    penalty_ = z.dot(dinv.cwiseInverse().asDiagonal() * z);
}

double ReluFunctionSpace::half_abs(double zz) const {
    double s = 0;
    for (Index i = 0; i < s_.size(); ++i) s += s_(i) * abs_cell(zz, lo_ + i * h_, lo_ + (i + 1) * h_);
    return 0.5 * s;
}
double ReluFunctionSpace::operator()(double z) const { return half_abs(z) + u_ * z + v_; }
Vec ReluFunctionSpace::operator()(const Vec& z) const {
    Vec out(z.size());
    for (Index i = 0; i < z.size(); ++i) out(i) = (*this)(z(i));
    return out;
}

ScaledAbsFunctionSpace::ScaledAbsFunctionSpace(const Vec& x, const Vec& y, const BiasDensity& p,
                                               const std::string& potential, double beta, Index nodes)
    : c_(nodes) {
    if (nodes < 2) throw std::invalid_argument("ScaledAbsFunctionSpace: need nodes >= 2");
    for (Index k = 0; k < nodes; ++k) c_(k) = p.quantile((k + 0.5) / double(nodes));
    Mat f(x.size(), nodes);
    for (Index j = 0; j < x.size(); ++j) f.row(j) = (c_.array() - x(j)).abs().transpose();
    const MirrorPotential pot(potential, beta, double(nodes));
    a_ = bregman_projection(pot, f, y, Vec::Zero(nodes));
}

double ScaledAbsFunctionSpace::operator()(double z) const { return a_.dot((c_.array() - z).abs().matrix()); }
Vec ScaledAbsFunctionSpace::operator()(const Vec& z) const {
    Vec out(z.size());
    for (Index i = 0; i < z.size(); ++i) out(i) = (*this)(z(i));
    return out;
}

}  // namespace depthbias::refs
