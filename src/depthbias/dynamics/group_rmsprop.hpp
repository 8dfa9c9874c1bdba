// GroupRMSprop (Arora, Cohen, Hu & Luo 2019; exact_dln.md section 5.1): RMSprop with ONE second moment for all
// parameters together: s_k = alpha s_{k-1} + (1 - alpha) ||grad L(theta_k)||^2 (k = 0, 1, ...; s_{-1} = 0), then
// theta_{k+1} = theta_k - lr grad L / (sqrt(s_k / (1 - alpha^(k+1))) + eps)   (bias-corrected; eps outside the root).
// Defaults alpha = 0.99 (dynamics.rms_alpha), eps = 1e-4 (dynamics.rms_eps), as their matrix-factorization runs.
// lr is roughly a per-step movement in parameter norm, not a GD step: iterate k is reported at t = k * lr, which
// is NOT gradient-flow time. Registered as dynamics.kind = "group_rmsprop"; allocation-free per step.
#pragma once
#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/stop_rules.hpp"

namespace depthbias {

struct GroupRmspropSpec {
    double lr = 1e-3;
    double alpha = 0.99;
    double eps = 1e-4;
};

Outcome run_group_rmsprop(Objective& objective, Vec& theta, const GroupRmspropSpec& spec, const StopRules& stop,
                          const StepCallback& on_step);

}  // namespace depthbias
