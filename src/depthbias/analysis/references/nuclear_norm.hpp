// Minimum nuclear norm under linear measurements (exact_dln.md 5.1/5.4, A2): min ||X||_* s.t. <A_k, X> = b_k,
// X rows x cols (completion: A_k = e_i e_j^T; sensing: dense A_k).
//
// SDP (DSDP 5): DSDP solves max b^T y s.t. C - sum_k y_k A~_k >= 0 and its primal min <C, S> s.t. <A~_k, S> = b_k,
// S >= 0. With C = I_{rows+cols} and A~_k = -[[0, A_k], [A_k^T, 0]] the dual is max <b, y> s.t.
// ||sum_k y_k A_k||_op <= 1 (the dual of the nuclear norm) and the primal is min tr S over S = [[W1, -X/2], [-X^T/2, W2]]
// >= 0 with <A_k, X> = b_k, whose value is ||X||_*: both objectives equal min ||X||_* at the optimum, and their
// difference (the duality gap) is reported. Only m dual variables: sizes up to rows + cols ~ 200 (m ~ 5000) run in
// seconds to minutes; dense A_k cost m (rows cols) memory.
// First order (completion only): ADMM with singular-value thresholding, X = SVT_{1/rho}(Z - U), Z = X + U with the
// observed entries reset, U += X - Z; stops when ||X - Z||_F <= tol ||b|| and the change of X is below tol ||b||.
// Errors: std::invalid_argument for bad shapes / indices; refs::ConvergenceError (errors.hpp) when DSDP fails or
// does not reach gap_tol, or the ADMM does not reach tol within max_iterations.
// Thread safety: each call owns its DSDP instance; DSDP keeps no global state between solves.
#pragma once
#include <vector>

#include "depthbias/core/types.hpp"

namespace depthbias::refs {

struct Measurement {
    std::vector<Index> rows, cols;  // the nonzero entries of A_k
    std::vector<double> values;
    double b = 0;
};

struct NuclearNormResult {
    Mat x;                  // the minimizer (the SDP's primal block, or the ADMM iterate)
    double nuclear_norm;    // ||x||_* (singular values of x)
    double primal_objective = 0, dual_objective = 0;  // SDP: tr S and b^T y (both -> min ||X||_*)
    double duality_gap = 0;     // primal - dual (SDP); the ADMM's last primal residual ||X - Z||_F
    double max_violation = 0;   // max_k |<A_k, x> - b_k|
    long iterations = 0;
    bool converged = false;
};

// The SDP through DSDP, to relative duality gap `gap_tol`.
NuclearNormResult min_nuclear_norm_sdp(Index rows, Index cols, const std::vector<Measurement>& measurements,
                                       double gap_tol = 1e-8);
// Completion (each measurement a single entry with value 1): ADMM with singular-value thresholding.
NuclearNormResult min_nuclear_norm_completion_admm(Index rows, Index cols, const std::vector<Measurement>& entries,
                                                   double rho = 0.05, double tol = 1e-9, long max_iterations = 20000);

}  // namespace depthbias::refs
