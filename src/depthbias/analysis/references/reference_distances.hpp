// Distances of the normalized predictor to reference solutions over time (moroshko_woodworth.md 5):
// for each named reference r, || beta/||beta|| - r/||r|| ||_2 (0: same direction, 2: opposite).
// The names (analysis.references, comma-separated) are the registered references
// (analysis/references/reference_registry.hpp). A name that is not registered or does not apply to the task, and
// data that do not admit it (non-separable for a max-margin reference), are ConfigErrors naming
// analysis.references.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "depthbias/core/extra_params.hpp"
#include "depthbias/models/model_params.hpp"
#include "depthbias/tasks/task.hpp"

namespace depthbias {

struct NamedReference {
    std::string name;
    Vec direction;  // unit norm
    Vec raw;        // as the solver returned it
    bool same_scale = false;  // an interpolator of the predictor's own scale (regression)
    bool function_space = false;  // raw = a function's values on the task's grid (not comparable with beta)
    std::vector<std::pair<std::string, double>> diagnostics;  // the solver's (ReferenceSolution::diagnostics)
};

std::vector<NamedReference> compute_references(const std::string& names, const Task& task, const ModelParams& model,
                                               const ExtraParams& extra = {});
double direction_distance(const Eigen::Ref<const Vec>& beta, const Vec& unit_reference);  // beta: a vector or vec(matrix)

}  // namespace depthbias
