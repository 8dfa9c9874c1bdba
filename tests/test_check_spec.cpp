// Checks declared as data ([[check]], run/check_spec.hpp): bad tables are ConfigErrors naming the key, and a
// check evaluated on hand-made run summaries is pass / fail on measured values and not_evaluated when its run is
// missing, diverged, or its value absent or not finite. Every shipped preset's checks parse.
#include <gtest/gtest.h>

#include <cmath>

#include "depthbias/core/error.hpp"
#include "depthbias/run/check_metrics.hpp"
#include "depthbias/run/check_spec.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/run/presets.hpp"

using namespace depthbias;
using nlohmann::json;

namespace {

const char* kBase = R"(
[experiment]
name = "t"
[task]
kind = "toy"
target = [2.0, 1.0]
[model]
kind = "diagonal_product"
[[variant]]
label = "D2"
"model.depth" = 2
[[variant]]
label = "D3"
"model.depth" = 3
)";

std::string error_key(const std::string& checks) {
    try {
        parse_experiment(std::string(kBase) + checks, "x");
    } catch (const ConfigError& e) {
        return e.key() + " | " + e.what();
    }
    return "(no error)";
}

RunSummary summary(int depth, double err) {
    RunSummary s;
    s.status = RunStatus::Converged;
    s.depth = depth;
    s.final = FinalMetrics{};
    s.final->values["reconstruction_error"] = err;
    s.final->spectrum = {2.0, 1.0};
    return s;
}

RunSummary diverged(int depth) {
    RunSummary s;
    s.status = RunStatus::Diverged;
    s.depth = depth;
    return s;
}

std::vector<CheckResult> evaluate(const std::string& checks, const std::vector<RunSummary>& summaries,
                                  const ExperimentAnalysis& analysis = {}) {
    const Experiment e = parse_experiment(std::string(kBase) + checks, "x");
    std::vector<VariantRun> runs;
    for (size_t i = 0; i < summaries.size(); ++i) runs.emplace_back(e.variants[i], summaries[i]);
    return evaluate_checks(e, runs, analysis);
}

const char* kDepth3Error = R"(
[[check]]
claim = "X"
name = "depth 3 error < 1e-3"
metric = "value"
field = "final.reconstruction_error"
select = { "model.depth" = 3 }
compare = "<"
threshold = 1e-3
)";

}  // namespace

TEST(CheckSpec, BadTablesNameTheKey) {
    EXPECT_NE(error_key("[[check]]\nname = \"a\"\nmetric = \"nope\"\ncompare = \"<\"\nthreshold = 1\n").find("check[1].metric"),
              std::string::npos);
    // The unknown metric's message lists the registered ones.
    EXPECT_NE(error_key("[[check]]\nname = \"a\"\nmetric = \"nope\"\ncompare = \"<\"\nthreshold = 1\n").find("mean"),
              std::string::npos);
    const std::string ok = "name = \"a\"\nmetric = \"value\"\nfield = \"final.loss\"\n";
    EXPECT_EQ(error_key("[[check]]\n" + ok + "compare = \"~\"\nthreshold = 1\n").substr(0, 16), "check[1].compare");
    EXPECT_EQ(error_key("[[check]]\n" + ok + "compare = \"<\"\n").substr(0, 18), "check[1].threshold");
    EXPECT_EQ(error_key("[[check]]\n" + ok + "compare = \"in\"\nlo = 1\n").substr(0, 11), "check[1].hi");
    EXPECT_EQ(error_key("[[check]]\n" + ok + "compare = \"<\"\nthreshold = 1\ncolour = 2\n").substr(0, 15),
              "check[1].colour");
    EXPECT_EQ(error_key("[[check]]\n" + ok + "compare = \"<\"\nthreshold = 1\nselect = { \"model.dpth\" = 2 }\n")
                  .substr(0, 26),
              "check[1].select.model.dpth");
    EXPECT_EQ(error_key("[[check]]\nname = \"a\"\nmetric = \"value\"\ncompare = \"<\"\nthreshold = 1\n").substr(0, 14),
              "check[1].field");
    EXPECT_EQ(error_key(std::string(kDepth3Error) + "[[check]]\nmetric = \"value\"\n").substr(0, 13), "check[2].name");
    EXPECT_EQ(error_key("[check]\nname = \"a\"\n").substr(0, 5), "check");
    EXPECT_EQ(error_key("[[check]]\n" + ok + "compare = \"<\"\nthreshold = \"small\"\n").substr(0, 18),
              "check[1].threshold");
}

