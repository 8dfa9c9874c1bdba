// Full-batch gradient descent with a fixed step (the papers' dynamics): theta_{k+1} = theta_k - lr grad L.
// Iterate k is at time t = k * lr. The loss checked by the stop rules is the loss at theta_k (before the update),
// as the authors' Keras scripts log it; on convergence the returned theta is theta_k.
// Registered as dynamics.kind = "gd".
#pragma once
#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/stop_rules.hpp"

namespace depthbias {

Outcome run_gradient_descent(Objective& objective, Vec& theta, double lr, const StopRules& stop,
                             const StepCallback& on_step);

}  // namespace depthbias
