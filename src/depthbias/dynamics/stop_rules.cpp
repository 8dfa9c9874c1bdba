#include "depthbias/dynamics/stop_rules.hpp"

#include <cmath>
#include <sstream>

namespace depthbias {

std::optional<StopDecision> StopRules::check_budgets(long step, double t, double loss) const {
    if (loss < loss_threshold) return StopDecision{RunStatus::Converged, "loss below threshold"};
    if (step >= max_steps) return StopDecision{RunStatus::BudgetExhausted, "step budget exhausted"};
    if (t >= max_time) return StopDecision{RunStatus::BudgetExhausted, "time budget reached"};
    if (deadline && std::chrono::steady_clock::now() >= *deadline)
        return StopDecision{RunStatus::WallBudget, "wall-clock budget of " + number(wall_seconds) + " s reached"};
    return std::nullopt;
}

bool StopRules::unbounded() const {
    return !std::isfinite(max_time) && loss_threshold <= 0 && max_steps == std::numeric_limits<long>::max();
}

std::string StopRules::number(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

}  // namespace depthbias
