#include "depthbias/dynamics/dynamics.hpp"

#include <limits>

namespace depthbias {

StopRules stop_rules_of(const DynamicsParams& p) {
    StopRules s;
    s.loss_threshold = p.loss_threshold;
    s.max_steps = p.max_steps;
    s.max_time = p.max_time > 0 ? p.max_time : std::numeric_limits<double>::infinity();
    s.divergence_factor = p.divergence_factor;
    return s;
}

}  // namespace depthbias
