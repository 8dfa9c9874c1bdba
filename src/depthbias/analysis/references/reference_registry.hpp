// ReferenceEntry: an exact reference solution a run can track (analysis.references = "name, name"): the
// normalized predictor's distance to it is recorded over time and at the end (analysis/references/reference_distances.hpp).
// `compute` returns the reference for a task (and the model's parameters, e.g. the Q program's depth and alpha),
// or nothing when the reference does not apply to that task; it throws refs::NotSeparableError /
// std::invalid_argument when the data do not admit it. `same_scale`: the reference is an interpolator of the
// same scale as the predictor (the summary then also gets relative_error_to_<name>). `function_space`: see below.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "depthbias/core/extra_params.hpp"
#include "depthbias/core/registry.hpp"
#include "depthbias/core/types.hpp"
#include "depthbias/models/model_params.hpp"
#include "depthbias/tasks/task.hpp"

namespace depthbias {

// A reference's answer: the solution, plus the solver's own diagnostics (name -> value; e.g. the SDP's duality gap),
// which a run's summary reports as final.<reference>_<name>. Converts from a plain Vec (no diagnostics).
struct ReferenceSolution {
    Vec x;
    std::vector<std::pair<std::string, double>> diagnostics;
    ReferenceSolution(Vec v) : x(std::move(v)) {}  // NOLINT: implicit on purpose (most references are a vector)
    ReferenceSolution(Vec v, std::vector<std::pair<std::string, double>> d) : x(std::move(v)), diagnostics(std::move(d)) {}
};

struct ReferenceEntry {
    std::string name;
    std::string doc;
    bool same_scale = false;
    // ExtraParams: the run's extension keys (the mirror dynamics' potential for `bregman`).
    std::function<std::optional<ReferenceSolution>(const Task&, const ModelParams&, const ExtraParams&)> compute;
    // The reference is a function of a scalar input given by its values on the task's evaluation grid
    // (PointRegression::grid()): compared with the trained function by the function_space observer
    // (observe/function_space.hpp), not with beta.
    bool function_space = false;
};

using ReferenceRegistry = Registry<ReferenceEntry>;

}  // namespace depthbias