TEST(CheckSpec, MeasuredValuesPassOrFail) {
    auto r = evaluate(kDepth3Error, {summary(2, 0.5), summary(3, 1e-4)});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, CheckStatus::Pass) << r[0].detail;
    EXPECT_EQ(r[0].claim, "X");
    EXPECT_EQ(r[0].runs, std::vector<std::string>{"D3"});
    r = evaluate(kDepth3Error, {summary(2, 0.5), summary(3, 2e-3)});
    EXPECT_EQ(r[0].status, CheckStatus::Fail) << r[0].detail;
    const json j = to_json(r[0]);
    EXPECT_EQ(j["status"], "fail");
    EXPECT_FALSE(j["pass"].get<bool>());
}

TEST(CheckSpec, DivergedMissingOrNonFiniteInputsAreNotEvaluated) {
    auto r = evaluate(kDepth3Error, {summary(2, 0.5), diverged(3)});
    EXPECT_EQ(r[0].status, CheckStatus::NotEvaluated);
    EXPECT_NE(r[0].detail.find("diverged"), std::string::npos) << r[0].detail;
    // A selection that matches no run (e.g. a --set that changed the depths).
    r = evaluate(std::string(kDepth3Error).replace(std::string(kDepth3Error).find("= 3 }"), 5, "= 7 }"),
                 {summary(2, 0.5), summary(3, 1e-4)});
    EXPECT_EQ(r[0].status, CheckStatus::NotEvaluated);
    EXPECT_NE(r[0].detail.find("no run matches"), std::string::npos) << r[0].detail;
    // null (a non-finite number in summary.json), a non-finite number in memory, and absent fields.
    RunSummary s = summary(3, 0);
    s.final->values["reconstruction_error"] = std::nullopt;
    r = evaluate(kDepth3Error, {summary(2, 0.5), s});
    EXPECT_EQ(r[0].status, CheckStatus::NotEvaluated) << r[0].detail;
    s.final->values["reconstruction_error"] = NAN;
    r = evaluate(kDepth3Error, {summary(2, 0.5), s});
    EXPECT_EQ(r[0].status, CheckStatus::NotEvaluated) << r[0].detail;
    s.final->values.erase("reconstruction_error");
    r = evaluate(kDepth3Error, {summary(2, 0.5), s});
    EXPECT_EQ(r[0].status, CheckStatus::NotEvaluated) << r[0].detail;
    EXPECT_NE(r[0].detail.find("has no final.reconstruction_error"), std::string::npos) << r[0].detail;
    // A mean over runs one of which diverged is not a mean of the experiment.
    r = evaluate(R"(
[[check]]
name = "mean"
metric = "mean"
field = "final.reconstruction_error"
compare = "<"
threshold = 1
)",
                 {summary(2, 0.5), diverged(3)});
    EXPECT_EQ(r[0].status, CheckStatus::NotEvaluated);
    EXPECT_EQ(r[0].runs, (std::vector<std::string>{"D2", "D3"}));
}

