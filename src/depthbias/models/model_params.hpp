// ModelParams: the [model] section of a run config (docs/CONFIG.md). Each model's registration
// (models/model_registry.hpp) says which keys it reads and builds itself from them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace depthbias {

struct ModelParams {
    std::string kind = "deep_matrix";
    std::int64_t depth = 4;
    std::string init = "gaussian";
    double init_scale = 1e-4;
    bool bias = false;
    std::vector<double> shape;  // diagonal networks: branch / factor multipliers (empty: all 1)
};

}  // namespace depthbias
