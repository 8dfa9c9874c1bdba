// Seeded reproductions of gissin.md section 4, M1 (matrix sensing, reduced size) and M2 (quadratic network,
// full size: it takes about a second). The full-size M1 is tests/long/long_reproduction.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>

#include "depthbias/core/error.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/run/presets.hpp"
#include "support/cli_runner.hpp"
#include "support/preset_runner.hpp"
#include "support/temp_dir.hpp"

using namespace depthbias;
namespace fs = std::filesystem;

namespace {

nlohmann::json reproduce(const std::string& preset, const std::vector<std::string>& sets, int jobs = 1) {
    return test_support::reproduce_preset(preset, sets, jobs);
}

const nlohmann::json& run_with_depth(const nlohmann::json& r, int depth) {
    for (const auto& run : r["runs"])
        if (run["summary"]["depth"] == depth) return run["summary"];
    throw std::runtime_error("no run of depth " + std::to_string(depth));
}

}  // namespace

TEST(Reproduction, M1ReducedMatrixSensing) {
    // d = 20, m = 300 (< d^2 = 400: underdetermined), same targets, init and lr as Figure 1a.
    const auto r = reproduce("fig1a", {"task.d=20", "task.measurements=300", "observe.event_every=1"});
    for (const auto& run : r["runs"]) ASSERT_EQ(run["summary"]["status"], "converged") << run["label"];
    const double e1 = run_with_depth(r, 1)["final"]["reconstruction_error"];
    const double e2 = run_with_depth(r, 2)["final"]["reconstruction_error"];
    const double e4 = run_with_depth(r, 4)["final"]["reconstruction_error"];
    EXPECT_GT(e1, 0.1);   // min-norm-like solution: far from W*
    EXPECT_LT(e2, 5e-3);  // deep models find the low-rank solution
    EXPECT_LT(e4, 1e-3);
    EXPECT_EQ(run_with_depth(r, 4)["incremental"]["verdict"], "incremental");
    EXPECT_TRUE(run_with_depth(r, 4)["incremental"]["largest_first"].get<bool>());
    EXPECT_EQ(run_with_depth(r, 2)["incremental"]["verdict"], "not incremental");
    // One at a time, largest first: t_1/2 strictly increasing and every consecutive pair eps-separated.
    const auto& c = run_with_depth(r, 4)["incremental"]["components"];
    for (size_t i = 1; i < c.size(); ++i) EXPECT_GT(c[i]["t_half"].get<double>(), c[i - 1]["t_half"].get<double>());
    for (const auto& p : run_with_depth(r, 4)["incremental"]["pairs"]) EXPECT_TRUE(p["incremental"].get<bool>());
}

TEST(Reproduction, M2QuadraticNetworkBias) {
    const auto r = reproduce("fig1b", {});
    for (const auto& c : r["checks"]) EXPECT_TRUE(c["pass"].get<bool>()) << c["name"] << ": " << c["detail"];
    EXPECT_EQ(r["checks"].size(), 3u);
}

TEST(Reproduction, DepthSeparationChecks) {
    const auto r = reproduce("separation", {});
    ASSERT_GE(r["checks"].size(), 4u);
    for (const auto& c : r["checks"]) EXPECT_TRUE(c["pass"].get<bool>()) << c["name"] << ": " << c["detail"];
}

TEST(Reproduction, ToyGradientDescentAgainstClosedForm) {
    const auto r = reproduce("toy", {});
    ASSERT_GE(r["checks"].size(), 6u);
    for (const auto& c : r["checks"]) EXPECT_TRUE(c["pass"].get<bool>()) << c["name"] << ": " << c["detail"];
}

TEST(Reproduction, ParallelVariantsGiveTheSameRunsInTheSameOrder) {
    // fig1a at d = 8 (4 variants): one at a time, and 3 at a time (more jobs than cores on a 2-core machine).
    const std::vector<std::string> small{"task.d=8", "task.measurements=60", "task.storage=float32"};
    const auto a = reproduce("fig1a", small, 1);
    const auto b = reproduce("fig1a", small, 3);
    ASSERT_EQ(a["runs"].size(), 4u);
    ASSERT_EQ(b["runs"].size(), a["runs"].size());
    for (size_t i = 0; i < a["runs"].size(); ++i) {
        const auto& x = a["runs"][i];
        const auto& y = b["runs"][i];
        EXPECT_EQ(x["label"], y["label"]);
        EXPECT_EQ(x["summary"]["steps"], y["summary"]["steps"]) << x["label"];
        // bit-identical: every run owns its task, model and random streams
        EXPECT_EQ(x["summary"]["final"]["loss"].get<double>(), y["summary"]["final"]["loss"].get<double>()) << x["label"];
        EXPECT_EQ(x["summary"]["final"]["reconstruction_error"].get<double>(),
                  y["summary"]["final"]["reconstruction_error"].get<double>())
            << x["label"];
    }
    EXPECT_EQ(a["checks"].size(), b["checks"].size());
}

