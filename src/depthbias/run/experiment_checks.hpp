// The checks of an experiment's results against the paper's claims and the theory: the experiment's [[check]]
// tables (run/check_spec.hpp), each evaluated by a registered metric (run/check_metrics.hpp). No code here is
// specific to an experiment. Result: a JSON array of check results (run/check_result.hpp), each pass, fail or
// not_evaluated (inputs missing, diverged or not finite: never a pass); an experiment without [[check]] gets [].
#pragma once
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "depthbias/run/experiment.hpp"

namespace depthbias {

nlohmann::json run_checks(const Experiment& e, const std::vector<std::pair<Variant, nlohmann::json>>& runs,
                          const nlohmann::json& analysis);

}  // namespace depthbias
