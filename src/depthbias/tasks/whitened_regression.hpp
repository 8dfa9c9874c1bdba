// Whitened linear regression on a matrix predictor (papers/exact_dln.md 1.1): inputs with X X^T / P = I, targets
// with Y X^T / P = Sigma, so the loss is L(W) = 1/(2P) ||W X - Y||_F^2 = 1/2 ||W - Sigma||_F^2 + const; the
// constant is dropped (L = 0 at W = Sigma). Sigma is n_o x n_i (n_i = task.d inputs, n_o = task.out_dim outputs,
// 0: task.d) = U diag(task.target) V^T, U, V with orthonormal columns: Haar-random (task.target_basis = random) or
// the first coordinate axes (diagonal). Gradient W - Sigma. This is the setting of the exact solutions (Saxe modes, lambda-balanced
// closed form, analysis/exact_dln.hpp), in their time: GD iterate k at t = k lr.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "depthbias/tasks/task.hpp"

namespace depthbias {

class WhitenedRegression final : public Task {
public:
    WhitenedRegression(Index n_i, Index n_o, const std::vector<double>& singular_values, const std::string& basis,
                       std::uint64_t seed);
    std::string name() const override { return "whitened_regression"; }
    Index rows() const override { return sigma_.rows(); }
    Index cols() const override { return sigma_.cols(); }
    double loss_and_gradient(const Predictor& p, Predictor& g) const override;
    double loss(const Predictor& p) const override;
    const Mat& target() const override { return sigma_; }  // Sigma

private:
    Mat sigma_;
};

}  // namespace depthbias
