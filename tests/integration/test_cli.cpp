// The command line end to end (the built binary): exit codes, messages naming the bad key, and nothing
// half-written that looks complete.
#include <gtest/gtest.h>

#include "depthbias/run/presets.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

using depthbias::test_support::CliResult;
using depthbias::test_support::TempDir;

CliResult run(const std::string& args) { return depthbias::test_support::run_cli(args); }

TempDir fresh_dir(const std::string& name) { return TempDir("cli-" + name); }

std::string write_config(const fs::path& dir, const std::string& text) {
    fs::create_directories(dir);
    const fs::path f = dir / "config.toml";
    std::ofstream(f) << text;
    return f.string();
}

const char* kSmallRun = R"(
[task]
kind = "sensing"
d = 6
measurements = 40
target = [3.0, 1.0]
[model]
kind = "deep_matrix"
depth = 3
init_scale = 1e-3
[dynamics]
lr = 0.01
loss_threshold = 1e-4
max_steps = 20000
)";

}  // namespace

TEST(Cli, RunWritesACompleteRunDirectory) {
    const auto dir = fresh_dir("ok");
    const auto cfg = write_config(dir, kSmallRun);
    const auto r = run("run " + cfg + " --out " + (dir / "out").string());
    ASSERT_EQ(r.code, 0) << r.output;
    for (const char* f : {"experiment.json", "run/config.resolved.toml", "run/manifest.json", "run/timeseries.csv",
                          "run/events.csv", "run/summary.json", "run/spectrum.png", "run/spectrum.svg"})
        EXPECT_TRUE(fs::exists(dir / "out" / f)) << f;
    nlohmann::json s = nlohmann::json::parse(std::ifstream(dir / "out/run/summary.json"));
    EXPECT_EQ(s["status"], "converged");
    EXPECT_LT(s["final"]["loss"].get<double>(), 1e-4);
    nlohmann::json m = nlohmann::json::parse(std::ifstream(dir / "out/run/manifest.json"));
    EXPECT_EQ(m["seed"], 0);
    EXPECT_TRUE(m["libraries"].contains("eigen"));
    // A finished run is not overwritten without --force.
    const auto again = run("run " + cfg + " --out " + (dir / "out").string());
    EXPECT_EQ(again.code, 2);
    EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
    fs::remove_all(dir);
}

// --flat: the one run's five files directly in --out (what a sweep point writes), no experiment.json; an
// experiment that is not one run is refused naming --flat before anything is written.
TEST(Cli, FlatLayoutWritesTheRunFilesAloneAndRefusesExperimentsOfSeveralRuns) {
    const auto dir = fresh_dir("flat");
    const auto cfg = write_config(dir, kSmallRun);
    const auto r = run("run " + cfg + " --flat --no-figures --out " + (dir / "out").string());
    ASSERT_EQ(r.code, 0) << r.output;
    std::set<std::string> names;
    for (const auto& f : fs::directory_iterator(dir / "out")) names.insert(f.path().filename().string());
    EXPECT_EQ(names, (std::set<std::string>{"config.resolved.toml", "manifest.json", "timeseries.csv", "events.csv",
                                            "summary.json"}));
    nlohmann::json s = nlohmann::json::parse(std::ifstream(dir / "out/summary.json"));
    EXPECT_EQ(s["status"], "converged");

    const struct {
        std::string text, says;
    } refused[] = {
        {std::string(kSmallRun) + "[[variant]]\nlabel = \"a\"\n[[variant]]\nlabel = \"b\"\n\"model.depth\" = 2\n",
         "2 runs"},
        {std::string(kSmallRun) + "[[check]]\nname = \"fits\"\nmetric = \"value\"\nfield = \"final.loss\"\n"
                                  "compare = \"<\"\nthreshold = 1e-3\n",
         "[[check]]"},
        {"[experiment]\nfigure = \"separation\"\n", "0 runs"},
    };
    int i = 0;
    for (const auto& c : refused) {
        const fs::path sub = dir / ("refused-" + std::to_string(i++));
        const auto bad_cfg = write_config(sub, c.text);
        const auto bad = run("run " + bad_cfg + " --flat --no-figures --out " + (sub / "out").string());
        EXPECT_EQ(bad.code, 2) << bad.output;
        EXPECT_NE(bad.err.find("'--flat'"), std::string::npos) << bad.output;
        EXPECT_NE(bad.err.find(c.says), std::string::npos) << bad.output;
        EXPECT_FALSE(fs::exists(sub / "out")) << c.says;
        // The same config runs in the default layout.
        EXPECT_NE(run("run " + bad_cfg + " --no-figures --out " + (sub / "nested").string()).code, 2) << c.says;
    }
    fs::remove_all(dir);
}

