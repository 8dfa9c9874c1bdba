#include "depthbias/run/experiment_checks.hpp"

#include "depthbias/run/check_result.hpp"
#include "depthbias/run/check_spec.hpp"

namespace depthbias {

nlohmann::json run_checks(const Experiment& e, const std::vector<std::pair<Variant, nlohmann::json>>& runs,
                          const nlohmann::json& analysis) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : evaluate_checks(e, runs, analysis)) out.push_back(to_json(c));
    return out;
}

}  // namespace depthbias
