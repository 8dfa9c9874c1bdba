#include "depthbias/dynamics/trajectory.hpp"

namespace depthbias {

bool deliver_step(const StepCallback& cb, const StepView& view, Outcome& out) {
    if (cb(view) != StepAction::Stop || view.final) return false;
    out.status = RunStatus::Stopped;
    out.reason = "stopped by an observer at step " + std::to_string(view.step);
    out.steps = view.step;
    out.time = view.time;
    out.loss = view.loss;
    out.evaluations = view.evaluations;
    StepView last = view;
    last.final = true;
    cb(last);
    return true;
}

}  // namespace depthbias
