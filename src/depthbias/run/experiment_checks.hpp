// Checks of an experiment's results against the paper's claims and the theory (gissin.md section 4),
// each {name, pass, detail}. Experiments without registered checks get an empty list.
//   fig1a: M1 (reconstruction errors by depth, depth 4 strictly incremental, depth 2 not)
//   fig1b: M2 (bias variant: one eigenvalue at a time, smaller 5th eigenvalue, lower test error)
//   toy:   simulation within tolerance of the closed form; t_1/2 ratios against theory
//   separation: T6 (depth 2 below 1e-40 at r = 0.95, depth 4 above 1e-5; slopes)
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "depthbias/run/experiment.hpp"

namespace depthbias {

nlohmann::json run_checks(const std::string& experiment, const std::vector<std::pair<Variant, nlohmann::json>>& runs,
                          const nlohmann::json& analysis);

}  // namespace depthbias