TEST(Cli, SameConfigGivesTheSameNumbers) {
    const auto dir = fresh_dir("det");
    const auto cfg = write_config(dir, kSmallRun);
    ASSERT_EQ(run("run " + cfg + " --no-figures --out " + (dir / "a").string()).code, 0);
    ASSERT_EQ(run("run " + cfg + " --no-figures --out " + (dir / "b").string()).code, 0);
    auto read = [](const fs::path& p) {
        std::stringstream s;
        s << std::ifstream(p).rdbuf();
        return s.str();
    };
    EXPECT_EQ(read(dir / "a/run/timeseries.csv"), read(dir / "b/run/timeseries.csv"));
    EXPECT_EQ(read(dir / "a/run/events.csv"), read(dir / "b/run/events.csv"));
    fs::remove_all(dir);
}

TEST(Cli, BadInputNamesTheKeyAndWritesNothingFinal) {
    const auto dir = fresh_dir("bad");
    struct Case {
        std::string text, set, key;
    };
    const std::vector<Case> cases = {
        {std::string(kSmallRun) + "[observe]\ntopk = 3\n", "", "observe.topk"},
        {kSmallRun, "--set model.depth=0", "model.depth"},
        {kSmallRun, "--set dynamics.lr=-0.1", "dynamics.lr"},
        {kSmallRun, "--set dynamics.lr=nan", "dynamics.lr"},
        {kSmallRun, "--set model.depth=deep", "model.depth"},
        {"[task]\nd = \"big\"\n", "", "task.d"},
    };
    int i = 0;
    for (const auto& c : cases) {
        const auto cfg = write_config(dir / std::to_string(i), c.text);
        const fs::path out = dir / std::to_string(i) / "out";
        const auto r = run("run " + cfg + " " + c.set + " --out " + out.string());
        EXPECT_EQ(r.code, 2) << c.key << ": " << r.output;
        EXPECT_NE(r.output.find("'" + c.key + "'"), std::string::npos) << r.output;
        EXPECT_FALSE(fs::exists(out / "experiment.json")) << c.key;
        EXPECT_FALSE(fs::exists(out / "run" / "summary.json")) << c.key;
        ++i;
    }
    fs::remove_all(dir);
}

TEST(Cli, UnwritableOutputDirectoryIsAClearError) {
    const auto dir = fresh_dir("unwritable");
    const auto cfg = write_config(dir, kSmallRun);
    std::ofstream(dir / "a-file") << "x";
    const auto r = run("run " + cfg + " --out " + (dir / "a-file" / "sub").string());
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("--out"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("a-file"), std::string::npos) << r.output;
    fs::remove_all(dir);
}

TEST(Cli, MissingConfigAndUnknownPresetAreClear) {
    auto r = run("run /nonexistent/config.toml --out /tmp/never");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.output.find("/nonexistent/config.toml"), std::string::npos) << r.output;
    r = run("reproduce fig9z");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.output.find("fig1a"), std::string::npos) << r.output;  // lists what exists
    // No name (or an empty one): the list, and an error naming the argument (found by the fuzzer: exit 2 with
    // nothing on stderr).
    for (const char* args : {"reproduce", "reproduce ''"}) {
        r = run(args);
        EXPECT_EQ(r.code, 2) << args;
        EXPECT_NE(r.out.find("fig1a"), std::string::npos) << r.out;
        EXPECT_NE(r.err.find("invalid 'NAME'"), std::string::npos) << args << ": " << r.err;
    }
}

TEST(Cli, DivergedRunIsReportedAsDiverged) {
    const auto dir = fresh_dir("diverge");
    const auto cfg = write_config(dir, kSmallRun);
    const auto r = run("run " + cfg + " --no-figures --set dynamics.lr=50 --set model.init_scale=1 --out " +
                       (dir / "out").string());
    EXPECT_EQ(r.code, 3) << r.output;
    nlohmann::json s = nlohmann::json::parse(std::ifstream(dir / "out/run/summary.json"));
    EXPECT_EQ(s["status"], "diverged");
    EXPECT_FALSE(s.contains("final"));  // no numbers that could be mistaken for a result
    EXPECT_NE(s["stop_reason"].get<std::string>().find("lr = 50"), std::string::npos);
    fs::remove_all(dir);
}

TEST(Cli, TheoryThresholdPrintsTheDigestValue) {
    // gissin.md 2.2 table: N = 4, targets (1, 0.5), eps = 0.05 -> 5.58e-3.
    const auto r = run("theory threshold --depth 4 --ratio 0.5 --eps 0.05");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("0.0055"), std::string::npos) << r.output;
    EXPECT_EQ(run("theory threshold --depth 0 --ratio 0.5").code, 2);
}

