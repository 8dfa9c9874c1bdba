// Euclidean references (papers/moroshko_woodworth.md section 5): the kernel-regime limits.
//
// Contract:
//  - l2_max_margin(Xt): Xt is n x d with rows x~_n = y_n x_n. Returns w = argmin ||w||_2^2 s.t. Xt w >= 1
//    (hard-margin SVM without bias; min margin exactly 1, so w/||w|| is the max-margin direction and
//    1/||w|| the margin). Method: exact Lawson-Hanson active set on the dual
//    max_{lambda >= 0} 1^T lambda - 1/2 ||Xt^T lambda||^2, w = Xt^T lambda; each set's equality system is
//    solved by QR (with Newton refinement), and the result is KKT-verified: lambda >= 0, margins
//    >= 1 - 1e-10, |margin - 1| <= 1e-10 where lambda > 0 (ConvergenceError otherwise). Non-separable
//    data (no w with Xt w >= 1, decided by the CLP feasibility LP of lp.hpp, and again by a certificate
//    lambda >= 0, Xt^T lambda = 0 inside the active set) -> NotSeparableError.
//  - l2_max_margin_with_dual: the same, also returning lambda (n entries, zero off the support vectors).
//    Memoized on Xt (core/memo.hpp: fig1c's 5 depths share one SVM per data set); l2_max_margin_uncached
//    always solves.
//  - min_l2_interpolation(X, y): X is n x d (rows = samples). Returns X^T (X X^T)^{-1} y, computed as the
//    minimum-norm solution by a complete orthogonal decomposition of X (rank-revealing; one step of
//    iterative refinement), so dependent rows are allowed when y is consistent. If y is not in the range of
//    X (residual > 1e-10 (||y||_inf + ||X||_inf ||beta||_inf)) -> NotSeparableError.
//    Memoized on (X, y) (core/memo.hpp); min_l2_interpolation_uncached always solves.
//  - Bad shapes or non-finite entries -> std::invalid_argument.
#pragma once
#include "depthbias/analysis/references/errors.hpp"
#include "depthbias/core/types.hpp"

namespace depthbias::refs {

struct MarginSolution {
    Vec w;       // d entries, min margin 1
    Vec lambda;  // n entries, >= 0, supported on margin-1 rows; w = Xt^T lambda (l2) / mu h_D(Xt^T lambda) (Q)
};

Vec l2_max_margin(const Mat& Xt);
MarginSolution l2_max_margin_with_dual(const Mat& Xt);
MarginSolution l2_max_margin_uncached(const Mat& Xt);  // the same without the memo (core/memo.hpp)
Vec min_l2_interpolation(const Mat& X, const Vec& y);
Vec min_l2_interpolation_uncached(const Mat& X, const Vec& y);  // the same without the memo (core/memo.hpp)

}  // namespace depthbias::refs
