// Exact layer constructions for deep matrix products (papers/dln_geometry.md 1.2, papers/exact_dln.md 3.1), used by
// the models' inits and by the exact oracles (analysis/exact_dln.hpp):
//  - balanced_lift: W_1 = R_1 S^{1/N} V^T, W_p = R_p S^{1/N} R_{p-1}^T, W_N = U S^{1/N} R_{N-1}^T for X = U S V^T
//    (thin SVD, k = min(rows, cols) singular values) and frames R_p (h_p x k, orthonormal columns, h_p >= k):
//    W_{p+1}^T W_{p+1} = W_p W_p^T exactly and W_N ... W_1 = X.
//  - lambda_balanced_layers: two layers with W_2^T W_2 - W_1 W_1^T = lambda I and W_2 W_1 = U diag(s) V^T:
//    W_2 = U S_2 R^T, W_1 = R S_1 V^T, s_2 = sqrt((sqrt(lambda^2 + 4 s^2) + lambda)/2),
//    s_1 = sqrt((sqrt(lambda^2 + 4 s^2) - lambda)/2); extra hidden directions (n_h > min(n_i, n_o)) get sqrt(lambda)
//    in W_2 (n_o > n_i) or sqrt(-lambda) in W_1 (n_i > n_o).
// Errors: std::invalid_argument saying why the construction does not exist. Pure functions.
#pragma once
#include <vector>

#include "depthbias/core/types.hpp"

namespace depthbias {

// The N = frames.size() + 1 layers, W_1 first. Throws when a hidden width is below min(rows, cols).
std::vector<Mat> balanced_lift(const Mat& x, const std::vector<Mat>& frames);

struct LambdaBalancedLayers {
    Mat w1;  // n_h x n_i
    Mat w2;  // n_o x n_h
};
// Layers with product U diag(s) V^T (U: n_o x r, V: n_i x r orthonormal columns, r = min(n_i, n_o)), a hidden frame R
// (n_h x n_h orthogonal) and balance lambda (exact_dln.md 3.1). Throws std::invalid_argument when the construction does
// not exist: n_h outside [min(n_i, n_o), max(n_i, n_o)], or extra hidden directions (n_h > r) with the wrong sign of
// lambda (n_o > n_i needs lambda >= 0, n_i > n_o needs lambda <= 0). With n_h = r every lambda is constructible
// (checked: the balance holds to 1e-13); the thesis's rule "n_o > n_i forces lambda > 0" is the n_h > r case.
LambdaBalancedLayers lambda_balanced_layers(const Mat& u, const std::vector<double>& s, const Mat& v, const Mat& r,
                                            double lambda);
// lambda of a pair of layers: the mean diagonal of W_2^T W_2 - W_1 W_1^T; *off (optional) = the largest deviation
// from lambda I (0 for an exactly lambda-balanced pair).
double balance_of(const Mat& w1, const Mat& w2, double* off = nullptr);

}  // namespace depthbias
