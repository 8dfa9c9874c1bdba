// Symmetric factorization M = W^T W (W: d x d) with an optional trainable scalar bias b added to every
// prediction: the quadratic network f(x) = sum_j (w_j^T x)^2 + b = x^T W^T W x + b (gissin.md 3.2).
// theta = [vec(W); b] (b present only with bias). dL/dW = W (G + G^T); dL/db = dL/doffset.
// Init-scale convention ("init_scale" = s): M(0) has RMS eigenvalue s.
//   orthogonal: W = sqrt(s) Q  => M(0) = s I exactly (the authors' Keras Orthogonal(gain = sqrt(init)))
//   gaussian:   W entries iid N(0, s / d)  => E M(0) = s I
//   identity:   W = sqrt(s) I
// The bias starts at the task's training-label mean (the authors' b* + mean(y) with b* = 0).
#pragma once
#include <string>

#include "depthbias/models/deep_matrix_product.hpp"

namespace depthbias {

class SymmetricFactor final : public Model {
public:
    SymmetricFactor(Index d, MatrixInit init, double init_scale, bool bias);
    std::string name() const override { return bias_ ? "symmetric_factor_bias" : "symmetric_factor"; }
    Index num_params() const override { return d_ * d_ + (bias_ ? 1 : 0); }
    int depth() const override { return 2; }
    Vec initialize(Rng& rng, const Task& task) const override;
    void predictor(const Vec& theta, Predictor& out) override;
    void pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) override;

private:
    Index d_;
    MatrixInit init_;
    double scale_;
    bool bias_;
    Mat sym_;
};

}  // namespace depthbias
