// ExperimentResult: the typed content of experiment.json, written by run_experiment (run/experiment.hpp) and read
// by the CLI, the HTML report and the checks' callers.
//
//   {"experiment", "title", "manifest", "runs": [{"label", "directory", "summary"}], "analysis" (only when the
//    experiment's analysis measured something), "checks": [...], "figure_warning" (only when gnuplot failed)}
//
// Contract:
//   - to_json() gives the file's content exactly (runs' summaries: results/run_summary.hpp; checks:
//     run/check_result.hpp).
//   - from_json() validates a stored experiment.json and throws IoError naming the field
//     ("runs[1].summary.final.loss must be a number"), never a JSON type error. `manifest` and `analysis` are kept
//     as JSON objects: the manifest is metadata, and the analysis (run/experiment_analysis.hpp) is only displayed by
//     readers of a stored result.
//   - exit_code(): 3 when a run diverged, else 4 when a check failed or was not evaluated, else 0.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "depthbias/results/run_summary.hpp"
#include "depthbias/run/check_result.hpp"

namespace depthbias {

struct ExperimentRun {
    std::string label;
    std::string directory;  // relative to the experiment's directory (the slug of the label)
    RunSummary summary;
};

struct ExperimentResult {
    std::string name, title;
    nlohmann::json manifest = nlohmann::json::object();
    std::vector<ExperimentRun> runs;
    nlohmann::json analysis = nlohmann::json::object();  // {}: written only when not empty
    std::vector<CheckResult> checks;
    std::optional<std::string> figure_warning;
    std::optional<std::string> analysis_error;  // the analysis step failed (its checks are not evaluated)

    int exit_code() const;
    nlohmann::json to_json() const;
    // `origin` names the source in errors ("runs/toy/experiment.json").
    static ExperimentResult from_json(const nlohmann::json& j, const std::string& origin);
};

}  // namespace depthbias