TEST(Reproduction, JobsOneAndTwoWriteByteIdenticalSummaries) {
    // The same experiment with --jobs 1 and --jobs 2: every summary.json byte-identical apart from its timing
    // block (wall time). Experiments with several variants, so that --jobs 2 really runs two at a time.
    const std::vector<std::string> experiments = {
        "fig1a --set task.d=8 --set task.measurements=60 --set task.storage=float32", "toy", "moroshko",
        "fig1c --set task.d=40 --set task.measurements=80"};
    const depthbias::test_support::TempDir dir("jobs-determinism");
    const std::regex timing(",\\n *\"timing\": \\{[^{}]*\\}");
    int compared = 0;
    for (size_t i = 0; i < experiments.size(); ++i) {
        std::map<int, fs::path> out;
        for (int jobs : {1, 2}) {
            out[jobs] = dir / (std::to_string(i) + "-jobs" + std::to_string(jobs));
            const auto r = depthbias::test_support::run_cli("reproduce " + experiments[i] + " --no-figures --jobs " +
                                                            std::to_string(jobs) + " --out " + out[jobs].string());
            ASSERT_TRUE(r.code == 0 || r.code == 4) << experiments[i] << ": " << r.output;
        }
        int here = 0;
        for (const auto& f : fs::recursive_directory_iterator(out[1])) {
            if (f.path().filename() != "summary.json") continue;
            const fs::path other = out[2] / fs::relative(f.path(), out[1]);
            const std::string a = depthbias::test_support::read_text(f.path()),
                              b = depthbias::test_support::read_text(other);
            ASSERT_NE(a.find("\"timing\""), std::string::npos) << f.path();
            const std::string a0 = std::regex_replace(a, timing, ""), b0 = std::regex_replace(b, timing, "");
            EXPECT_EQ(a0.find("\"timing\""), std::string::npos) << f.path();
            EXPECT_EQ(a0, b0) << experiments[i] << ": " << fs::relative(f.path(), out[1]);
            ++here;
        }
        EXPECT_GE(here, 2) << experiments[i];
        compared += here;
    }
    std::printf("%d summary.json files compared\n", compared);
}

TEST(Reproduction, SaddleToSaddleJumpTimesConvergeToTheLimitAlgorithm) {
    // GD on u (.) v at alpha = 1e-2 ... 1e-32 against Pesme & Flammarion's Algorithm 1 (about 5 s on 2 cores).
    const auto r = reproduce("saddle-to-saddle", {}, 0);
    ASSERT_EQ(r["checks"].size(), 5u);
    for (const auto& c : r["checks"]) EXPECT_TRUE(c["pass"].get<bool>()) << c["name"] << ": " << c["detail"];
    for (const auto& run : r["runs"]) EXPECT_EQ(run["summary"]["status"], "converged") << run["label"];
    // The figure's data: a jump-time error per run and the limit's staircase ending at loss 0 (interpolation).
    const auto& a = r["analysis"]["saddle_to_saddle"];
    EXPECT_EQ(a["runs"].size(), r["runs"].size());
    EXPECT_LT(a["limit_jumps"].back()["loss"].get<double>(), 1e-20);
}

TEST(Reproduction, SaddleToSaddleRefusesAModelThatIsNotUTimesV) {
    // The limit process is for u (.) v with u(0) = sqrt2 alpha, v(0) = 0; another shape is a clear error naming it.
    try {
        reproduce("saddle-to-saddle", {"model.shape=[1.0, 1.0]", "dynamics.max_steps=10"}, 1);
        FAIL() << "expected a ConfigError";
    } catch (const depthbias::ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("model.shape"), std::string::npos) << e.what();
    }
}
