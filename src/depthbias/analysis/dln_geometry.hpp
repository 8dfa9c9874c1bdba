// Geometry of the deep linear network on end-to-end matrices (papers/dln_geometry.md sections 1.3-3).
//
// The end-to-end flow of a balanced depth-N product X = W_N ... W_1 (Arora, Cohen & Hazan 2018, Theorem 1):
//     X' = -A_{N,X}(grad E(X)),   A_{N,X}(P) = sum_{p=1..N} (X X^T)^{(N-p)/N} P (X^T X)^{(p-1)/N}.
// A is applied through the SVD, never through fractional matrix powers (digest section 2): with the full SVD
// X = U diag(sigma) V^T (m x n; sigma_i = 0 for i >= min(m, n)),
//     A(P) = U [Lambda o (U^T P V)] V^T,   Lambda_ij = lambda_N(sigma_i, sigma_j),
//     lambda_N(a, b) = sum_{p=1..N} a^{2(N-p)/N} b^{2(p-1)/N}   (0^0 = 1),
// evaluated as b^{2-2/N} expm1(2l) / expm1(2l/N), l = log(a/b) >= 0 (the larger first), and N a^{2-2/N} at l = 0.
// Infinite depth (time rescaled by N): A_inf = lim A_N / N, lambda_inf(a, b) = (a^2 - b^2) / (2 log(a/b)), the
// logarithmic mean of a^2 and b^2 (a^2 at a = b, 0 when either is 0).
// Units: sigma are singular values of X; A maps gradients (units of E / X) to velocities. Depth 1 gives A = id.
// Thread safety: pure functions; apply_metric allocates (one SVD per call).
#pragma once
#include <vector>

#include "depthbias/core/types.hpp"
#include "depthbias/models/layer_constructions.hpp"

namespace depthbias::geometry {

// Depth of the metric: a positive integer N, or kInfiniteDepth for A_inf.
constexpr int kInfiniteDepth = 0;

// lambda_N(a, b) for a, b >= 0 (symmetric); depth = kInfiniteDepth gives lambda_inf. Throws
// std::invalid_argument for negative or non-finite a, b or depth < 0.
double metric_eigenvalue(double a, double b, int depth);

// log lambda_N(a, b) for a, b > 0, without under- or overflow (for singular values whose eigenvalues leave double
// range, e.g. sigma ~ 1e-250 at N = 4).
double log_metric_eigenvalue(double a, double b, int depth);

// A_{N,X}(P) (P has X's shape). Throws std::invalid_argument on a shape mismatch.
Mat apply_metric(const Mat& x, const Mat& p, int depth);

// The m x n matrix Lambda of the metric's eigenvalues on the basis u_i v_j^T, for singular values sigma
// (length min(m, n), padded with zeros).
Mat metric_eigenvalues(const std::vector<double>& sigma, Index m, Index n, int depth);

// log of the volume density of g_N in SVD coordinates (square d x d, full rank; digest section 3.1):
//   log[N^{-d/2} prod_i sigma_i^{-(1-1/N)} prod_{i<j} |sigma_i^{2/N} - sigma_j^{2/N}|],
// and for kInfiniteDepth the limit density prod_i sigma_i^{-1} prod_{i<j} |log sigma_i - log sigma_j| (3.2).
// Returns -inf when two singular values coincide. Throws std::invalid_argument when some sigma <= 0.
double log_volume_density(const std::vector<double>& sigma, int depth);

// log[det(A_{N,X})^{-1/2} prod_{i<j} |sigma_i^2 - sigma_j^2|] computed from the eigenvalues (the other side of
// the volume identity, claim 5); finite depth only.
double log_volume_from_determinant(const std::vector<double>& sigma, int depth);

// The singular-value ODE (digest section 2): sigma_r' = -N sigma_r^{2-2/N} <grad E, u_r v_r^T> for every r
// (simple, nonzero spectrum), with grad = grad E(X). Throws std::invalid_argument when two singular values of X
// are closer than rel_gap * sigma_max or one is zero (the ODE is undefined there).
std::vector<double> singular_value_velocity(const Mat& x, const Mat& grad, int depth, double rel_gap = 1e-8);

// balanced_lift: models/layer_constructions.hpp (the models build their inits with it).
using depthbias::balanced_lift;

}  // namespace depthbias::geometry
