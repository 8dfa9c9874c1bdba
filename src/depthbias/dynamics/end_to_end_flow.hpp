// End-to-end flow (dynamics.kind = e2e_flow): the gradient flow of a balanced deep matrix product written on the
// end-to-end matrix X = W_N ... W_1 alone (papers/dln_geometry.md 1.3 and 2, Arora, Cohen & Hazan 2018):
//     X' = -A_{N,X}(grad E(X)),
// A applied through the SVD (analysis/dln_geometry.hpp; no fractional matrix powers), N = model.depth, or the
// infinite-depth limit A_inf = lim A_N / N (dynamics.e2e_depth = "infinite": time rescaled by N).
// Integrated by the same Boost.Odeint Dormand-Prince 5(4) with dense output and the same stop rules as the layered
// flow (dynamics/gradient_flow.hpp), at dynamics.rtol / atol, on the rows x cols entries of X instead of the N
// layers. X(0) is the model's predictor at its init; the equation equals the layered flow only when that init is
// balanced (model.init = balanced, orthogonal or identity, equal model.layer_scales): from an unbalanced init it is
// a different dynamics, which is what the check dln_geometry.md 5.9 measures.
// Observers see X(t) as the predictor and, as theta, a balanced lift of X(t) in the model's layout (identity
// frames; not the layered trajectory, whose frames rotate): the model's invariant drift from an unbalanced theta0
// is therefore the imbalance the end-to-end equation ignores. The model must say balanced_lift in its
// registration (deep_matrix, linear). Not resumable (adaptive).
#pragma once
#include "depthbias/dynamics/gradient_flow.hpp"
#include "depthbias/tasks/task.hpp"

namespace depthbias {

// X' = -A_{depth,X}(grad E(X)) from x (overwritten with the final state), E = task's loss on the predictor X;
// depth = geometry::kInfiniteDepth for A_inf. on_step sees theta = vec(X) and predictor X. Same stop rules and
// tolerances as run_gradient_flow.
Outcome run_end_to_end_flow(const Task& task, Mat& x, int depth, const FlowTolerances& tol, const StopRules& stop,
                            const StepCallback& on_step);

}  // namespace depthbias
