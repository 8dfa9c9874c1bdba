// The LibTorch plugin (src/depthbias/deepnets/plugin_api.hpp, src/cli/plugin_loader.hpp), through the real binary:
// commands that train no deep net start without loading LibTorch (issue 10: start-up, ~0.5-1 s and 160 MiB with
// it); a deep-net command loads libdepthbias_deepnets.so and trains; a missing or foreign plugin is an error that
// names it and says how to build it, and leaves every other command working. What the process loaded is read from
// the dynamic loader's own report (LD_DEBUG=files on stderr: one "calling init: PATH" per shared object, the
// executable's dependencies and everything dlopen'ed later alike). Speed itself: bench/bench_startup.sh.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using depthbias::test_support::CliResult;
using depthbias::test_support::run_cli;
using depthbias::test_support::TempDir;

namespace {

struct Traced {
    CliResult result;
    std::vector<std::string> objects;  // the shared objects the loader initialised, in order
};

Traced traced(const std::string& args, const std::string& env = "") {
    Traced t;
    t.result = run_cli(args, env + "LD_DEBUG=files ");
    std::istringstream lines(t.result.err);
    const std::string mark = "calling init: ";
    for (std::string line; std::getline(lines, line);)
        if (const auto at = line.find(mark); at != std::string::npos) t.objects.push_back(line.substr(at + mark.size()));
    return t;
}

bool loaded(const Traced& t, const std::string& part) {
    for (const auto& o : t.objects)
        if (fs::path(o).filename().string().find(part) != std::string::npos) return true;
    return false;
}

std::string list(const Traced& t) {
    std::string s;
    for (const auto& o : t.objects) s += "\n  " + o;
    return s;
}

const std::string kPlugin = "libdepthbias_deepnets.so";

fs::path plugin_next_to_binary() { return fs::path(DEPTHBIAS_BINARY).parent_path() / kPlugin; }

// A one-epoch run on a tiny synthetic data set (no Fashion-MNIST needed).
std::string tiny_train(const fs::path& out) {
    return "deepnets train --quiet --no-figures --set data.dataset=gaussian-mixture --set data.train_per_class=6 "
           "--set data.test_per_class=4 --set data.mixture_side=4 --set model.width=8 --set model.depth=3 "
           "--set train.epochs=1 --set train.batch_size=8 --set 'train.milestones=[]' --out " + out.string();
}

}  // namespace

TEST(Plugin, CommandsThatTrainNoDeepNetDoNotLoadLibTorch) {
    TempDir dir("plugin-nontorch");
    const std::vector<std::string> commands = {
        "--help",
        "--version",
        "run --help-keys",
        "run --config-reference",
        "theory threshold --depth 3 --ratio 0.5",
        "theory separation",
        "reproduce --list",
        "reproduce toy --no-figures --out " + (dir / "toy").string(),
        "deepnets presets",
        "deepnets reproduce --list",
        "deepnets train --help-keys",
        "deepnets train --help",
    };
    for (const auto& c : commands) {
        const Traced t = traced(c);
        EXPECT_EQ(t.result.code, 0) << c << "\n" << t.result.output;
        // The trace is real (else the checks below pass vacuously): the C++ runtime was seen being initialised.
        EXPECT_TRUE(loaded(t, "libstdc++")) << c << ": no LD_DEBUG trace?" << list(t);
        EXPECT_FALSE(loaded(t, "libtorch")) << c << list(t);
        EXPECT_FALSE(loaded(t, "libc10")) << c << list(t);
        EXPECT_FALSE(loaded(t, kPlugin)) << c << list(t);
    }
    // The deep-net experiments are listed from the embedded presets, without the plugin.
    const CliResult r = run_cli("reproduce --list");
    EXPECT_NE(r.out.find("[deep nets]"), std::string::npos) << r.output;
}

