// Sharpness: the largest eigenvalue of the Hessian of the training loss in the parameters theta (the quantity GD's
// step is stable against: lambda_max <= 2 / lr, the "edge of stability" line), for any model and task.
// Lanczos through Spectra (SymEigsSolver, largest algebraic; a dense symmetric eigendecomposition when theta has
// fewer than 3 entries) on Hessian-vector products by central differences of the gradient:
//   H v ~ (g(theta + h v) - g(theta - h v)) / (2 h),   |v| = 1,  h = 1e-5 max(1, |theta|_inf),
// exact for a loss quadratic in theta and O(h^2 |D^3 L|) otherwise. The gradients are evaluated on an Objective of
// its own (the run's gradient-evaluation count and predictor are untouched); the model's scratch is recomputed by
// each evaluation, so measuring between steps does not change the run. Not thread-safe (one per run).
#pragma once
#include <optional>

#include "depthbias/dynamics/objective.hpp"

namespace depthbias {

struct SharpnessResult {
    double value = 0;            // lambda_max(Hessian), loss units per squared parameter unit
    long hessian_products = 0;   // Hessian-vector products used (2 gradients each)
};

// lambda_max of the Hessian of the loss of `model` x `task` at theta, or nullopt when Lanczos did not converge
// (to relative tolerance `tol`) or theta / a gradient is not finite.
std::optional<SharpnessResult> top_hessian_eigenvalue(Model& model, const Task& task, const Vec& theta,
                                                      double tol = 1e-8);

}  // namespace depthbias
