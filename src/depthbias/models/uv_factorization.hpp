// Woodworth et al.'s matrix factorization (moroshko_woodworth.md 1.3, Fig. 3a; claim 8): beta = U V^T with
// U, V both d x k (square d x d predictors), k = 2d, started at
//   U(0) = alpha [I, -I],  V(0) = alpha [I, I]   (alpha = model.init_scale)
// so beta(0) = alpha^2 (I - I) = 0 exactly while the tangent kernel at init has scale alpha^2: large alpha is the
// kernel (lazy) regime (the unobserved entries barely move: min-Frobenius completion of the change), small alpha the
// rich one (minimum nuclear norm). theta = [vec(U); vec(V)] (column-major, each d x 2d).
// Gradient: dL/dU = G V, dL/dV = G^T U for G = dL/dbeta. Conserved by gradient flow: U^T U - V^T V (reported as
// the invariant drift). Allocation-free after construction; not thread-safe (workspaces).
#pragma once
#include <string>

#include "depthbias/models/model.hpp"

namespace depthbias {

class UvFactorization final : public Model {
public:
    UvFactorization(Index d, double alpha);
    std::string name() const override { return "uv_factorization"; }
    Index num_params() const override { return 4 * d_ * d_; }
    int depth() const override { return 2; }
    std::vector<ParamBlock> blocks() const override { return {{"U", 0, 2 * d_ * d_}, {"V", 2 * d_ * d_, 2 * d_ * d_}}; }
    Vec initialize(Rng& rng, const Task& task) const override;
    void predictor(const Vec& theta, Predictor& out) override;
    void pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) override;
    std::optional<double> invariant_drift(const Vec& theta, const Vec& theta0) const override;

private:
    Eigen::Map<const Mat> u(const Vec& t) const { return Eigen::Map<const Mat>(t.data(), d_, 2 * d_); }
    Eigen::Map<const Mat> v(const Vec& t) const { return Eigen::Map<const Mat>(t.data() + 2 * d_ * d_, d_, 2 * d_); }
    Index d_;
    double alpha_;
};

}  // namespace depthbias
