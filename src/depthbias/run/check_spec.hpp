// Checks declared as data: the [[check]] tables of an experiment TOML, each naming a registered metric
// (run/check_metrics.hpp) and a comparison.
//
//   [[check]]
//   claim = "M1"                                  # optional: the paper / theory claim
//   name = "M1 depth 4 reconstruction error < 1e-3"   # "{label}" is replaced by the run's label with per_run
//   metric = "value"                              # a registered metric
//   field = "final.reconstruction_error"          # metric parameters (which ones: the metric's `params`)
//   select = { "model.depth" = 4 }                # runs: { label = "..." } or config keys; an array = any of
//   compare = "<"                                 # <, <=, >, >=, == (number or string), in (lo <= v <= hi)
//   threshold = 1e-3                              # for <, <=, >, >=, ==; lo and hi for "in"
//   versus = { select = { "model.depth" = 1 } }   # optional: also compare with the same metric evaluated with these
//   versus_scale = 1.0                            #   parameters replaced, times versus_scale
//   per_run = true                                # optional: one check per selected run
//
// Contract: parse_checks validates everything it can without running (unknown keys, unknown metrics, missing
// parameters, bad comparisons, select keys that are not config keys) and throws ConfigError naming the key
// (e.g. "check[3].metric", listing the registered metrics). evaluate_checks never throws for data problems:
// a check whose metric cannot be measured (a run missing or diverged, a value not finite) is not_evaluated.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "depthbias/run/check_result.hpp"

namespace toml {
inline namespace v3 {
class array;
}
}  // namespace toml

namespace depthbias {

struct Experiment;
struct ExperimentAnalysis;
struct RunConfig;
struct RunSummary;
struct Variant;

struct CheckSpec {
    std::string key;  // "check[3]" (1-based), for messages
    std::string name, claim, metric, compare;
    nlohmann::json threshold;  // number or string (==); null for "in"
    double lo = 0, hi = 0;     // "in"
    bool per_run = false;
    nlohmann::json versus;     // parameter overrides, or null
    double versus_scale = 1;
    nlohmann::json params;     // the metric's parameters
};

// The [[check]] array of an experiment file; `base` is the experiment's base config (select keys are checked
// against it).
std::vector<CheckSpec> parse_checks(const toml::array& checks, const RunConfig& base);

// Evaluates every check of the experiment against its runs (variant, summary) and analysis
// (run/experiment_analysis.hpp). An experiment without [[check]] gets no results.
std::vector<CheckResult> evaluate_checks(const Experiment& e, const std::vector<std::pair<Variant, RunSummary>>& runs,
                                         const ExperimentAnalysis& analysis);

}  // namespace depthbias
