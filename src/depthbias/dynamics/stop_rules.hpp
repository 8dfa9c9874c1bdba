// StopRules: the one stop-rule object every dynamics runs under (config keys dynamics.loss_threshold,
// dynamics.max_steps, dynamics.max_time, dynamics.divergence_factor). A dynamics calls
// check(step, t, loss, loss0, ...) at every state it reports; the first rule that fires, in the order divergence, loss
// threshold, step budget, time budget, wall-clock budget, decides the status and the reason text. Dynamics-specific reasons (a
// collapsed step size, a margin target) are the dynamics' own.
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "depthbias/dynamics/trajectory.hpp"

namespace depthbias {

struct StopDecision {
    RunStatus status;
    std::string reason;
};

struct StopRules {
    double loss_threshold = 0.0;                                    // stop when loss < threshold (0: never)
    double max_time = std::numeric_limits<double>::infinity();      // flow time budget
    long max_steps = std::numeric_limits<long>::max();              // GD steps / flow accepted steps
    double divergence_factor = 1e6;  // diverged when loss > factor * max(initial loss, 1e-300), or not finite
    // Wall-clock budget (a run option, not a config key: --max-wall-seconds); checked after the others.
    std::optional<std::chrono::steady_clock::time_point> deadline;
    double wall_seconds = 0;  // the budget, for the reason text

    // `diverged_context` is called only when the run diverged, to describe where ("at step 12 (t = ...) with
    // lr = ..."); the reason is "diverged " + context + ": loss = L (initial L0)".
    template <class Context>
    std::optional<StopDecision> check(long step, double t, double loss, double loss0, bool state_finite,
                                      const Context& diverged_context) const {
        if (!std::isfinite(loss) || !state_finite || loss > divergence_factor * std::max(loss0, 1e-300))
            return StopDecision{RunStatus::Diverged, "diverged " + diverged_context() + ": loss = " + number(loss) +
                                                         " (initial " + number(loss0) + ")"};
        return check_budgets(step, t, loss);
    }
    std::optional<StopDecision> check_budgets(long step, double t, double loss) const;

    // True when nothing ends a run (no threshold, steps or time): adaptive flows refuse to start then.
    bool unbounded() const;

    static std::string number(double v);  // as an ostream prints it (the reasons' spelling)
};

}  // namespace depthbias
