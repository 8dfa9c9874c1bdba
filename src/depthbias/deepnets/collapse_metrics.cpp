#include "depthbias/deepnets/collapse_metrics.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace depthbias::deepnets {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_label(std::int64_t y, int classes) {
    if (y < 0 || y >= classes) throw std::out_of_range("label " + std::to_string(y) + " outside [0, classes)");
}
}  // namespace

CollapseAccumulator::CollapseAccumulator(int classes, std::int64_t dim)
    : classes_(classes),
      dim_(dim),
      sums_(Eigen::MatrixXd::Zero(dim, classes)),
      count_(size_t(classes), 0),
      within_ss_(size_t(classes), 0.0),
      test_sums_(Eigen::MatrixXd::Zero(dim, classes)),
      test_count_(size_t(classes), 0),
      test_within_ss_(size_t(classes), 0.0) {
    if (classes < 2) throw std::invalid_argument("CollapseAccumulator: need at least 2 classes");
    if (dim < 1) throw std::invalid_argument("CollapseAccumulator: dim must be >= 1");
}

namespace {
using RowMatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
// Scratch shared by every accumulator of a thread (one per layer would hold L copies of a batch).
struct Scratch {
    RowMatD zd, diff, scores;
    std::vector<int> pred;
};
Scratch& scratch() {
    thread_local Scratch s;
    return s;
}
const RowMatD& to_double(const float* z, std::int64_t rows, std::int64_t dim) {
    auto& zd = scratch().zd;
    if (zd.rows() != rows || zd.cols() != dim) zd.resize(rows, dim);
    zd = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(z, rows, dim)
             .cast<double>();
    return zd;
}
}  // namespace

void CollapseAccumulator::add_train_means(const float* z, std::int64_t rows, const std::int64_t* labels) {
    const RowMat& zd = to_double(z, rows, dim_);
    for (std::int64_t i = 0; i < rows; ++i) {
        check_label(labels[i], classes_);
        sums_.col(labels[i]).noalias() += zd.row(i).transpose();
        ++count_[size_t(labels[i])];
    }
    n_train_ += rows;
}

void CollapseAccumulator::finish_train_means() {
    means_ = Eigen::MatrixXd::Zero(dim_, classes_);
    present_.assign(size_t(classes_), false);
    int present = 0;
    for (int c = 0; c < classes_; ++c)
        if (count_[size_t(c)] > 0) {
            means_.col(c) = sums_.col(c) / double(count_[size_t(c)]);
            present_[size_t(c)] = true;
            ++present;
        }
    mean_sq_norm_ = means_.colwise().squaredNorm().transpose();
    // Classes without samples must never win the NCC argmin.
    for (int c = 0; c < classes_; ++c)
        if (!present_[size_t(c)]) mean_sq_norm_(c) = std::numeric_limits<double>::infinity();
    // Centred means of the present classes.
    Eigen::VectorXd mu_g = Eigen::VectorXd::Zero(dim_);
    for (int c = 0; c < classes_; ++c)
        if (present_[size_t(c)]) mu_g += means_.col(c);
    if (present > 0) mu_g /= double(present);
    Eigen::MatrixXd centred(dim_, present);
    for (int c = 0, k = 0; c < classes_; ++c)
        if (present_[size_t(c)]) centred.col(k++) = means_.col(c) - mu_g;
    // S_B = (1/C) M M^T = U diag(s^2 / C) U^T from the thin SVD of M (dim x C); keep the nonzero part.
    if (present >= 2) {
        Eigen::JacobiSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeThinU);
        const Eigen::VectorXd s = svd.singularValues();
        const double tol = std::max(1e-300, s(0) * 1e-10);
        int r = 0;
        while (r < s.size() && r < present - 1 && s(r) > tol) ++r;
        span_ = svd.matrixU().leftCols(r);
        span_eig_ = s.head(r).array().square() / double(present);
    } else {
        span_.resize(dim_, 0);
        span_eig_.resize(0);
    }
    span_sq_ = Eigen::VectorXd::Zero(span_.cols());
    // NC2 from the centred means.
    if (present >= 2) {
        Eigen::VectorXd norms = centred.colwise().norm().transpose();
        const double mean = norms.mean();
        const double var = (norms.array() - mean).square().mean();
        nc2_equinorm_ = mean > 0 ? std::sqrt(var) / mean : kNaN;
        double acc = 0;
        int pairs = 0;
        for (int a = 0; a < present; ++a)
            for (int b = 0; b < present; ++b) {
                if (a == b) continue;
                const double denom = norms(a) * norms(b);
                const double cosv = denom > 0 ? centred.col(a).dot(centred.col(b)) / denom : 0.0;
                acc += std::abs(cosv + 1.0 / (present - 1));
                ++pairs;
            }
        nc2_equiangular_ = acc / pairs;
    } else {
        nc2_equinorm_ = nc2_equiangular_ = kNaN;
    }
    means_done_ = true;
}

void CollapseAccumulator::ncc_predict(const RowMat& z, std::vector<int>& out) const {
    // argmin_c ||z - mu_c||^2 = argmin_c (||mu_c||^2 - 2 z . mu_c): one matrix product per batch.
    const std::int64_t rows = z.rows();
    out.resize(size_t(rows));
    auto& scores = scratch().scores;
    scores.noalias() = z * means_;  // rows x C
    for (std::int64_t i = 0; i < rows; ++i) {
        int best = 0;
        double best_d = std::numeric_limits<double>::infinity();
        for (int c = 0; c < classes_; ++c) {
            const double d = mean_sq_norm_(c) - 2.0 * scores(i, c);
            if (d < best_d) {
                best_d = d;
                best = c;
            }
        }
        out[size_t(i)] = best;
    }
}

