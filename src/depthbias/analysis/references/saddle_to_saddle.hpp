// The saddle-to-saddle limit process of Pesme & Flammarion (NeurIPS 2023), Algorithm 1
// (papers/moroshko_woodworth.md section 3.1), for L(beta) = (1/2n) ||y - X beta||^2.
//
// Model and time normalization: beta = u (.) v with u(0) = sqrt(2) alpha 1, v(0) = 0, gradient flow on
// (u, v) for this L (with the 1/(2n)). Then beta(t) = alpha^2 sinh(2 S(t)), S(t) = -int_0^t grad L, and in
// the accelerated time t~ = t / log(1/alpha) the rescaled mirror variable s = S / log(1/alpha) obeys
// ds/dt~ = -grad L(beta); as alpha -> 0, beta(t~ log(1/alpha)) converges to a piecewise-constant process
// that jumps at the times t~_k returned here (t_k below is this accelerated time t~).
//
// Algorithm (exact, in exact arithmetic): t = 0, beta = 0, s = 0; while grad L(beta) != 0:
//   Delta = inf{delta > 0 : exists i not in supp(beta), |s_i - delta grad_i L(beta)| = 1};
//   t += Delta; s -= Delta grad L(beta) (the hitting coordinates are set to exactly +-1);
//   beta = argmin L subject to beta_i >= 0 if s_i = +1, beta_i <= 0 if s_i = -1, beta_i = 0 if |s_i| < 1,
//   solved exactly by NNLS on the sign-flipped columns s_i X_i of the active set {i : |s_i| = 1}.
// Stops when ||grad L||_inf <= 1e-12 ||grad L(0)||_inf (converged = true) or after max_iterations steps.
// Invariants (tested): |s| <= 1, s_i = sign(beta_i) on supp(beta), times strictly increase, L(beta_k)
// strictly decreases. The active set need NOT grow monotonically (coordinates can leave it). The final
// beta is the min-l1 interpolator when X beta = y is solvable (s is then its dual certificate).
// Bad input (shape mismatch, non-finite entries, max_iterations < 1) -> std::invalid_argument.
#pragma once
#include <vector>

#include "depthbias/core/types.hpp"

namespace depthbias::refs {

struct SaddleStep {
    double t = 0.0;             // accelerated jump time t~_k
    Vec beta;                   // the saddle beta_k reached at t~_k
    Vec s;                      // mirror variable at t~_k (|s| <= 1)
    std::vector<int> active;    // {i : |s_i| = 1} (the sign-constrained coordinates)
    std::vector<int> signs;     // s_i (+1 / -1) for each i in active, same order
    std::vector<int> support;   // {i : beta_k,i != 0}, a subset of active
    double loss = 0.0;          // L(beta_k) = (1/2n) ||y - X beta_k||^2
};

struct SaddleResult {
    std::vector<SaddleStep> steps;  // one per jump, in time order
    bool converged = false;         // grad L = 0 reached
};

SaddleResult saddle_to_saddle(const Mat& X, const Vec& y, int max_iterations = 10000);

}  // namespace depthbias::refs
