// Implicit gradient flow: d theta/dt = f(theta) = -grad L(theta), integrated by SUNDIALS CVODE (Debian's
// libsundials-dev) with variable-order BDF (orders 1..max_order <= 5), a Newton iteration per step and matrix-free
// GMRES (SUNLinSol_SPGMR, no preconditioner, Krylov dimension krylov_dim) on (I - gamma J) x = b. The Jacobian of f is
// -H (H the Hessian of L); its products J v come from a directional difference of gradients (the model interface has
// no exact Hessian-vector product): forward, (f(theta + s v) - f(theta)) / s, one gradient per product (f(theta) is
// CVODE's own), or central, (f(theta + s v) - f(theta - s v)) / (2 s), two gradients. s = 1 / ||v||_WRMS with CVODE's
// error weights 1 / (rtol |theta_i| + atol) (CVODE's own difference-quotient rule): the perturbation is about one local
// error tolerance.
//
// Contract: same stop rules, observers and records as the explicit flow (dynamics/gradient_flow.hpp): every accepted
// step is reported; a time budget ends exactly at max_time (CVODE's stop time, no interpolation). The loss of each
// accepted state is one loss-only evaluation (Objective::value: the forward pass; it also sets the objective's
// predictor for the observers), counted in Objective::loss_evaluations(). Objective::evaluations() counts every
// gradient: CVODE's right-hand sides and the J v products' gradients.
// A CVODE failure (CV_CONV_FAILURE, CV_ERR_FAILURE, CV_TOO_CLOSE, ...) ends the run as Diverged with the flag's name and
// CVODE's message in the reason, at the last accepted state (its step k delivered again as final, not counted as a step
// k + 1); a non-finite gradient is a recoverable right-hand-side failure for CVODE (it retries with a smaller step).
// Step sizes are floored at 1e-13 max(1, |t|) at the current time t (not scaled by max_time). Registered as
// dynamics.kind = "implicit_flow".
// One CVODE instance and SUNContext per run (runs in different threads are independent; a run is not shared between
// threads); not resumable (the BDF history is the controller state).
#pragma once
#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/stop_rules.hpp"

namespace depthbias {

enum class JvDifference { Forward, Central };

struct ImplicitFlowOptions {
    double rtol = 1e-8;
    double atol = 1e-12;
    int krylov_dim = 5;  // GMRES's maximum Krylov subspace dimension (CVODE's default)
    int max_order = 5;   // BDF order cap, 1..5
    JvDifference jv = JvDifference::Forward;
};

// CVODE's counters of one run (CVodeGet*), and the gradient evaluations by purpose.
struct ImplicitFlowStats {
    long steps = 0;               // accepted steps
    long rhs_evaluations = 0;     // f(theta) calls by CVODE (the Newton iterations, the initial step estimate)
    long jv_products = 0;         // J v products
    long jv_gradients = 0;        // gradients spent in them (1 or 2 each)
    long loss_evaluations = 0;    // loss-only evaluations (forward passes) of the reported states
    long newton_iterations = 0;
    long linear_iterations = 0;   // GMRES iterations in all
    long newton_failures = 0;     // nonlinear convergence failures (the step is retried smaller)
    long error_test_failures = 0;
    int last_order = 0;
};

Outcome run_implicit_flow(Objective& objective, Vec& theta, const ImplicitFlowOptions& options,
                          const StopRules& stop, const StepCallback& on_step, ImplicitFlowStats* stats = nullptr);

}  // namespace depthbias
