// Deep matrix factorization W = W_N ... W_1, depth N >= 1 (N = 1 is the linear model), for a rows x cols predictor:
// W_k is n_k x n_{k-1} with n_0 = cols (input), n_N = rows (output) and hidden widths n_1..n_{N-1} (model.widths;
// default min(rows, cols) each, i.e. all d x d for a square task).
// theta = [vec(W_1); ...; vec(W_N)] (column-major). Gradient: dL/dW_k = (W_N..W_{k+1})^T G (W_{k-1}..W_1)^T.
// Init-scale convention ("init_scale" = s): the RMS singular value of W(0) is s (square case; d = n_k).
//   gaussian:   W_k entries iid N(0, (s^{1/N} / sqrt(n_{k-1}))^2)  (E||W||_F^2 / d = s^2; the authors' Gaussian init)
//   identity:   W_k = s^{1/N} I (rectangular identity)          (W = s I; the authors' Identity init)
//   orthogonal: W_k = s^{1/N} Q_k, Q_k the n_k x n_{k-1} corner of a Haar-orthogonal matrix (every singular value
//               of a square W equals s)
//   balanced:   X0 with iid N(0, s^2 k / (rows cols)) entries, k = min(rows, cols) (RMS singular value s), lifted
//               exactly balanced (frames R_p: the first k columns of Haar-orthogonal n_p x n_p; needs n_p >= k):
//               W_1 = R_1 S^{1/N} V^T, W_p = R_p S^{1/N} R_{p-1}^T, W_N = U S^{1/N} R_{N-1}^T, R_p Haar-orthogonal
//               (dln_geometry.md 1.2; the init the end-to-end flow, dynamics.kind = e2e_flow, assumes)
//   lambda_balanced (depth 2 only): the same X0 = U S V^T, W_2 = U S_2 R^T, W_1 = R S_1 V^T with
//               W_2^T W_2 - W_1 W_1^T = lambda I exactly, lambda = model.lambda (exact_dln.md 3.1; lambda = 0 is balanced):
//               init_scale is the overall scale (of the product), lambda the relative scale of the two layers
// Relative layer scale (model.layer_scales = [c_1, ..., c_N], deep_matrix only; empty = all 1): after the init,
// W_k *= c_k / (c_1 ... c_N)^{1/N}, so the product W(0), hence the overall scale s, is unchanged while the layers
// become unbalanced (any c_k != c_j breaks W_{k+1}^T W_{k+1} = W_k W_k^T of the balanced/orthogonal/identity inits).
// Pullback of a sparse G (fewer than rows cols / 8 nonzeros, found by one scan of G; e.g. completion, whose gradient
// lives on the observed entries; depth >= 2):
// dL/dW_N = G (W_{N-1}..W_1)^T and W_N^T G from G's nonzeros (|support| n_{N-1} multiply-adds each instead of a
// dense product), the layers below as before; the same values as the dense path up to rounding (test).
// Conserved by gradient flow: D_k = W_{k+1}^T W_{k+1} - W_k W_k^T, k = 1..N-1 (balancedness).
#pragma once
#include <string>
#include <vector>

#include "depthbias/models/model.hpp"

namespace depthbias {

enum class MatrixInit { Gaussian, Identity, Orthogonal, Balanced, LambdaBalanced };
MatrixInit parse_matrix_init(const std::string& s);  // throws ConfigError("model.init", ...)

// Models that can write any end-to-end matrix X as a balanced point of their parameters (the end-to-end flow
// reports its state through this): theta <- a balanced lift of X (identity frames), in the model's layout.
class BalancedLiftModel {
public:
    virtual ~BalancedLiftModel() = default;
    virtual void balanced_lift(const Mat& x, Vec& theta) const = 0;
};

class DeepMatrixProduct final : public Model, public BalancedLiftModel {
public:
    // Square d x d factors.
    DeepMatrixProduct(Index d, int depth, MatrixInit init, double init_scale, std::vector<double> layer_scales = {},
                      double lambda = 0);
    // rows x cols predictor through hidden widths (depth - 1 of them; empty: min(rows, cols) each).
    DeepMatrixProduct(Index rows, Index cols, std::vector<Index> hidden, int depth, MatrixInit init, double init_scale,
                      std::vector<double> layer_scales = {}, double lambda = 0);
    std::string name() const override { return depth_ == 1 ? "linear" : "deep_matrix"; }
    Index num_params() const override { return offsets_.back(); }
    std::vector<ParamBlock> blocks() const override;  // one block per layer / branch
    int depth() const override { return depth_; }
    Vec initialize(Rng& rng, const Task& task) const override;
    void predictor(const Vec& theta, Predictor& out) override;
    void pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) override;
    std::optional<double> invariant_drift(const Vec& theta, const Vec& theta0) const override;
    void balanced_lift(const Mat& x, Vec& theta) const override;
    // Automatic (default): sparse below 1/8 density (measured break-even ~15% at n = 100, docs/BENCHMARKS.md P8);
    // Never / Always force one path (same values up to rounding: tests, the P8 benchmark).
    enum class SparsePullback { Automatic, Never, Always };
    void set_sparse_pullback(SparsePullback mode) { sparse_mode_ = mode; }
    // n_0 = cols, n_1, ..., n_N = rows (W_k is n_k x n_{k-1}), and W_k's place in theta.
    const std::vector<Index>& dims() const { return dims_; }
    Eigen::Map<const Mat> layer(const Vec& theta, int k) const { return factor(theta, k - 1); }  // W_k, k = 1..N

private:
    Eigen::Map<const Mat> factor(const Vec& theta, int k) const {  // W_{k+1}, k = 0..N-1
        return Eigen::Map<const Mat>(theta.data() + offsets_[size_t(k)], dims_[size_t(k + 1)], dims_[size_t(k)]);
    }
    Eigen::Map<Mat> factor(Vec& theta, int k) const {
        return Eigen::Map<Mat>(theta.data() + offsets_[size_t(k)], dims_[size_t(k + 1)], dims_[size_t(k)]);
    }
    std::vector<Index> dims_;     // n_0 = cols, ..., n_N = rows
    std::vector<Index> offsets_;  // offsets_[k] = start of W_{k+1}; offsets_[N] = num_params
    int depth_;
    MatrixInit init_;
    double scale_;
    std::vector<double> layer_scales_;  // normalized: product 1 (empty: all 1)
    double lambda_ = 0;
    std::vector<Mat> prefix_;  // prefix_[k] = W_{k+1} ... W_1 (n_{k+1} x n_0)
    std::vector<Mat> back_;    // back_[k] = (W_N ... W_{k+1})^T G (n_k x n_0)
    Mat last_t_, w_last_t_;    // sparse pullback: (dL/dW_N)^T and W_N^T, n_{N-1} x n_N
    std::vector<Index> support_;  // sparse pullback: G's nonzeros (reserved: no allocation per step)
    SparsePullback sparse_mode_ = SparsePullback::Automatic;
    bool sparse_support(const Mat& g, Index limit);
};

}  // namespace depthbias
