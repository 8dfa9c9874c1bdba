// Linear-programming references (papers/moroshko_woodworth.md section 5), solved with COIN-OR CLP.
//
// Contract:
//  - Data: Xt is n x d with rows x~_n = y_n x_n (classification); X is n x d with rows = samples and y
//    has n entries (regression). Entries must be finite and n, d >= 1 (else std::invalid_argument).
//  - l1_max_margin(Xt) = argmin ||w||_1 s.t. Xt w >= 1 (LP: w = p - q, p, q >= 0, min 1^T (p+q)). The
//    returned w has min_n (Xt w)_n == 1 to ~1e-15 (the CLP vertex is polished by a least-squares solve on
//    its support / tight rows, then divided by its minimum margin). Its l1 norm is optimal to ~1e-9
//    relative (CLP primal/dual tolerances 1e-9). When the minimizer is not unique, CLP returns a vertex.
//  - basis_pursuit(X, y) = argmin ||beta||_1 s.t. X beta = y (same LP form); polished the same way so that
//    ||X beta - y||_inf <= 1e-9 (||y||_inf + ||X||_inf ||beta||_inf) is checked before returning.
//  - Empty constraint set: CLP's proof of primal infeasibility -> NotSeparableError (not separable through
//    the origin / y not in the range of X). Any other non-optimal CLP status or a failed post-check ->
//    ConvergenceError. No wrong answer is ever returned silently.
//  - linearly_separable(Xt): whether some w has Xt w >= 1 (same LP; false iff CLP proves infeasibility).
//  - l1_max_margin and basis_pursuit are memoized on their data (core/memo.hpp: an experiment's runs and analysis
//    share one LP per data set); the *_uncached forms always solve.
#pragma once
#include "depthbias/analysis/references/errors.hpp"
#include "depthbias/core/types.hpp"

namespace depthbias::refs {

Vec l1_max_margin(const Mat& Xt);
Vec basis_pursuit(const Mat& X, const Vec& y);
Vec l1_max_margin_uncached(const Mat& Xt);
Vec basis_pursuit_uncached(const Mat& X, const Vec& y);
bool linearly_separable(const Mat& Xt);

}  // namespace depthbias::refs
