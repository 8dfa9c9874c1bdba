// The toy model's diagonal parameterizations of a vector predictor beta (d x 1), depth N (gissin.md 1.1).
//   power_pm:  beta = u+^N - u-^N (elementwise), u+(0) = u-(0) = s^{1/N}  => beta(0) = 0;
//              theta = [u+; u-]. With L = 1/2||beta - beta*||^2 the rate constant is c_N = N^2.
//   power:     beta = u^N, u(0) = s^{1/N} => beta(0) = s; theta = u. c_N = N^2.
//   product:   beta_i = prod_k w_{k,i}, w_k(0) = s^{1/N} (balanced) => beta(0) = s; theta = [w_1; ...; w_N].
//              c_N = N. Gradient flow conserves w_k^2 - w_l^2.
// "init_scale" = s is sigma0 of the theory (analysis/toy_theory.hpp).
#pragma once
#include <string>

#include "depthbias/models/model.hpp"

namespace depthbias {

enum class ToyParam { PowerPm, Power, Product };
ToyParam parse_toy_param(const std::string& s);  // throws ConfigError("model.kind", ...)

class ToyDiagonal final : public Model {
public:
    ToyDiagonal(Index d, int depth, ToyParam form, double init_scale);
    std::string name() const override;
    Index num_params() const override;
    int depth() const override { return depth_; }
    Vec initialize(Rng& rng, const Task& task) const override;
    void predictor(const Vec& theta, Predictor& out) override;
    void pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) override;
    std::optional<double> invariant_drift(const Vec& theta, const Vec& theta0) const override;

private:
    Index d_;
    int depth_;
    ToyParam form_;
    double scale_;
};

}  // namespace depthbias
