// Per-layer neural-collapse metrics (galanti.md sections 1 and 4), streamed over batches of embeddings in
// double precision; no embedding matrix is ever stored. No LibTorch here: embeddings arrive as row-major
// float32 buffers (rows x dim). One CollapseAccumulator per layer, fed in this order:
//   1. add_train_means over the training set, then finish_train_means   (class means mu_c, span basis)
//   2. add_train_second over the training set   (NCC train error, within-class scatter, NC1, NC4)
//   3. add_test_first over the test set, then finish_test_means   (NCC test error with the TRAIN means)
//   4. add_test_second over the test set (only for the test CDNV)
// Definitions: NCC(x) = argmin_c ||z - mu_c|| (first index on ties); CDNV = mean over class pairs of
// (Var_c + Var_c') / (2 ||mu_c - mu_c'||^2), Var_c = E||z - mu_c||^2 (two-pass); NC1 = (1/C) Tr(S_W S_B^+)
// computed in the (C-1)-dim span of the centred means (S_W pooled 1/N, S_B = (1/C) sum (mu_c - mu_G)(.)^T,
// mu_G = mean of the class means); NC2 equinorm = std/mean of ||mu_c - mu_G||, equiangularity =
// mean_{c != c'} |cos(mu_c - mu_G, mu_c' - mu_G) + 1/(C-1)|; NC4 = fraction where NCC agrees with the
// network. Classes without training samples are left out of every average.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <optional>
#include <vector>

namespace depthbias::deepnets {

struct LayerMetrics {
    int layer = 0;  // 1-based hidden layer
    std::int64_t dim = 0;
    double ncc_train_err = 0, ncc_test_err = 0;
    double cdnv_train = 0, cdnv_test = 0;  // cdnv_test is NaN when not computed
    double nc1 = 0;
    double nc2_equinorm = 0, nc2_equiangular = 0;
    double nc4_train_agree = 0, nc4_test_agree = 0;  // NaN without network predictions
};

class CollapseAccumulator {
public:
    CollapseAccumulator(int classes, std::int64_t dim);

    void add_train_means(const float* z, std::int64_t rows, const std::int64_t* labels);
    void finish_train_means();
    // net_pred may be null (then NC4 is NaN).
    void add_train_second(const float* z, std::int64_t rows, const std::int64_t* labels, const std::int64_t* net_pred);
    void add_test_first(const float* z, std::int64_t rows, const std::int64_t* labels, const std::int64_t* net_pred);
    void finish_test_means();
    void add_test_second(const float* z, std::int64_t rows, const std::int64_t* labels);

    LayerMetrics result(int layer, bool with_test_cdnv) const;
    const Eigen::MatrixXd& train_means() const { return means_; }  // dim x C

private:
    using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    void ncc_predict(const RowMat& z, std::vector<int>& out) const;
    static double cdnv(const Eigen::MatrixXd& means, const std::vector<double>& var, const std::vector<std::int64_t>& n);

    int classes_;
    std::int64_t dim_;
    Eigen::MatrixXd sums_, means_;   // dim x C
    Eigen::VectorXd mean_sq_norm_;   // ||mu_c||^2
    std::vector<std::int64_t> count_;
    std::vector<bool> present_;
    Eigen::MatrixXd span_;            // dim x r: orthonormal basis of the centred means
    Eigen::VectorXd span_eig_;        // eigenvalues of S_B on that basis
    Eigen::VectorXd span_sq_;         // sum over samples of (u_k . (z - mu_y))^2
    std::vector<double> within_ss_;   // per class sum ||z - mu_c||^2 (train)
    std::int64_t n_train_ = 0, n_train2_ = 0, ncc_train_wrong_ = 0, train_agree_ = 0, train_pred_seen_ = 0;
    double nc2_equinorm_ = 0, nc2_equiangular_ = 0;
    // test
    Eigen::MatrixXd test_sums_, test_means_;
    std::vector<std::int64_t> test_count_;
    std::vector<double> test_within_ss_;
    std::int64_t n_test_ = 0, ncc_test_wrong_ = 0, test_agree_ = 0, test_pred_seen_ = 0;
    bool means_done_ = false, test_means_done_ = false;
};

// The epsilon-effective depth from per-layer NCC train errors (index 0 = layer 1). first: the first layer
// with err <= eps; stays: the first layer from which every layer has err <= eps. Empty: "unfit".
struct EffectiveDepth {
    std::optional<int> first, stays;
};
EffectiveDepth effective_depth(const std::vector<double>& ncc_train_err, double eps);

}  // namespace depthbias::deepnets
