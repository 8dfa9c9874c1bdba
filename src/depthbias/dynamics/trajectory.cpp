#include "depthbias/dynamics/trajectory.hpp"

namespace depthbias {

std::string to_string(RunStatus s) {
    switch (s) {
        case RunStatus::Converged: return "converged";
        case RunStatus::BudgetExhausted: return "budget_exhausted";
        case RunStatus::Diverged: return "diverged";
    }
    return "unknown";
}

}  // namespace depthbias
