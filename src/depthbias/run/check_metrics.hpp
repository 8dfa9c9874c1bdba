// The registry of check metrics: name -> function of the experiment's runs, its analysis and the check's
// parameters, returning a value (a number, or a string for "==") with a detail line, or "not evaluated" with
// the reason. Experiments declare their checks as data ([[check]] tables, run/check_spec.hpp) naming these.
//
// Contract of a metric:
//   - It reads runs only through select_runs / single_run (which record the labels read and refuse a diverged or
//     missing run: not evaluated), their typed summaries (results/run_summary.hpp) or, for a data-declared `field`
//     path, through run_number / run_field; and the analysis (run/experiment_analysis.hpp) only through
//     analysis_section (missing: not evaluated).
//   - A value it cannot measure (missing field, null, not finite, fewer data than it needs) is reported by
//     throwing NotEvaluated with the reason, never as a number that would pass.
//   - Its parameters are listed in `params` (checked when the TOML is read: an unknown one is a ConfigError naming
//     check[i].<param>); `select` and `field` are interpreted by the helpers below.
//   - reads_runs is false only for metrics of pure references (no runs), which may pass whatever the runs did.
#pragma once
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "depthbias/run/experiment.hpp"
#include "depthbias/run/experiment_analysis.hpp"

namespace toml {
inline namespace v3 {
class node;
}
}  // namespace toml

namespace depthbias {

// Thrown by a metric (or the helpers) when the check cannot be evaluated.
struct NotEvaluated {
    std::string reason;
};

struct MetricContext {
    const Experiment& experiment;
    const std::vector<VariantRun>& runs;  // every run of the experiment (variant, summary)
    const ExperimentAnalysis& analysis;
    nlohmann::json params;                 // the check's parameters (validated by parse_checks; after per-run /
                                           // versus substitution)
    std::vector<std::string>* read = nullptr;  // labels of the runs read (appended by the helpers)
};

struct MetricValue {
    double number = 0;
    std::string text;      // set (and number unused) for a string-valued metric
    bool is_text = false;
    std::string detail;
};

struct Metric {
    std::function<MetricValue(MetricContext&)> evaluate;
    std::vector<std::string> params;  // parameter keys the metric accepts
    std::vector<std::string> required;
    bool reads_runs = true;
    std::string doc;
};

// Every registered metric, by name.
const std::map<std::string, Metric>& metrics();
std::string metric_names();  // comma-separated, for messages

// Helpers for metrics.
// The runs matched by params["select"] (all when absent): {"label": "..."} or {"section.key": value or [values]}
// against each variant's resolved config. None matched, or one diverged (no final state): NotEvaluated.
std::vector<const VariantRun*> select_runs(MetricContext& c);
// Exactly one selected run, else NotEvaluated.
const VariantRun& single_run(MetricContext& c);
// The value at a dotted path with [i] indices ("final.spectrum[4]", "margin_checkpoints[1].dist_l1_max_margin"),
// or nullptr when absent.
const nlohmann::json* json_path(const nlohmann::json& j, const std::string& path);
// The value at `path` of a run's summary as summary.json writes it (RunSummary::to_json), or null when absent.
nlohmann::json run_field(const VariantRun& run, const std::string& path);
// A finite number at `path` of a run's summary, else NotEvaluated naming the run and the field.
double run_number(const VariantRun& run, const std::string& path);
// A section of the analysis, else NotEvaluated ("the analysis has no '<key>'").
template <class T>
const T& analysis_section(const std::optional<T>& section, const std::string& key) {
    if (!section) throw NotEvaluated{"the analysis has no '" + key + "'"};
    return *section;
}
// The value of a config key ("model.depth") in a variant's resolved config, or null when there is no such key.
nlohmann::json config_value(const Experiment& e, const Variant& v, const std::string& key);

std::string fmt4(double v);  // 4 significant digits, as check details print numbers
nlohmann::json toml_to_json(const toml::node& n);  // tables -> objects, arrays -> arrays, scalars -> scalars

}  // namespace depthbias
