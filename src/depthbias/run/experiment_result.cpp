#include "depthbias/run/experiment_result.hpp"

#include "depthbias/results/json_reader.hpp"

namespace depthbias {
using nlohmann::json;

int ExperimentResult::exit_code() const {
    for (const auto& r : runs)
        if (r.summary.diverged()) return 3;
    for (const auto& r : runs)
        if (r.summary.wall_budget_hit()) return 5;
    return checks_exit_code(checks);
}

json ExperimentResult::to_json() const {
    json j;
    j["experiment"] = name;
    j["title"] = title;
    j["manifest"] = manifest;
    json rs = json::array();
    for (const auto& r : runs) rs.push_back({{"label", r.label}, {"directory", r.directory}, {"summary", r.summary.to_json()}});
    j["runs"] = rs;
    if (!analysis.empty()) j["analysis"] = analysis;
    json cs = json::array();
    for (const auto& c : checks) cs.push_back(depthbias::to_json(c));
    j["checks"] = cs;
    if (figure_warning) j["figure_warning"] = *figure_warning;
    if (analysis_error) j["analysis_error"] = *analysis_error;
    return j;
}

ExperimentResult ExperimentResult::from_json(const json& j, const std::string& origin) {
    const JsonReader r{origin};
    r.object(j, "(experiment)");
    ExperimentResult e;
    e.name = r.string(r.at(j, "experiment", "experiment"), "experiment");
    e.title = r.string(r.at(j, "title", "title"), "title");
    if (j.contains("manifest")) e.manifest = r.object(j.at("manifest"), "manifest");
    const json& runs = r.array(r.at(j, "runs", "runs"), "runs");
    for (size_t i = 0; i < runs.size(); ++i) {
        const std::string p = "runs[" + std::to_string(i) + "]";
        ExperimentRun run;
        run.label = r.string(r.at(runs[i], "label", p + ".label"), p + ".label");
        run.directory = r.string(r.at(runs[i], "directory", p + ".directory"), p + ".directory");
        run.summary = RunSummary::from_json(r.at(runs[i], "summary", p + ".summary"), origin + ": " + p + ".summary");
        e.runs.push_back(std::move(run));
    }
    if (j.contains("analysis")) e.analysis = r.object(j.at("analysis"), "analysis");
    const json& checks = r.array(r.at(j, "checks", "checks"), "checks");
    for (size_t i = 0; i < checks.size(); ++i)
        e.checks.push_back(check_result_from_json(checks[i], origin, "checks[" + std::to_string(i) + "]"));
    if (j.contains("figure_warning")) e.figure_warning = r.string(j.at("figure_warning"), "figure_warning");
    if (j.contains("analysis_error")) e.analysis_error = r.string(j.at("analysis_error"), "analysis_error");
    return e;
}

}  // namespace depthbias
