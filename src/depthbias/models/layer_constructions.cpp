#include "depthbias/models/layer_constructions.hpp"

#include <Eigen/QR>
#include <Eigen/SVD>
#include <cmath>
#include <stdexcept>
#include <string>

namespace depthbias {

namespace {

void require(bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
}

// Columns of an orthonormal basis of the complement of span(u) (u: n x r with orthonormal columns).
Mat complement(const Mat& u) {
    const Index n = u.rows(), r = u.cols();
    Eigen::HouseholderQR<Mat> qr(u);
    const Mat q = qr.householderQ() * Mat::Identity(n, n);
    return q.rightCols(n - r);
}

}  // namespace

std::vector<Mat> balanced_lift(const Mat& x, const std::vector<Mat>& frames) {
    const size_t depth = frames.size() + 1;
    const Index k = std::min(x.rows(), x.cols());
    Eigen::BDCSVD<Mat> svd(x, Eigen::ComputeThinU | Eigen::ComputeThinV);  // divide and conquer: the end-to-end flow lifts every accepted step
    Vec root(k);
    for (Index i = 0; i < k; ++i) root(i) = std::pow(svd.singularValues()(i), 1.0 / double(depth));
    for (size_t p = 0; p < frames.size(); ++p)
        if (frames[p].cols() != k || frames[p].rows() < k)
            throw std::invalid_argument("balanced_lift: hidden width " + std::to_string(frames[p].rows()) + " of layer " +
                                        std::to_string(p + 1) + " is below min(rows, cols) = " + std::to_string(k) +
                                        " (a balanced lift of a full-rank end-to-end matrix does not exist)");
    std::vector<Mat> w(depth);
    const auto s = root.asDiagonal();
    if (depth == 1) {
        w[0] = x;
        return w;
    }
    w[0] = frames[0] * s * svd.matrixV().transpose();
    for (size_t p = 1; p + 1 < depth; ++p) w[p] = frames[p] * s * frames[p - 1].transpose();
    w[depth - 1] = svd.matrixU() * s * frames[depth - 2].transpose();
    return w;
}

LambdaBalancedLayers lambda_balanced_layers(const Mat& u, const std::vector<double>& s, const Mat& v, const Mat& r,
                                            double lambda) {
    const Index n_o = u.rows(), n_i = v.rows(), n_h = r.rows(), k = std::min(n_i, n_o);
    require(std::isfinite(lambda), "lambda must be finite");
    require(u.cols() == k && v.cols() == k && Index(s.size()) == k,
            "U (n_o x r), V (n_i x r) and s (r values) need r = min(n_i, n_o) = " + std::to_string(k));
    require(r.cols() == n_h, "the hidden frame R must be square");
    require(n_h >= k && n_h <= std::max(n_i, n_o),
            "a lambda-balanced network needs min(n_i, n_o) <= n_h <= max(n_i, n_o); got n_i = " + std::to_string(n_i) +
                ", n_h = " + std::to_string(n_h) + ", n_o = " + std::to_string(n_o));
    if (n_h > k) {
        require(!(n_o > n_i && lambda < 0),
                "with n_o > n_i and n_h > min(n_i, n_o) the extra hidden directions need lambda >= 0 (got lambda = " +
                    std::to_string(lambda) + ")");
        require(!(n_i > n_o && lambda > 0),
                "with n_i > n_o and n_h > min(n_i, n_o) the extra hidden directions need lambda <= 0 (got lambda = " +
                    std::to_string(lambda) + ")");
    }
    for (double x : s) require(x >= 0 && std::isfinite(x), "singular values s must be finite and >= 0");
    Mat core1 = Mat::Zero(n_h, n_i), core2 = Mat::Zero(n_o, n_h);
    for (Index a = 0; a < k; ++a) {
        const double kk = std::sqrt(lambda * lambda + 4 * s[size_t(a)] * s[size_t(a)]);
        const double s2 = std::sqrt((kk + lambda) / 2), s1 = std::sqrt((kk - lambda) / 2);
        core1.row(a) = s1 * v.col(a).transpose();
        core2.col(a) = s2 * u.col(a);
    }
    if (n_h > k) {
        const Index extra = n_h - k;
        if (n_o > n_i) core2.rightCols(extra) = std::sqrt(lambda) * complement(u).leftCols(extra);
        else core1.bottomRows(extra) = std::sqrt(-lambda) * complement(v).leftCols(extra).transpose();
    }
    return {r * core1, core2 * r.transpose()};
}

double balance_of(const Mat& w1, const Mat& w2, double* off) {
    const Mat d = w2.transpose() * w2 - w1 * w1.transpose();
    const double lambda = d.diagonal().mean();
    if (off) *off = (d - lambda * Mat::Identity(d.rows(), d.cols())).cwiseAbs().maxCoeff();
    return lambda;
}

}  // namespace depthbias
