// Honesty of the checks, for every shipped preset, through the real binary (DEPTHBIAS_BINARY):
// each preset is broken the cheapest way that leaves its checks without data (a diverging step size; an
// adaptive flow told that any loss is a divergence; a margin budget that stops the dual flow before the checked
// margins) and shrunk so it runs in seconds. Then
//   (a) no check reported `pass` read a run that diverged (the "runs" of each check in experiment.json), and when
//       every run diverged, only checks that read no run (pure references) may pass;
//   (b) the command exits non-zero (3: a run diverged, 4: a check failed or was not evaluated);
//   (c) a check that is not evaluated is printed `[not evaluated]`, never `[pass]`.
// Deep-net presets (experiments/deepnets, found by the binary) run on the synthetic Gaussian mixture with a huge
// learning rate and one epoch when the binary has the LibTorch module (DEPTHBIAS_HAVE_TORCH).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "depthbias/run/presets.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Result {
    int code;
    std::string output;
};

Result run(const std::string& args) {
    const std::string cmd = std::string(DEPTHBIAS_BINARY) + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (fgets(buf, sizeof buf, p)) out += buf;
    const int status = pclose(p);
    return {WEXITSTATUS(status), out};
}

fs::path fresh_dir(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("depthbias-honesty-" + name + "-" + std::to_string(getpid()));
    fs::remove_all(d);
    return d;
}

std::string sets(const std::vector<std::string>& kv) {
    std::string s;
    for (const auto& x : kv) s += " --set '" + x + "'";
    return s;
}

// How to break (and shrink) a linear preset, from its own TOML: the dynamics kind and the task decide.
struct Breaking {
    std::vector<std::string> sets;
    bool all_diverge = true;  // runs diverge; false: the runs finish but every checked datum is missing
};

Breaking breaking_for(const std::string& toml_text) {
    const toml::table t = toml::parse(toml_text);
    const std::string dyn = t["dynamics"]["kind"].value_or(std::string("gd"));
    const std::string task = t["task"]["kind"].value_or(std::string("sensing"));
    Breaking b;
    bool variants_set_lr = false;  // (a variant's own dynamics.lr wins over --set: break by divergence_factor)
    if (const auto* vs = t["variant"].as_array())
        for (const auto& v : *vs)
            if (const auto* vt = v.as_table(); vt && vt->contains("dynamics.lr")) variants_set_lr = true;
    if (dyn == "gd" && variants_set_lr) {
        b.sets = {"dynamics.divergence_factor=1e-12", "dynamics.max_steps=200"};
    } else if (dyn == "gd") {
        b.sets = {"dynamics.lr=1e3", "dynamics.max_steps=200"};
    } else if (dyn == "mirror" || dyn == "group_rmsprop") {
        // The mirror presets set their steps per variant (a step-size break would leave them intact), and
        // GroupRMSprop's normalized step moves by ~lr whatever the gradient: a divergence factor below 1 declares
        // every run diverged, as for the flow.
        b.sets = {"dynamics.divergence_factor=1e-12", "dynamics.max_steps=200"};
    } else if (dyn == "flow") {
        // The adaptive flow does not diverge by step size; a divergence factor below 1 declares any loss above a
        // tiny fraction of the initial one a divergence (the run's "diverged" status, as a blow-up would give).
        b.sets = {"dynamics.divergence_factor=1e-12", "dynamics.max_steps=50"};
    } else {  // dual_flow: stop at margin 5, before the checked margins 10 .. 1e6
        b.sets = {"dynamics.max_margin=5"};
        b.all_diverge = false;
    }
    // Smaller problems (setup, references and analysis in well under a second each).
    if (task == "sensing" || task == "quadratic") b.sets.insert(b.sets.end(), {"task.d=6", "task.measurements=30"});
    if (task == "classification" && !t["task"]["signed_inputs"])
        b.sets.insert(b.sets.end(), {"task.d=12", "task.measurements=24", "task.test_samples=50"});
    if (task == "regression") b.sets.insert(b.sets.end(), {"task.d=30", "task.measurements=15", "task.test_samples=20"});
    return b;
}

