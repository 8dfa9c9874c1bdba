// experiment.json as a typed result (run/experiment_result.hpp): to_json / from_json round-trip, a stored file with
// a field of the wrong type is an IoError naming the field (in the run's summary too), the exit status follows the
// runs and checks, and the HTML report of a malformed stored summary names the field instead of failing on JSON.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "depthbias/core/error.hpp"
#include "depthbias/run/experiment_result.hpp"
#include "depthbias/sweep/html_report.hpp"

using namespace depthbias;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

RunSummary run(int depth, RunStatus status) {
    RunSummary s;
    s.name = "e / D" + std::to_string(depth);
    s.status = status;
    s.stop_reason = status == RunStatus::Diverged ? "loss is not finite" : "loss below threshold";
    s.steps = 100;
    s.time = 1.5;
    s.model = "diagonal_product";
    s.task = "toy";
    s.depth = depth;
    if (status != RunStatus::Diverged) s.final = FinalMetrics{{{"loss", 1e-9}, {"reconstruction_error", std::nullopt}}, {2.0, 1.0}, {}, {}};
    return s;
}

ExperimentResult result() {
    ExperimentResult r;
    r.name = "e";
    r.title = "E";
    r.manifest = {{"seed", 1}};
    r.runs = {{"D2", "d2", run(2, RunStatus::Converged)}, {"D3", "d3", run(3, RunStatus::Converged)}};
    r.analysis = {{"toy_vs_theory", {{"D2", {{"max_relative_t_half_error", 0.01}}}}}};
    r.checks = {{"c1", "M1", CheckStatus::Pass, "0.01", {"D2"}}, {"c2", "", CheckStatus::NotEvaluated, "no run", {}}};
    return r;
}

std::string error_of(const json& j) {
    try {
        ExperimentResult::from_json(j, "experiment.json");
    } catch (const IoError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST(ExperimentResult, RoundTripsThroughJson) {
    const json j = result().to_json();
    EXPECT_EQ(j["runs"][1]["summary"]["final"]["reconstruction_error"], nullptr);
    EXPECT_FALSE(j.contains("figure_warning"));
    const ExperimentResult back = ExperimentResult::from_json(j, "x");
    EXPECT_EQ(back.to_json(), j);
    EXPECT_EQ(back.checks[0].status, CheckStatus::Pass);
    EXPECT_EQ(back.checks[1].status, CheckStatus::NotEvaluated);
    EXPECT_EQ(back.runs[1].summary.depth, 3);
    ExperimentResult plain = result();
    plain.analysis = json::object();
    EXPECT_FALSE(plain.to_json().contains("analysis"));  // written only when the analysis measured something
}

TEST(ExperimentResult, WrongTypedFieldsAreNamed) {
    json j = result().to_json();
    j["runs"][1]["summary"]["steps"] = "many";
    EXPECT_EQ(error_of(j), "experiment.json: runs[1].summary: field 'steps' must be an integer");
    j = result().to_json();
    j["runs"][0]["summary"]["final"]["loss"] = "small";
    EXPECT_EQ(error_of(j), "experiment.json: runs[0].summary: field 'final.loss' must be a number");
    j = result().to_json();
    j["checks"][1]["status"] = "maybe";
    EXPECT_EQ(error_of(j), "experiment.json: field 'checks[1].status' must be pass, fail or not_evaluated (not 'maybe')");
    j = result().to_json();
    j["runs"][0].erase("directory");
    EXPECT_EQ(error_of(j), "experiment.json: field 'runs[0].directory' is missing");
    j = result().to_json();
    j["analysis"] = json::array();
    EXPECT_EQ(error_of(j), "experiment.json: field 'analysis' must be an object");
}

TEST(ExperimentResult, ExitCodeFollowsRunsAndChecks) {
    ExperimentResult r = result();
    EXPECT_EQ(r.exit_code(), 4);  // a check not evaluated
    r.checks.pop_back();
    EXPECT_EQ(r.exit_code(), 0);
    r.checks[0].status = CheckStatus::Fail;
    EXPECT_EQ(r.exit_code(), 4);
    r.runs[1].summary = run(3, RunStatus::Diverged);
    EXPECT_EQ(r.exit_code(), 3);  // a diverged run comes first
}

TEST(ExperimentResult, ReportOfAMalformedStoredSummaryNamesTheField) {
    const fs::path dir = fs::temp_directory_path() / ("depthbias-expresult-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    json s = run(2, RunStatus::Converged).to_json();
    s["incremental"] = {{"epsilon", "0.05"}};
    std::ofstream(dir / "summary.json") << s.dump();
    try {
        write_html_report(dir.string());
        ADD_FAILURE() << "expected an IoError";
    } catch (const IoError& e) {
        EXPECT_EQ(std::string(e.what()), (dir / "summary.json").string() + ": field 'incremental.epsilon' must be a number");
    }
    std::ofstream(dir / "summary.json") << run(2, RunStatus::Converged).to_json().dump();  // a valid one renders
    EXPECT_EQ(write_html_report(dir.string()).kind, "run");
    fs::remove_all(dir);
}
