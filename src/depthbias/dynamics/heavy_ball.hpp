// Heavy-ball momentum GD (Polyak): v_{k+1} = mu v_k - lr grad L(theta_k), theta_{k+1} = theta_k + v_{k+1},
// v_0 = 0. mu = dynamics.momentum in [0, 1) (mu = 0 is plain GD, bit for bit). Iterate k is reported at
// t = k * lr like GD (the flow it approximates runs at the effective rate lr / (1 - mu)).
// Registered as dynamics.kind = "momentum"; allocation-free per step.
#pragma once
#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/stop_rules.hpp"

namespace depthbias {

Outcome run_heavy_ball(Objective& objective, Vec& theta, double lr, double momentum, const StopRules& stop,
                       const StepCallback& on_step);

}  // namespace depthbias