std::set<std::string> diverged_runs(const json& e) {
    std::set<std::string> s;
    for (const auto& r : e["runs"]) {
        const json& sm = r.contains("summary") ? r["summary"] : r;
        if (sm.value("status", "") == "diverged") s.insert(r["label"].get<std::string>());
    }
    return s;
}

// (a) and (c) for one experiment.json and its printed output.
void expect_honest(const std::string& name, const json& e, const std::string& printed, bool all_diverged,
                   bool all_broken) {
    const auto bad = diverged_runs(e);
    for (const auto& c : e["checks"]) {
        const std::string status = c.value("status", "");
        ASSERT_TRUE(status == "pass" || status == "fail" || status == "not_evaluated") << name << ": " << c.dump();
        EXPECT_EQ(c["pass"].get<bool>(), status == "pass") << name << ": " << c.dump();
        const json runs = c.value("runs", json::array());
        if (status == "pass") {
            for (const auto& r : runs) {
                EXPECT_FALSE(bad.count(r.get<std::string>())) << name << ": passed on a diverged run: " << c.dump();
            }
            if (all_diverged || all_broken) {
                EXPECT_TRUE(runs.empty()) << name << ": passed on broken runs: " << c.dump();
            }
        }
        const std::string line = "] " + c["name"].get<std::string>() + ":";
        if (status == "not_evaluated") {
            EXPECT_NE(printed.find("[not evaluated" + line), std::string::npos) << name << ": " << printed;
        }
        if (status != "pass") {
            EXPECT_EQ(printed.find("[pass" + line), std::string::npos) << name << ": " << printed;
        }
    }
}

}  // namespace

TEST(Honesty, EveryLinearPresetBrokenReportsNoPassOnBrokenRunsAndExitsNonZero) {
    const auto dir = fresh_dir("linear");
    int tested = 0;
    for (const auto& p : depthbias::presets()) {
        if (!p.module.empty()) continue;  // module presets (deep nets) run elsewhere
        if (p.toml.find("[sweep]") != std::string::npos) continue;  // sweeps have no checks; `depthbias sweep`
        const Breaking b = breaking_for(p.toml);
        const fs::path out = dir / p.name;
        const auto t0 = std::chrono::steady_clock::now();
        const Result r = run("reproduce " + p.name + sets(b.sets) + " --no-figures --jobs 2 --out " + out.string());
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        ASSERT_TRUE(fs::exists(out / "experiment.json")) << p.name << " (exit " << r.code << "): " << r.output;
        const json e = json::parse(std::ifstream(out / "experiment.json"));
        EXPECT_LT(secs, 20) << p.name << " is too slow for this test";
        if (e["runs"].empty()) {  // a pure reference (the separation map): nothing to break, no run to read
            for (const auto& c : e["checks"]) EXPECT_TRUE(c.value("runs", json::array()).empty()) << c.dump();
            continue;
        }
        ++tested;
        // A diverging step need not break every run (a linear classifier under the exponential loss can jump to a
        // large margin and converge): at least one must diverge, and the checks on the others may still pass.
        const auto bad = diverged_runs(e);
        const bool all_diverged = bad.size() == e["runs"].size();
        if (b.all_diverge) {
            ASSERT_FALSE(bad.empty()) << p.name << ": the break made no run diverge";
            EXPECT_EQ(r.code, 3) << p.name << ": " << r.output;
        } else {
            EXPECT_EQ(r.code, 4) << p.name << ": " << r.output;
        }
        EXPECT_NE(r.code, 0) << p.name;
        // Something was checked against the runs, and it was not evaluated (nothing passed on broken data).
        int reading = 0;
        for (const auto& c : e["checks"]) reading += !c.value("runs", json::array()).empty();
        EXPECT_GT(reading, 0) << p.name << ": no check reads the runs";
        expect_honest(p.name, e, r.output, all_diverged, !b.all_diverge);
    }
    EXPECT_GE(tested, 9);  // fig1a, fig1b, fig1c, fig1d, toy, moroshko, kernel-rich, omp, saddle-to-saddle
    fs::remove_all(dir);
}