TEST(Cli, TheoryReportsQuantitiesBelowDoubleRangeInLog10NeverAsZero) {
    // Depth 2, r = 0.995: the threshold is about 1e-511 (issue 11), far below double range.
    const auto r = run("theory threshold --depth 2 --ratio 0.995 --eps 0.05");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(r.out.find("sigma0 = 0 "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("log10 = -510.6"), std::string::npos) << r.out;
    // The separation table prints -log10 sigma0_max, as its help says: every cell positive, none 0 or inf.
    const auto sep = run("theory separation --eps 1e-6");
    ASSERT_EQ(sep.code, 0) << sep.output;
    std::istringstream lines(sep.out);
    std::string line;
    int cells = 0;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#' || line[0] == 'r') continue;
        std::istringstream row(line);
        double ratio, v;
        row >> ratio;
        while (row >> v) {
            EXPECT_GT(v, 0) << line;
            EXPECT_TRUE(std::isfinite(v)) << line;
            ++cells;
            if (row.peek() == '~') row.get();
        }
    }
    EXPECT_EQ(cells, 20) << sep.out;
}

TEST(Cli, TheoryOptionsAreCheckedUnderTheNamesTheUserTyped) {
    const auto deep = run("theory threshold --depth 100000 --ratio 0.5");  // used to run for minutes
    EXPECT_EQ(deep.code, 2);
    EXPECT_NE(deep.err.find("'--depth'"), std::string::npos) << deep.err;
    const auto one = run("theory threshold --depth 2 --ratio 1");
    EXPECT_EQ(one.code, 2);
    EXPECT_NE(one.err.find("'--ratio'"), std::string::npos) << one.err;
    const auto tiny = run("theory threshold --depth 2 --ratio 1e-300");  // used to complain about 'sigma0'
    EXPECT_EQ(tiny.code, 0) << tiny.output;
    const auto sol = run("theory solution --depth 2 --sigma0 2");
    EXPECT_EQ(sol.code, 2);
    EXPECT_TRUE(sol.out.empty()) << "partial CSV on stdout: " << sol.out;
    EXPECT_NE(sol.err.find("'--sigma0'"), std::string::npos) << sol.err;
    const auto t = run("theory time --depth 2 --sigma0 0.6 --alpha 0.5");
    EXPECT_EQ(t.code, 0);
    EXPECT_NE(t.out.find("already at or above"), std::string::npos) << t.out;
}

TEST(Cli, HugeOrShortSettingsEndWithAnErrorOrAnUnevaluatedCheck) {
    depthbias::test_support::TempDir dir("huge");
    // Used to end in std::bad_alloc (exit 1): now an error naming the key, with the memory it would need.
    const auto huge = run("reproduce fig1b --set task.d=1e9 --no-figures --out " + (dir.path() / "a").string());
    EXPECT_EQ(huge.code, 2) << huge.output;
    EXPECT_NE(huge.err.find("'task.d'"), std::string::npos) << huge.err;
    EXPECT_NE(huge.err.find("GiB"), std::string::npos) << huge.err;
    const auto wide = run("reproduce fig1b --set observe.top_k=100000 --no-figures --out " + (dir.path() / "b").string());
    EXPECT_EQ(wide.code, 2) << wide.output;  // used to run past a minute
    EXPECT_NE(wide.err.find("'observe.top_k'"), std::string::npos) << wide.err;
    // A check that reads the 5th eigenvalue of a run that recorded 3: not evaluated (used to be a JSON type error).
    const auto shortk = run("reproduce fig1b --set observe.top_k=3 --no-figures --out " + (dir.path() / "c").string());
    EXPECT_EQ(shortk.code, 4) << shortk.output;
    EXPECT_NE(shortk.out.find("[not evaluated]"), std::string::npos) << shortk.out;
}

TEST(Cli, AWallClockBudgetEndsARunWithItsOwnStatusAndExitCode) {
    depthbias::test_support::TempDir dir("wall");
    const auto cfg = dir.write("long.toml", R"(
[task]
kind = "sensing"
d = 20
measurements = 200
[model]
kind = "deep_matrix"
depth = 3
[dynamics]
lr = 1e-3
max_steps = 100000000
loss_threshold = 0
)");
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run("run " + cfg + " --max-wall-seconds 0.3 --no-figures --out " + (dir.path() / "out").string());
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.code, 5) << r.output;
    EXPECT_LT(secs, 10) << "the budget did not stop the run";
    const auto s = nlohmann::json::parse(std::ifstream(dir.path() / "out/run/summary.json"));
    EXPECT_EQ(s["status"], "wall_budget_exhausted");
    EXPECT_NE(s["stop_reason"].get<std::string>().find("wall-clock budget of 0.3 s"), std::string::npos);
    const auto resolved = depthbias::test_support::run_shell("cat " + (dir.path() / "out/run/config.resolved.toml").string());
    EXPECT_EQ(resolved.out.find("wall"), std::string::npos) << "a run option, not a config key (sweep hashes)";
    EXPECT_EQ(run("run " + cfg + " --max-wall-seconds -1 --out " + (dir.path() / "bad").string()).code, 2);
}

