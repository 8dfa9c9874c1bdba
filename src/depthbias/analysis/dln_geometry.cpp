#include "depthbias/analysis/dln_geometry.hpp"

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace depthbias::geometry {

namespace {

void check_depth(int depth) {
    if (depth < 0) throw std::invalid_argument("depth must be >= 1 (or 0 for the infinite-depth limit), got " + std::to_string(depth));
}

}  // namespace

double metric_eigenvalue(double a, double b, int depth) {
    check_depth(depth);
    if (!(a >= 0) || !(b >= 0) || !std::isfinite(a) || !std::isfinite(b))
        throw std::invalid_argument("singular values must be finite and >= 0");
    if (a < b) std::swap(a, b);  // a >= b
    if (depth == 1) return 1.0;
    if (depth == kInfiniteDepth) {
        if (b == 0) return 0.0;
        const double l = std::log(a / b);
        if (l == 0) return a * a;
        return b * b * std::expm1(2 * l) / (2 * l);
    }
    const double n = depth;
    if (a == 0) return 0.0;                             // both zero
    if (b == 0) return std::pow(a, 2 - 2 / n);          // only the p = 1 term: a^{2(N-1)/N} b^0
    const double l = std::log(a / b);
    if (l == 0) return n * std::pow(a, 2 - 2 / n);
    return std::pow(b, 2 - 2 / n) * std::expm1(2 * l) / std::expm1(2 * l / n);
}

double log_metric_eigenvalue(double a, double b, int depth) {
    check_depth(depth);
    if (!(a > 0) || !(b > 0) || !std::isfinite(a) || !std::isfinite(b))
        throw std::invalid_argument("log_metric_eigenvalue needs finite singular values > 0");
    if (a < b) std::swap(a, b);
    if (depth == 1) return 0.0;
    // log(expm1(x)) for x > 0, also where expm1 overflows
    auto log_expm1 = [](double x) { return x > 30 ? x + std::log1p(-std::exp(-x)) : std::log(std::expm1(x)); };
    const double l = std::log(a) - std::log(b);
    if (depth == kInfiniteDepth) return l == 0 ? 2 * std::log(a) : 2 * std::log(b) + log_expm1(2 * l) - std::log(2 * l);
    const double n = depth;
    if (l == 0) return std::log(n) + (2 - 2 / n) * std::log(a);
    return (2 - 2 / n) * std::log(b) + log_expm1(2 * l) - log_expm1(2 * l / n);
}

Mat metric_eigenvalues(const std::vector<double>& sigma, Index m, Index n, int depth) {
    Mat lam(m, n);
    auto s = [&](Index i) { return i < Index(sigma.size()) ? sigma[size_t(i)] : 0.0; };
    for (Index i = 0; i < m; ++i)
        for (Index j = 0; j < n; ++j) lam(i, j) = metric_eigenvalue(s(i), s(j), depth);
    return lam;
}

Mat apply_metric(const Mat& x, const Mat& p, int depth) {
    check_depth(depth);
    if (p.rows() != x.rows() || p.cols() != x.cols())
        throw std::invalid_argument("apply_metric: P must have X's shape");
    if (depth == 1) return p;
    Eigen::BDCSVD<Mat> svd(x, Eigen::ComputeFullU | Eigen::ComputeFullV);
    const Vec& sv = svd.singularValues();
    const std::vector<double> sigma(sv.data(), sv.data() + sv.size());
    const Mat& u = svd.matrixU();
    const Mat& v = svd.matrixV();
    const Mat lam = metric_eigenvalues(sigma, x.rows(), x.cols(), depth);
    const Mat inner = (u.transpose() * p * v).cwiseProduct(lam);
    return u * inner * v.transpose();
}

double log_volume_density(const std::vector<double>& sigma, int depth) {
    check_depth(depth);
    for (double s : sigma)
        if (!(s > 0) || !std::isfinite(s)) throw std::invalid_argument("the volume form needs finite singular values > 0");
    const double d = double(sigma.size());
    double out = 0;
    if (depth == kInfiniteDepth) {
        for (double s : sigma) out -= std::log(s);
        for (size_t i = 0; i < sigma.size(); ++i)
            for (size_t j = i + 1; j < sigma.size(); ++j) out += std::log(std::abs(std::log(sigma[i]) - std::log(sigma[j])));
        return out;
    }
    const double n = depth;
    out -= 0.5 * d * std::log(n);
    for (double s : sigma) out -= (1 - 1 / n) * std::log(s);
    for (size_t i = 0; i < sigma.size(); ++i)
        for (size_t j = i + 1; j < sigma.size(); ++j) {
            // |a^{2/N} - b^{2/N}| = b^{2/N} |expm1((2/N) log(a/b))|, no cancellation
            const double a = std::max(sigma[i], sigma[j]), b = std::min(sigma[i], sigma[j]);
            out += (2 / n) * std::log(b) + std::log(std::abs(std::expm1((2 / n) * std::log(a / b))));
        }
    return out;
}

double log_volume_from_determinant(const std::vector<double>& sigma, int depth) {
    if (depth < 1) throw std::invalid_argument("log_volume_from_determinant: finite depth >= 1 only");
    double log_det = 0, log_jac = 0;
    for (size_t i = 0; i < sigma.size(); ++i) {
        log_det += std::log(metric_eigenvalue(sigma[i], sigma[i], depth));
        for (size_t j = i + 1; j < sigma.size(); ++j) {
            log_det += 2 * std::log(metric_eigenvalue(sigma[i], sigma[j], depth));
            const double a = std::max(sigma[i], sigma[j]), b = std::min(sigma[i], sigma[j]);
            log_jac += 2 * std::log(b) + std::log(std::abs(std::expm1(2 * std::log(a / b))));
        }
    }
    return -0.5 * log_det + log_jac;
}

std::vector<double> singular_value_velocity(const Mat& x, const Mat& grad, int depth, double rel_gap) {
    if (depth < 1) throw std::invalid_argument("the singular-value ODE needs a finite depth >= 1");
    Eigen::JacobiSVD<Mat> svd(x, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const Vec& s = svd.singularValues();
    const double top = s.size() ? s(0) : 0.0;
    for (Index r = 0; r < s.size(); ++r) {
        if (!(s(r) > rel_gap * top))
            throw std::invalid_argument("the singular-value ODE is undefined: singular value " + std::to_string(r + 1) +
                                        " is zero (relative " + std::to_string(top > 0 ? s(r) / top : 0.0) + ")");
        if (r > 0 && s(r - 1) - s(r) <= rel_gap * top)
            throw std::invalid_argument("the singular-value ODE is undefined: singular values " + std::to_string(r) +
                                        " and " + std::to_string(r + 1) + " coincide (a repeated spectrum)");
    }
    const double n = depth;
    std::vector<double> out(size_t(s.size()));
    for (Index r = 0; r < s.size(); ++r)
        out[size_t(r)] = -n * std::pow(s(r), 2 - 2 / n) * svd.matrixU().col(r).dot(grad * svd.matrixV().col(r));
    return out;
}

}  // namespace depthbias::geometry
