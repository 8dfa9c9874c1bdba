// Deep matrix factorization W = W_N ... W_1 (all d x d), depth N >= 1 (N = 1 is the linear model).
// theta = [vec(W_1); ...; vec(W_N)] (column-major). Gradient: dL/dW_k = (W_N..W_{k+1})^T G (W_{k-1}..W_1)^T.
// Init-scale convention ("init_scale" = s): the RMS singular value of W(0) is s.
//   gaussian:   W_k entries iid N(0, (s^{1/N} / sqrt(d))^2)  (E||W||_F^2 / d = s^2; the authors' Gaussian init)
//   identity:   W_k = s^{1/N} I                               (W = s I; the authors' Identity init)
//   orthogonal: W_k = s^{1/N} Q_k, Q_k Haar-orthogonal        (every singular value of W equals s)
// Conserved by gradient flow: D_k = W_{k+1}^T W_{k+1} - W_k W_k^T, k = 1..N-1 (balancedness).
#pragma once
#include <string>
#include <vector>

#include "depthbias/models/model.hpp"

namespace depthbias {

enum class MatrixInit { Gaussian, Identity, Orthogonal };
MatrixInit parse_matrix_init(const std::string& s);  // throws ConfigError("model.init", ...)

class DeepMatrixProduct final : public Model {
public:
    DeepMatrixProduct(Index d, int depth, MatrixInit init, double init_scale);
    std::string name() const override { return depth_ == 1 ? "linear" : "deep_matrix"; }
    Index num_params() const override { return Index(depth_) * d_ * d_; }
    std::vector<ParamBlock> blocks() const override;  // one block per layer / branch
    int depth() const override { return depth_; }
    Vec initialize(Rng& rng, const Task& task) const override;
    void predictor(const Vec& theta, Predictor& out) override;
    void pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) override;
    std::optional<double> invariant_drift(const Vec& theta, const Vec& theta0) const override;

private:
    Eigen::Map<const Mat> factor(const Vec& theta, int k) const {  // W_{k+1}, k = 0..N-1
        return Eigen::Map<const Mat>(theta.data() + Index(k) * d_ * d_, d_, d_);
    }
    Index d_;
    int depth_;
    MatrixInit init_;
    double scale_;
    std::vector<Mat> prefix_;  // prefix_[k] = W_{k+1} ... W_1
    Mat back_, tmp_;
};

}  // namespace depthbias
