// DynamicsParams: the [dynamics] section of a run config (docs/CONFIG.md): the dynamics kind, its step size or
// tolerances, and the stop rules every dynamics shares (dynamics/stop_rules.hpp). Keys a single dynamics adds
// (dynamics.momentum, ...) are extension keys declared in its own file (core/extra_params.hpp).
#pragma once
#include <cstdint>
#include <string>

namespace depthbias {

struct DynamicsParams {
    std::string kind = "gd";
    double lr = 1e-3;
    std::int64_t max_steps = 100000;
    double max_time = 0;  // 0: no time budget
    double loss_threshold = 0.01;
    double rtol = 1e-8, atol = 1e-12;
    double divergence_factor = 1e6;
    double max_margin = 1e6;  // dual_flow: stop at this margin gamma
};

}  // namespace depthbias