TEST(Cli, ResumingOnAChangedDataFileIsAnErrorNamingTheKey) {
    // A run on user data stopped by its wall budget keeps a checkpoint; continuing it on a different file would mix
    // two data sets. The manifest records the file's digest and --resume compares it.
    depthbias::test_support::TempDir dir("datachanged");
    std::string data = "x0,x1,x2,x3,y\n";
    for (int i = 0; i < 3; ++i)  // 3 points in 4 dimensions: underdetermined, never reaches loss 0 exactly
        data += std::to_string(i + 1) + ".5," + std::to_string(2 - i) + ".25,0.5," + std::to_string(i) + ".0," +
                std::to_string(i + 2) + ".0\n";
    const auto file = dir.write("points.csv", data);
    const auto cfg = dir.write("long.toml", "[task]\nkind = \"regression\"\nd = 4\nmeasurements = 3\ndata_file = \"" +
                                                file + "\"\n[model]\nkind = \"diagonal_product\"\ndepth = 3\n"
                                                "[dynamics]\nlr = 1e-4\nmax_steps = 1000000000\nloss_threshold = 0\n");
    const std::string out = (dir.path() / "out").string();
    const auto first = run("run " + cfg + " --max-wall-seconds 0.3 --checkpoint-seconds 0.05 --no-figures --out " + out);
    ASSERT_EQ(first.code, 5) << first.output;
    const auto manifest = nlohmann::json::parse(std::ifstream(dir.path() / "out/run/manifest.json"));
    ASSERT_TRUE(manifest["data_file"].is_object()) << manifest.dump();
    EXPECT_EQ(manifest["data_file"]["bytes"].get<std::size_t>(), data.size());
    EXPECT_EQ(manifest["data_file"]["fnv1a64"].get<std::string>().size(), 16u);
    // The same file: the run continues (and stops at its budget again).
    EXPECT_EQ(run("run " + cfg + " --resume --max-wall-seconds 0.3 --no-figures --out " + out).code, 5);
    // One value changed: an error naming task.data_file, and the run directory is kept as it was.
    const auto before = depthbias::test_support::run_shell("cat " + out + "/run/manifest.json").out;
    std::string changed = data;
    changed[changed.find("0.5")] = '7';
    dir.write("points.csv", changed);
    const auto r = run("run " + cfg + " --resume --max-wall-seconds 0.3 --no-figures --out " + out);
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("task.data_file"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("has changed"), std::string::npos) << r.output;
    EXPECT_EQ(depthbias::test_support::run_shell("cat " + out + "/run/manifest.json").out, before);
}

TEST(Cli, HelpListsTheCommands) {
    const auto r = run("--help");
    EXPECT_EQ(r.code, 0);
    for (const char* c : {"run", "reproduce", "theory"}) EXPECT_NE(r.output.find(c), std::string::npos) << c;
    const auto keys = run("run --help-keys");
    EXPECT_NE(keys.output.find("model.init_scale"), std::string::npos);
}

TEST(Cli, EveryEmbeddedPresetIsListedByOneExperimentKind) {
    // `reproduce --list` goes through the registry of experiment kinds (registered in the CLI target); every
    // embedded preset (experiments/*.toml and experiments/<module>/*.toml) that is an experiment must be listed,
    // from any working directory (embedded, not found on disk).
    const std::string cmd = "cd / && env -u DEPTHBIAS_DEEPNETS_PRESETS " + std::string(DEPTHBIAS_BINARY) + " reproduce --list 2>&1";
    FILE* f = popen(cmd.c_str(), "r");
    ASSERT_NE(f, nullptr);
    std::string out;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    ASSERT_EQ(pclose(f), 0) << out;
    int listed = 0;
    for (const auto& p : depthbias::presets()) {
        const bool single_run = p.module == "deepnets" && p.toml.find("[experiment]") == std::string::npos;
        const bool shown = out.find("\n  " + p.name + ": ") != std::string::npos;
        // With or without the LibTorch plugin: the deep-net experiments are listed by the executable itself.
        EXPECT_EQ(shown, !single_run) << p.name << "\n" << out;
        listed += shown;
    }
    EXPECT_GE(listed, 11);
}
