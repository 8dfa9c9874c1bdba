// Orthogonal matching pursuit and the concurrence metric, as in papers/gissin.md section 3.5
// (OMP_experiment.py).
//
// omp(X, y, tol): X is n x d (rows = samples), y has n entries.
//   1. Columns are normalized to unit l2 norm for the selection only (zero columns are never selected).
//   2. r = y; repeat: stop if 1/2 ||r||^2 < tol; j = argmax_j |X~_j^T r| (first index on ties); stop if j
//      was already selected (or the correlation is 0, or min(n, d) indices are selected); append j; refit
//      beta on the selected support by least squares on the ORIGINAL columns (column-pivoted QR, one
//      refinement step) and set r = y - X beta.
//   Returns the selection order and beta (d entries, zero off the support, in the units of X). The script's
//   tol is 1e-4 (the default). The residual is the same with normalized or original columns, so the order
//   is exactly the script's.
// concurrence(a, b) = |A n B| / min(|A|, |B|) of the index SETS (order and duplicates ignored);
//   an empty a or b -> std::invalid_argument.
// Bad input (shape mismatch, non-finite entries, tol < 0) -> std::invalid_argument.
#pragma once
#include <vector>

#include "depthbias/core/types.hpp"

namespace depthbias::refs {

struct OmpResult {
    std::vector<int> order;  // selected indices, in selection order
    Vec beta;                // least-squares fit on the selected support (d entries)
    double half_residual_sq = 0.0;  // 1/2 ||y - X beta||^2 at the stop
};

OmpResult omp(const Mat& X, const Vec& y, double tol = 1e-4);

double concurrence(const std::vector<int>& a, const std::vector<int>& b);

}  // namespace depthbias::refs
