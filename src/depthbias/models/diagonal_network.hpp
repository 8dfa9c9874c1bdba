// Diagonal linear networks of depth N: parameterizations of a vector predictor beta (d x 1) used by the toy
// model (gissin.md 1.1), diagonal classification (gissin.md 3.3) and the kernel/rich papers
// (moroshko_woodworth.md 1-2). "init_scale" = s, "shape" = per-branch / per-factor multipliers a (default 1):
//   diagonal (power_pm): beta = u+^N - u-^N elementwise; u+(0) = a+ s^{1/N}, u-(0) = a- s^{1/N}; theta = [u+; u-].
//              With a+ = a- (default) beta(0) = 0: the "unbiased" init, u±(0) = alpha with alpha = s^{1/N}.
//              Under the toy loss 1/2||beta-beta*||^2 its rate constant is c_N = N^2.
//   diagonal_power: beta = u^N, u(0) = a s^{1/N}; theta = u. c_N = N^2.
//   diagonal_product: beta_i = prod_k w_{k,i}, w_k(0) = a_k s^{1/N} (balanced when all a_k are equal);
//              theta = [w_1; ...; w_N]. c_N = N. Gradient flow conserves w_k^2 - w_l^2 (the shape).
//              N = 2 with a = (sqrt 2, 0) and s = alpha^2 is Pesme & Flammarion's u (.) v, u(0) = sqrt2 alpha, v(0) = 0.
#pragma once
#include <string>
#include <vector>

#include "depthbias/models/model.hpp"

namespace depthbias {

enum class DiagonalForm { PowerPm, Power, Product };
DiagonalForm parse_diagonal_form(const std::string& s);  // throws ConfigError("model.kind", ...)

class DiagonalNetwork final : public Model {
public:
    DiagonalNetwork(Index d, int depth, DiagonalForm form, double init_scale, std::vector<double> shape = {});
    std::string name() const override;
    Index num_params() const override;
    std::vector<ParamBlock> blocks() const override;  // one block per layer / branch
    int depth() const override { return depth_; }
    double init_scale() const { return scale_; }  // s
    Vec initialize(Rng& rng, const Task& task) const override;
    void predictor(const Vec& theta, Predictor& out) override;
    void pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) override;
    std::optional<double> invariant_drift(const Vec& theta, const Vec& theta0) const override;
    // Number of shape multipliers this form takes (2, 1 or N).
    size_t shape_size() const;

private:
    Index d_;
    int depth_;
    DiagonalForm form_;
    double scale_;
    std::vector<double> shape_;
    Vec work_a_, work_b_;  // powers of the branches (no allocation per step)
};

}  // namespace depthbias