void CollapseAccumulator::add_train_second(const float* z, std::int64_t rows, const std::int64_t* labels,
                                           const std::int64_t* net_pred) {
    if (!means_done_) throw std::logic_error("add_train_second before finish_train_means");
    const RowMat& zd = to_double(z, rows, dim_);
    auto& pred_ = scratch().pred;
    ncc_predict(zd, pred_);
    auto& diff = scratch().diff;
    diff.resize(rows, dim_);
    for (std::int64_t i = 0; i < rows; ++i) {
        check_label(labels[i], classes_);
        const auto y = labels[i];
        diff.row(i) = zd.row(i) - means_.col(y).transpose();
        within_ss_[size_t(y)] += diff.row(i).squaredNorm();
        ncc_train_wrong_ += pred_[size_t(i)] != y;
        if (net_pred) {
            train_agree_ += pred_[size_t(i)] == net_pred[i];
            ++train_pred_seen_;
        }
    }
    if (span_.cols() > 0) span_sq_ += (diff * span_).colwise().squaredNorm().transpose();
    n_train2_ += rows;
}

void CollapseAccumulator::add_test_first(const float* z, std::int64_t rows, const std::int64_t* labels,
                                         const std::int64_t* net_pred) {
    if (!means_done_) throw std::logic_error("add_test_first before finish_train_means");
    const RowMat& zd = to_double(z, rows, dim_);
    auto& pred_ = scratch().pred;
    ncc_predict(zd, pred_);
    for (std::int64_t i = 0; i < rows; ++i) {
        check_label(labels[i], classes_);
        const auto y = labels[i];
        test_sums_.col(y).noalias() += zd.row(i).transpose();
        ++test_count_[size_t(y)];
        ncc_test_wrong_ += pred_[size_t(i)] != y;
        if (net_pred) {
            test_agree_ += pred_[size_t(i)] == net_pred[i];
            ++test_pred_seen_;
        }
    }
    n_test_ += rows;
}

void CollapseAccumulator::finish_test_means() {
    test_means_ = Eigen::MatrixXd::Zero(dim_, classes_);
    for (int c = 0; c < classes_; ++c)
        if (test_count_[size_t(c)] > 0) test_means_.col(c) = test_sums_.col(c) / double(test_count_[size_t(c)]);
    test_means_done_ = true;
}

void CollapseAccumulator::add_test_second(const float* z, std::int64_t rows, const std::int64_t* labels) {
    if (!test_means_done_) throw std::logic_error("add_test_second before finish_test_means");
    const RowMat& zd = to_double(z, rows, dim_);
    for (std::int64_t i = 0; i < rows; ++i) {
        check_label(labels[i], classes_);
        test_within_ss_[size_t(labels[i])] += (zd.row(i) - test_means_.col(labels[i]).transpose()).squaredNorm();
    }
}

double CollapseAccumulator::cdnv(const Eigen::MatrixXd& means, const std::vector<double>& ss,
                                 const std::vector<std::int64_t>& n) {
    const int classes = int(n.size());
    double acc = 0;
    int pairs = 0;
    for (int a = 0; a < classes; ++a)
        for (int b = a + 1; b < classes; ++b) {
            if (n[size_t(a)] == 0 || n[size_t(b)] == 0) continue;
            const double va = ss[size_t(a)] / double(n[size_t(a)]), vb = ss[size_t(b)] / double(n[size_t(b)]);
            const double d2 = (means.col(a) - means.col(b)).squaredNorm();
            acc += d2 > 0 ? (va + vb) / (2.0 * d2) : std::numeric_limits<double>::infinity();
            ++pairs;
        }
    return pairs ? acc / pairs : kNaN;
}

LayerMetrics CollapseAccumulator::result(int layer, bool with_test_cdnv) const {
    LayerMetrics m;
    m.layer = layer;
    m.dim = dim_;
    m.ncc_train_err = n_train2_ ? double(ncc_train_wrong_) / double(n_train2_) : kNaN;
    m.ncc_test_err = n_test_ ? double(ncc_test_wrong_) / double(n_test_) : kNaN;
    m.cdnv_train = cdnv(means_, within_ss_, count_);
    m.cdnv_test = with_test_cdnv && test_means_done_ ? cdnv(test_means_, test_within_ss_, test_count_) : kNaN;
    int present = 0;
    for (bool p : present_) present += p;
    double nc1 = 0;
    for (Eigen::Index k = 0; k < span_.cols(); ++k) nc1 += (span_sq_(k) / double(n_train2_)) / span_eig_(k);
    m.nc1 = present > 0 && n_train2_ > 0 ? nc1 / present : kNaN;
    m.nc2_equinorm = nc2_equinorm_;
    m.nc2_equiangular = nc2_equiangular_;
    m.nc4_train_agree = train_pred_seen_ ? double(train_agree_) / double(train_pred_seen_) : kNaN;
    m.nc4_test_agree = test_pred_seen_ ? double(test_agree_) / double(test_pred_seen_) : kNaN;
    return m;
}

EffectiveDepth effective_depth(const std::vector<double>& err, double eps) {
    EffectiveDepth d;
    const int n = int(err.size());
    for (int i = 0; i < n; ++i)
        if (err[size_t(i)] <= eps) {
            d.first = i + 1;
            break;
        }
    for (int i = n - 1; i >= 0 && err[size_t(i)] <= eps; --i) d.stays = i + 1;
    return d;
}

}  // namespace depthbias::deepnets