TEST(Plugin, ADeepNetCommandLoadsThePluginInTheSameProcessAndTrains) {
#ifndef DEPTHBIAS_HAVE_TORCH
    GTEST_SKIP() << "built without LibTorch: no plugin";
#else
    ASSERT_TRUE(fs::exists(plugin_next_to_binary())) << plugin_next_to_binary();
    const CliResult info = run_cli("deepnets plugin");
    ASSERT_EQ(info.code, 0) << info.output;
    EXPECT_NE(info.out.find(plugin_next_to_binary().string()), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("LibTorch "), std::string::npos) << info.out;

    TempDir dir("plugin-train");
    const Traced t = traced(tiny_train(dir / "run"));
    ASSERT_EQ(t.result.code, 0) << t.result.out;
    EXPECT_TRUE(loaded(t, kPlugin)) << list(t);
    EXPECT_TRUE(loaded(t, "libtorch")) << list(t);
    // One process: the engine is not loaded a second time as a library (the plugin uses the executable's).
    EXPECT_FALSE(loaded(t, "depthbias_engine")) << list(t);
    const auto summary = nlohmann::json::parse(depthbias::test_support::read_text(dir / "run" / "summary.json"));
    EXPECT_EQ(summary["status"], "completed");
    EXPECT_EQ(summary["epochs_completed"], 1);
#endif
}

TEST(Plugin, FoundAtTheInstallLayout) {
#ifndef DEPTHBIAS_HAVE_TORCH
    GTEST_SKIP() << "built without LibTorch: no plugin";
#else
    // <prefix>/bin/depthbias finds <prefix>/lib/depthbias/libdepthbias_deepnets.so (what `cmake --install` lays out).
    TempDir prefix("plugin-install");
    fs::create_directories(prefix / "bin");
    fs::create_directories(prefix / "lib" / "depthbias");
    fs::copy_file(DEPTHBIAS_BINARY, prefix / "bin" / "depthbias");
    fs::copy_file(plugin_next_to_binary(), prefix / "lib" / "depthbias" / kPlugin);
    const std::string bin = (prefix / "bin" / "depthbias").string();
    const CliResult r = depthbias::test_support::run_shell(bin + " deepnets plugin 2>&1");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.out.find((prefix / "lib" / "depthbias" / kPlugin).string()), std::string::npos) << r.out;
#endif
}

TEST(Plugin, AMissingPluginIsAnErrorThatSaysHowToBuildItAndOtherCommandsStillWork) {
    TempDir dir("plugin-missing");
    const std::string absent = (dir / "absent" / kPlugin).string();
    const std::string env = "DEPTHBIAS_DEEPNETS_PLUGIN=" + absent + " ";
    const std::vector<std::string> needing = {"deepnets train --preset quick --out " + (dir / "t").string(),
                                              "reproduce effective-depth-quick --out " + (dir / "r").string(),
                                              "deepnets plugin"};
    for (const auto& c : needing) {
        const CliResult r = run_cli(c, env);
        EXPECT_EQ(r.code, 1) << c << "\n" << r.output;
        EXPECT_NE(r.err.find(absent), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("libtorch-dev"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("scripts/build.sh"), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(dir / "t" / "summary.json"));
    }
    for (const std::string c : {"reproduce --list", "deepnets presets", "deepnets train --help-keys",
                                "theory threshold --depth 2 --ratio 0.5"}) {  // NOLINT: const char* -> string
        const CliResult r = run_cli(c, env);
        EXPECT_EQ(r.code, 0) << c << "\n" << r.output;
    }
}

TEST(Plugin, AFileThatIsNotThePluginIsAnError) {
    TempDir dir("plugin-foreign");
    // Not a shared object at all.
    const std::string text = dir.write("libdepthbias_deepnets.so", "not a library\n");
    CliResult r = run_cli("deepnets plugin", "DEPTHBIAS_DEEPNETS_PLUGIN=" + text + " ");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.err.find("cannot load"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
    // A shared object without the entry point (the C++ runtime the binary itself loads).
    const Traced t = traced("--version");
    std::string libstdcxx;
    for (const auto& o : t.objects)
        if (o.find("libstdc++") != std::string::npos) libstdcxx = o;
    ASSERT_FALSE(libstdcxx.empty()) << list(t);
    r = run_cli("deepnets plugin", "DEPTHBIAS_DEEPNETS_PLUGIN=" + libstdcxx + " ");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.err.find("depthbias_deepnets_plugin_v2"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(libstdcxx), std::string::npos) << r.err;
}