TEST(CheckSpec, VersusInStringsAndPerRun) {
    const std::string checks = R"(
[[check]]
name = "D3 below D2"
metric = "value"
field = "final.reconstruction_error"
select = { label = "D3" }
compare = "<"
versus = { select = { label = "D2" } }
versus_scale = 0.1
[[check]]
name = "{label} error in [0, 0.6]"
metric = "value"
field = "final.reconstruction_error"
per_run = true
compare = "in"
lo = 0
hi = 0.6
[[check]]
name = "status"
metric = "value"
field = "status"
select = { "model.depth" = [3, 4] }
compare = "=="
threshold = "converged"
)";
    auto r = evaluate(checks, {summary(2, 0.5), summary(3, 0.04)});
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0].status, CheckStatus::Pass) << r[0].detail;  // 0.04 < 0.1 * 0.5
    EXPECT_EQ(r[0].runs, (std::vector<std::string>{"D3", "D2"}));
    EXPECT_EQ(r[1].name, "D2 error in [0, 0.6]");
    EXPECT_EQ(r[2].name, "D3 error in [0, 0.6]");
    EXPECT_EQ(r[1].status, CheckStatus::Pass);
    EXPECT_EQ(r[3].status, CheckStatus::Pass) << r[3].detail;
    r = evaluate(checks, {summary(2, 0.5), summary(3, 0.06)});
    EXPECT_EQ(r[0].status, CheckStatus::Fail) << r[0].detail;  // 0.06 >= 0.05
    r = evaluate(checks, {summary(2, 0.7), diverged(3)});
    EXPECT_EQ(r[0].status, CheckStatus::NotEvaluated);
    EXPECT_EQ(r[1].status, CheckStatus::Fail);          // D2: 0.7 outside [0, 0.6]
    EXPECT_EQ(r[2].status, CheckStatus::NotEvaluated);  // D3 diverged
    EXPECT_EQ(r[3].status, CheckStatus::NotEvaluated);
}

TEST(CheckSpec, TypedMetricsReadTheSummaryAndTheAnalysis) {
    const std::string gap = R"(
[[check]]
name = "gap"
metric = "min_t_eps_gap"
select = { label = "D3" }
compare = ">"
threshold = 0.5
)";
    RunSummary s = summary(3, 0);
    s.incremental = IncrementalSummary{};
    s.incremental->components = {{2.0, 1.0, 1.5, 2.0}, {1.0, 3.0, 3.5, 4.0}};
    auto r = evaluate(gap, {summary(2, 0.5), s});
    EXPECT_EQ(r[0].status, CheckStatus::Pass) << r[0].detail;
    EXPECT_EQ(r[0].detail, "smallest gap 2");
    s.incremental->components[1].t_eps = std::nullopt;  // never came within eps
    r = evaluate(gap, {summary(2, 0.5), s});
    EXPECT_EQ(r[0].status, CheckStatus::NotEvaluated) << r[0].detail;
    EXPECT_NE(r[0].detail.find("component 2"), std::string::npos) << r[0].detail;

    // An analysis metric without its analysis section (e.g. another figure kind) is not evaluated.
    const std::string toy = R"(
[[check]]
name = "toy"
metric = "toy_t_half_error"
select = { label = "D3" }
compare = "<"
threshold = 0.1
)";
    r = evaluate(toy, {summary(2, 0.5), summary(3, 0)});
    EXPECT_EQ(r[0].status, CheckStatus::NotEvaluated);
    EXPECT_EQ(r[0].detail, "the analysis has no 'toy_vs_theory'");
    ExperimentAnalysis a;
    a.toy_vs_theory = std::map<std::string, ToyComparison>{{"D3", ToyComparison{0.01, 0.02, {}}}};
    r = evaluate(toy, {summary(2, 0.5), summary(3, 0)}, a);
    EXPECT_EQ(r[0].status, CheckStatus::Pass) << r[0].detail;
    a.toy_vs_theory->at("D3").max_relative_t_half_error = INFINITY;  // a component never reached half
    r = evaluate(toy, {summary(2, 0.5), summary(3, 0)}, a);
    EXPECT_EQ(r[0].status, CheckStatus::NotEvaluated) << r[0].detail;
}

TEST(CheckSpec, ReferenceMetricsReadNoRuns) {
    // The separation preset: thresholds of the toy flow, no runs; its checks may pass and list no runs.
    const Experiment e = parse_experiment(find_preset("separation")->toml, "separation");
    ASSERT_FALSE(e.checks.empty());
    for (const auto& c : e.checks) EXPECT_FALSE(metrics().at(c.metric).reads_runs) << c.name;
}

TEST(CheckSpec, EveryPresetDeclaresItsChecksAsData) {
    for (const auto& p : presets()) {
        if (!p.module.empty()) continue;  // module presets (deep nets) run elsewhere
        if (p.toml.find("[sweep]") != std::string::npos) continue;
        const Experiment e = parse_experiment(p.toml, p.name);
        EXPECT_FALSE(e.checks.empty()) << p.name << " has no [[check]]";
    }
}
