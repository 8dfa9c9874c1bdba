// Function-space problems of mirror flow on wide shallow networks (mirror_flow.md 3.2, 3.3), for the digest's
// setting: f(x) = sum_k a_k sigma(w_k x - b_k) (+ a_0), w_k = +-1 uniform, b_k i.i.d. from a symmetric density p_B,
// output layer from 0. Both problems are the digest's own derivation ([D]); the paper's exact problems and its
// normalization of scaled potentials are not available (mirror_flow.md 2.2): these references check the derived
// setting, not the paper's figures.
//  - ReluFunctionSpace (3.2, unscaled potentials = GD, ReLU):
//      min int g''(x)^2 / p_B(x) dx + 4 u^2 + (4 / sigma_B^2) v^2   s.t. g(x_j) = y_j,
//      g(x) = 1/2 int g''(c) |x - c| dc + u x + v  (u = (g'(+inf) + g'(-inf))/2, v = g(0) - 1/2 int |c| g''),
//    with g'' piecewise constant on `cells` equal cells of the support [lo, hi] of p_B (the digest's QP, 3000
//    cells): an equality-constrained QP with a diagonal Hessian, solved exactly through its M x M normal system
//    (Eigen LDLT). The cell integrals of |x - c| are exact.
//  - ScaledAbsFunctionSpace (3.3, scaled potential phi, absolute-value activation, no output bias):
//      min int p_B(c) D_phi(alpha(c), 0) dc   s.t. int p_B(c) alpha(c) |x_j - c| dc = y_j   (g'' = 2 p_B alpha),
//    discretized by `nodes` equal-mass nodes c_k = Q((k + 1/2) / nodes) of p_B (Q its quantile function): the
//    Bregman projection (refs::bregman_projection, damped Newton on the dual) of the scaled potential
//    (1/N) sum phi(N a_k) with features |x_j - c_k| (a_k = alpha_k / N). g(x) = sum_k a_k |x - c_k|.
// Both are immutable after construction; const evaluation is thread-safe. Inputs: x strictly increasing (not
// required by the solvers, but duplicates make the constraints singular: std::runtime_error).
#pragma once
#include <functional>
#include <string>

#include "depthbias/core/types.hpp"

namespace depthbias::refs {

struct BiasDensity {
    std::function<double(double)> density;   // p_B on [lo, hi]
    std::function<double(double)> quantile;  // its inverse CDF on (0, 1)
    double lo = 0, hi = 0;                   // support
    double variance = 0;                     // sigma_B^2
    static BiasDensity uniform(double half_width);  // U(-L, L)
};

class ReluFunctionSpace {
public:
    ReluFunctionSpace(const Vec& x, const Vec& y, const BiasDensity& p, Index cells = 3000);
    double operator()(double z) const;
    Vec operator()(const Vec& z) const;
    double slope() const { return u_; }   // u
    double offset() const { return v_; }  // v
    double penalty() const { return penalty_; }

private:
    double half_abs(double z) const;  // 1/2 int g''(c) |z - c| dc
    double lo_, h_;
    Vec s_;  // g'' on each cell
    double u_ = 0, v_ = 0, penalty_ = 0;
};

class ScaledAbsFunctionSpace {
public:
    // potential / beta: as dynamics.potential / dynamics.potential_beta (analysis/references/mirror_potential.hpp).
    ScaledAbsFunctionSpace(const Vec& x, const Vec& y, const BiasDensity& p, const std::string& potential,
                           double beta = 1.0, Index nodes = 4000);
    double operator()(double z) const;
    Vec operator()(const Vec& z) const;
    const Vec& nodes() const { return c_; }
    const Vec& weights() const { return a_; }  // a_k = alpha(c_k) / N

private:
    Vec c_, a_;
};

}  // namespace depthbias::refs
