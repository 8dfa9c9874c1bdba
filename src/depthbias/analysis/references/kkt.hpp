// KKT check for the l_{2/D} max-margin problem (papers/moroshko_woodworth.md sections 2.3, 5):
//
//     min_w  sum_i |w_i|^{2/D}   s.t.  Xt w >= 1        (Xt: n x d, rows x~_n = y_n x_n; D >= 2).
//
// For D > 2 the problem is nonconvex; the rich-regime limit of gradient flow is only a KKT point of it.
//
// What is checked, at the direction of w (w is first divided by its minimum margin gamma = min_n x~_n^T w,
// so the residual depends only on w/||w||; gamma <= 0 gives +inf: not a separating direction):
//  - support S = {i : |w_i| > support_rel ||w||_inf}, tight set T = {n : margin_n - 1 <= tight_abs};
//  - stationarity on S: (2/D)|w_i|^{2/D-1} sign(w_i) = (Xt^T lambda)_i with lambda >= 0 supported on T.
//    lambda is fitted by NNLS on T and  stationarity = ||Xt_{T,S}^T lambda - g_S||_2 / ||g_S||_2;
//  - off the support: D > 2: no condition (the subdifferential of |.|^{2/D} at 0 is all of R, which is also
//    the parameter-space KKT condition of Lyu & Li for u_+ = u_- = 0); D = 2 (convex l1 problem, where KKT
//    is optimality): off_support = max_{i not in S} max(0, |(Xt^T lambda)_i| - 1);
//  - complementarity = sum_T lambda_n (margin_n - 1) / sum_T lambda_n (the multipliers' mean slack, <=
//    tight_abs by construction; reported so that a loose tight_abs is visible).
//  residual = max(stationarity, off_support, complementarity): 0 at an exact KKT point; O(perturbation)
//  at a perturbed one. Primal feasibility holds by the normalization. For D = 2 with non-unique
//  multipliers, NNLS picks one of them, so off_support can overstate the residual in degenerate cases.
// Bad input (D < 2, shape mismatch, non-finite entries, negative tolerances) -> std::invalid_argument.
#pragma once
#include <vector>

#include "depthbias/core/types.hpp"

namespace depthbias::refs {

struct KktOptions {
    double support_rel = 1e-9;  // |w_i| > support_rel ||w||_inf counts as support (after normalization)
    double tight_abs = 1e-9;    // margin - 1 <= tight_abs counts as a tight constraint
};

struct KktReport {
    double residual = 0.0;
    double stationarity = 0.0;
    double off_support = 0.0;
    double complementarity = 0.0;
    double gamma = 0.0;      // min margin of the w passed in
    Vec lambda;              // n entries, >= 0, zero off T
    std::vector<int> support;
    std::vector<int> tight;
};

KktReport l2_over_D_kkt(const Mat& Xt, const Vec& w, int D, const KktOptions& opt = {});
double l2_over_D_kkt_residual(const Mat& Xt, const Vec& w, int D, const KktOptions& opt = {});

}  // namespace depthbias::refs
