// Nonnegative least squares, min ||A x - b||_2 s.t. x >= 0 (Lawson & Hanson 1974, active set).
//
// Contract: A is m x k, b has m entries (finite; else std::invalid_argument). Returns x (k entries, >= 0)
// satisfying the NNLS KKT conditions to rounding: on {x > 0} the gradient A^T(b - A x) vanishes; elsewhere
// it is <= tol = 1e-12 ||A||_F ||b||_2 (strictly: the algorithm stops when no entry exceeds tol). Each set's
// least-squares problem is solved by column-pivoted QR (rank-deficient sets give the basic solution).
// Finite in exact arithmetic; capped at 3k + 30 outer iterations (ConvergenceError beyond).
// Used by kkt.cpp (fitting multipliers) and saddle_to_saddle.cpp (sign-constrained least squares).
#pragma once
#include "depthbias/core/types.hpp"

namespace depthbias::refs {

Vec nnls(const Mat& A, const Vec& b);

}  // namespace depthbias::refs
