// The loop every fixed-step (discrete) dynamics shares: evaluate L and grad L at theta_k, apply the StopRules,
// report the state (t = k * time_per_step) to the observers, then update(theta, grad, k) in place.
// The reported loss is the loss at theta_k before its update; on a stop the returned theta is theta_k.
// `describe` names the dynamics' step size in divergence reasons ("lr = 0.001").
#pragma once
#include <sstream>
#include <string>

#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/stop_rules.hpp"

namespace depthbias {

template <class Update>
Outcome run_step_loop(Objective& obj, Vec& theta, double time_per_step, const std::string& describe,
                      const StopRules& stop, const StepCallback& cb, Update&& update) {
    Vec grad(theta.size());
    Outcome out;
    double loss0 = -1;
    for (long k = 0;; ++k) {
        const double loss = obj.value_and_gradient(theta, grad);
        const double t = double(k) * time_per_step;
        if (loss0 < 0) loss0 = loss;
        out.steps = k;
        out.time = t;
        out.loss = loss;
        out.evaluations = obj.evaluations();
        const auto stop_now = stop.check(k, t, loss, loss0, true, [&] {
            std::ostringstream s;
            s << "at step " << k << " (t = " << t << ") with " << describe;
            return s.str();
        });
        if (stop_now) {
            out.status = stop_now->status;
            out.reason = stop_now->reason;
        }
        const StepView view{k, t, loss, theta, obj.predictor(), obj.evaluations(), bool(stop_now)};
        if (stop_now) {
            cb(view);
            return out;
        }
        if (deliver_step(cb, view, out)) return out;
        update(theta, grad, k);
    }
}

}  // namespace depthbias