TEST(Honesty, ToyWithFiguresAtADivergingStepIsNotAPass) {
    // The reported case: `reproduce toy --set dynamics.lr=5` diverged every run, exited 3 and printed
    // "[pass] ... max relative error 0". With figures on (the analysis runs inside the figure code).
    const auto dir = fresh_dir("toy");
    const Result r = run("reproduce toy --set dynamics.lr=5 --out " + (dir / "out").string());
    EXPECT_EQ(r.code, 3) << r.output;
    EXPECT_EQ(r.output.find("[pass]"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("[not evaluated]"), std::string::npos) << r.output;
    fs::remove_all(dir);
}

TEST(Honesty, DeepNetPresetsBrokenReportNoPassAndExitNonZero) {
#ifndef DEPTHBIAS_HAVE_TORCH
    GTEST_SKIP() << "built without LibTorch: no deep-net presets";
#else
    const auto dir = fresh_dir("deep");
    const Result list = run("deepnets presets");
    ASSERT_EQ(list.code, 0) << list.output;
    // Tiny synthetic data, one epoch, a learning rate that overflows the weights: every run diverges.
    // (each --set is validated on its own: the sample counts before the dataset that needs them)
    const std::vector<std::string> tiny = {"data.train_per_class=6", "data.test_per_class=4",
                                           "data.dataset=gaussian-mixture", "data.mixture_side=4", "model.width=8",
                                           "train.epochs=1", "train.batch_size=8", "train.lr=1e30",
                                           "train.milestones=[]"};
    int experiments = 0, singles = 0;
    std::istringstream lines(list.output);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream w(line);
        std::string name;
        w >> name;
        if (name.empty() || line.find("[") == std::string::npos) continue;
        const bool experiment = line.find("[experiment") != std::string::npos;
        const fs::path out = dir / name;
        if (!experiment) {  // a single-run preset: `deepnets train --preset`
            const Result r = run("deepnets train --preset " + name + sets(tiny) + " --out " + out.string());
            EXPECT_EQ(r.code, 3) << name << ": " << r.output;
            ++singles;
            continue;
        }
        std::vector<std::string> s = tiny;
        s.push_back("experiment.seeds=[0]");
        if (line.find("bound") != std::string::npos || name.find("bound") != std::string::npos)
            s.insert(s.end(), {"experiment.bound_m_per_class=2", "experiment.bound_draws=1"});
        const Result r = run("reproduce " + name + sets(s) + " --no-figures --out " + out.string());
        ASSERT_TRUE(fs::exists(out / "experiment.json")) << name << " (exit " << r.code << "): " << r.output;
        const json e = json::parse(std::ifstream(out / "experiment.json"));
        ASSERT_FALSE(e["runs"].empty()) << name;
        EXPECT_EQ(diverged_runs(e).size(), e["runs"].size()) << name << ": the break did not make every run diverge";
        EXPECT_EQ(r.code, 3) << name << ": " << r.output;
        for (const auto& c : e["checks"]) {
            EXPECT_NE(c["status"], "pass") << name << ": " << c.dump();
            EXPECT_FALSE(c["pass"].get<bool>()) << name << ": " << c.dump();
        }
        for (const auto& pv : e.value("per_value", json::array())) {  // the bound: no verdict on diverged runs
            if (pv.contains("valid")) {
                EXPECT_TRUE(pv["valid"].is_null()) << name << ": " << pv.dump();
            }
        }
        ++experiments;
    }
    EXPECT_GE(experiments, 6) << list.output;
    EXPECT_GE(singles, 2) << list.output;
    fs::remove_all(dir);
#endif
}
