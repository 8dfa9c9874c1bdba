// Gradient flow d theta/dt = -grad L(theta), integrated by Boost.Odeint's Dormand-Prince 5(4) with error
// control (rtol, atol) and dense output. Observers see every accepted step. A run that hits max_time ends
// exactly at max_time (dense-output interpolation). Divergence: non-finite state or loss, loss blow-up, or a
// step size that collapses below 1e-13 * max(1, t). Registered as dynamics.kind = "flow" (initial step
// min(1e-3, dynamics.lr)).
#pragma once
#include <functional>

#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/stop_rules.hpp"

namespace depthbias {

struct FlowTolerances {
    double rtol = 1e-8;
    double atol = 1e-12;
    double initial_dt = 1e-3;
};

// A flow integrated in another variable z with theta = to_primal(z): dz/dt = -grad L(theta) (mirror flow, z the
// dual variable grad Phi(theta); dynamics/mirror_descent.hpp). Both maps write into preallocated vectors.
struct FlowMap {
    std::function<void(const Vec& z, Vec& theta)> to_primal;
    std::function<void(const Vec& theta, Vec& z)> to_dual;
};

Outcome run_gradient_flow(Objective& objective, Vec& theta, const FlowTolerances& tol, const StopRules& stop,
                          const StepCallback& on_step, const FlowMap* map = nullptr);

}  // namespace depthbias
