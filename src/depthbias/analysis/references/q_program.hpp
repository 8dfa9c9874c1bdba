// The Q^D programs: implicit bias of gradient flow on depth-D diagonal networks at finite scale
// (papers/moroshko_woodworth.md sections 1.2, 2.2-2.3, 5). Potentials and constants: q_potential.hpp.
//
// Regression. X is n x d (rows = samples), y has n entries, D >= 2, alpha > 0:
//   q_regression(X, y, D, alpha) = argmin_beta Q^D_alpha(beta) = alpha^D sum_i q_D(beta_i / alpha^D)
//                                  s.t. X beta = y.
//   Method: Newton on the smooth concave dual  max_nu  nu^T y - alpha^D sum_i H_D((X^T nu)_i),  and
//   beta = alpha^D h_D(X^T nu)  (D = 2: beta = 2 alpha^2 sinh(X^T nu)). Dependent rows are dropped first
//   (allowed when y is consistent; else NotSeparableError: y not in the range of X). Converged when
//   ||X beta - y||_inf <= 1e-13 x (magnitude of its terms); the returned beta is re-checked to 1e-9.
//   Flow correspondence (derivation in docs/REFERENCES.md): for beta = w_+^D - w_-^D, w_+-(0) = alpha 1,
//   gradient flow on L(beta) gives beta(t) = alpha^D h_D(kappa s(t)), s(t) = -int_0^t grad L, kappa =
//   flow_z_scale(D, alpha) (4 for D = 2, D(D-2) alpha^(D-2) for D > 2). If the flow converges to an
//   interpolator, its limit is this beta and kappa s(inf) = X^T nu* with nu* the returned dual, i.e.
//        L = (1/2n)||X beta - y||^2:  nu* = -(kappa/n) int_0^inf r dt,    r = X beta - y,
//        L = (1/2) ||X beta - y||^2:  nu* = -kappa int_0^inf r dt,
//        L =       ||X beta - y||^2:  nu* = -2 kappa int_0^inf r dt.
//   (unique when X has full row rank; small-step GD matches up to O(step)).
//
// Classification. Xt is n x d with rows x~_n = y_n x_n, D >= 2, mu > 0:
//   q_classification(Xt, D, mu) = argmin_w Q^D_mu(w) = mu sum_i q_D(w_i / mu)  s.t. Xt w >= 1.
//   Method: Lawson-Hanson active set on the dual  max_{lambda >= 0} 1^T lambda - mu sum_i H_D((Xt^T lambda)_i)
//   with exact Newton solves on each set (line search keeps |Xt^T lambda|_inf < 1 for D > 2);
//   w = mu h_D(Xt^T lambda). KKT-verified: lambda >= 0, margins >= 1 - 1e-10, |margin - 1| <= 1e-10 where
//   lambda > 0. Non-separable data -> NotSeparableError (CLP feasibility LP, plus the active set's own
//   certificate).
//   Flow correspondence: exponential loss L(w) = sum_n exp(-x~_n^T w) (a sum, not a mean), nu(t) =
//   int_0^t exp(-Xt w) (n entries), gamma(t) = min_n x~_n^T w(t). Then exactly
//        w(t)/gamma(t) = mu(t) h_D(Xt^T lambda(t)),  mu(t) = alpha^D / gamma(t),  lambda(t) = kappa nu(t),
//   i.e. w/gamma is stationary for Q^D_mu with multipliers kappa nu(t) >= 0; only complementary slackness
//   is approximate (section 2.3 caveat), so in the joint limit (mu fixed, gamma -> inf) w/gamma -> this w
//   and kappa nu -> the returned lambda. For the mean loss (1/N) sum, use nu = (1/N) int exp(-Xt w).
//
// Range: alpha^D (mu) in [1e-250, 1e250]. For D > 2 also alpha^D >= |beta| 1e-12^(D/(D-2)) (|beta| bounded by
// the l1 norm of the min-l2 / l1-LP solution): below it the dual variable lies within 1e-12 of +-1 and is not
// representable in double (e.g. alpha >~ 1e-12 for D = 3, 1e-6 for D = 4, 1e-3 for D = 6); the solution
// there is the l1 limit (basis_pursuit / l1_max_margin) to double precision anyway.
// Accuracy: normwise ~1e-13 relative (coordinates where h_D is too steep to evaluate are re-solved from
// the active constraints); entries far below 1e-13 ||beta||_inf are not resolved componentwise.
// Errors: D < 2, alpha <= 0 / mu <= 0, non-finite inputs or alpha^D (mu) outside the range above ->
// std::invalid_argument naming the argument; infeasible constraints -> NotSeparableError; Newton or
// active-set failure -> ConvergenceError (never a wrong answer).
#pragma once
#include "depthbias/analysis/references/errors.hpp"
#include "depthbias/analysis/references/svm.hpp"
#include "depthbias/core/types.hpp"

namespace depthbias::refs {

struct RegressionSolution {
    Vec beta;  // d entries, X beta = y
    Vec nu;    // n entries (zero on dropped dependent rows); beta = alpha^D h_D(X^T nu)
    int newton_iterations = 0;
};

Vec q_regression(const Mat& X, const Vec& y, int D, double alpha);
// warm_start: optional dual start point (n entries, e.g. the `nu` of a neighbouring alpha on a curve over alpha);
// a start outside the dual's domain (D > 2: |X^T nu| too close to 1) is replaced by the cold start nu = 0, and so
// is one from which the solve fails (ConvergenceError: the cold start is then tried once). The solution is the
// same to the convergence tolerance (residual 1e-13 relative): tests RefQProgram.WarmStart*.
RegressionSolution q_regression_with_dual(const Mat& X, const Vec& y, int D, double alpha,
                                          const Vec* warm_start = nullptr);

Vec q_classification(const Mat& Xt, int D, double mu);
MarginSolution q_classification_with_dual(const Mat& Xt, int D, double mu);

}  // namespace depthbias::refs
