// ObserveParams: the [observe] section of a run config (docs/CONFIG.md): what the observers record and how often.
#pragma once
#include <cstdint>
#include <string>

namespace depthbias {

struct ObserveParams {
    std::string schedule = "log";  // log | linear
    double points_per_decade = 60;
    double interval = 0.1;
    std::int64_t max_records = 4000;
    std::int64_t top_k = 5;
    std::int64_t event_every = 1;
    double activation_threshold = 0;  // record the order in which coordinates first exceed it (0: off)
    std::int64_t sharpness_every = 0;  // top Hessian eigenvalue every this many steps (0: off; observe/sharpness)
    std::int64_t kernel_every = 0;     // tangent-kernel distance and target alignment every this many steps (0: off;
                                       // observe/tangent_kernel.cpp)
};

// The [analysis] section: the incremental-learning epsilon and the reference solutions tracked during a run.
struct AnalysisParams {
    double epsilon = 0.05;
    std::string references;  // comma-separated names from Registry<ReferenceEntry> (observe/reference_registry.hpp)
};

}  // namespace depthbias
