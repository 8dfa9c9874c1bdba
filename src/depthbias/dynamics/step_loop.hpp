// The loop every fixed-step (discrete) dynamics shares: evaluate L and grad L at theta_k, apply the StopRules,
// report the state (t = k * time_per_step) to the observers, then update(theta, grad, k) in place.
// The reported loss is the loss at theta_k before its update; on a stop the returned theta is theta_k.
// `describe` names the dynamics' step size in divergence reasons ("lr = 0.001").
//
// Resume: `pos` is where the loop starts and, while it runs, where it is. A fresh position starts at k = 0;
// while the state of step k is being reported, pos says {k, loss0, evaluations before step k's evaluation},
// which with theta_k and the update's own state (velocity, moments) is everything needed to continue at k:
// a loop started from that position and theta_k reports the same states as the uninterrupted one, bit for bit.
#pragma once
#include <sstream>
#include <string>

#include "depthbias/core/state_io.hpp"
#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/stop_rules.hpp"

namespace depthbias {

struct StepLoopPosition {
    long step = 0;
    double loss0 = -1;      // the loss at step 0 (divergence is measured against it); < 0: a fresh start
    long evaluations = 0;   // gradient evaluations before step `step`'s

    bool fresh() const { return step == 0 && loss0 < 0; }
    nlohmann::json to_state() const { return {{"step", step}, {"loss0", loss0}, {"evaluations", evaluations}}; }
    static StepLoopPosition from_state(const nlohmann::json& j) {
        StepLoopPosition p{state::integer(j, "step"), state::number(j, "loss0"), state::integer(j, "evaluations")};
        if (p.step < 0 || p.evaluations < 0) throw IoError("checkpoint: negative step or evaluation count");
        return p;
    }
};

template <class Update>
Outcome run_step_loop(Objective& obj, Vec& theta, double time_per_step, const std::string& describe,
                      const StopRules& stop, const StepCallback& cb, Update&& update, StepLoopPosition& pos) {
    Vec grad(theta.size());
    Outcome out;
    if (pos.fresh())
        pos.evaluations = obj.evaluations();  // a fresh start counts on from the objective's evaluations
    else
        obj.restore_evaluations(pos.evaluations);
    for (long k = pos.step;; ++k) {
        pos.step = k;
        pos.evaluations = obj.evaluations();
        const double loss = obj.value_and_gradient(theta, grad);
        const double t = double(k) * time_per_step;
        if (pos.loss0 < 0) pos.loss0 = loss;
        out.steps = k;
        out.time = t;
        out.loss = loss;
        out.evaluations = obj.evaluations();
        const auto stop_now = stop.check(k, t, loss, pos.loss0, true, [&] {
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

template <class Update>
Outcome run_step_loop(Objective& obj, Vec& theta, double time_per_step, const std::string& describe,
                      const StopRules& stop, const StepCallback& cb, Update&& update) {
    StepLoopPosition fresh;
    return run_step_loop(obj, theta, time_per_step, describe, stop, cb, std::forward<Update>(update), fresh);
}

}  // namespace depthbias
