// Fuzzed input: seeded generators mutate every shipped linear preset (`run`), preset names and --set overrides
// (`reproduce`), the [sweep] table of a small sweep (`sweep`), the options of every `theory` subcommand, and a
// tiny deep-net config (`deepnets train`, when the binary has it): wrong types, out-of-range and non-finite
// numbers, unknown keys and sections, truncated TOML, huge arrays, grids and sizes, empty strings, output paths
// under a regular file or under /proc. Each case is run by the real binary (under `timeout`; the runs with a small
// wall-clock budget) and must end as one of:
//   exit 2 with a message that names the key or option, and nothing that looks finished written;
//   a finished command (exit 0, 3 a run diverged, 4 a check failed / not evaluated) with its finished outputs;
//   exit 5, the wall-clock budget status;
// never a crash (a signal, a timeout, or exit 1 from an unexpected exception). DEPTHBIAS_FUZZ_CASES sets the
// number of `run` cases (default 60); the other generators scale with it (reproduce 1/3, sweep 5/12, theory 1/2,
// deepnets 1/4 of it). The ctest `FuzzInputsLargeCorpus` (label long) runs them all with 1000.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <toml++/toml.h>

#include "depthbias/run/config.hpp"
#include "depthbias/run/presets.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using depthbias::test_support::CliResult;
using depthbias::test_support::run_cli;
using depthbias::test_support::TempDir;

namespace {

struct Case {
    std::string what;   // for messages
    std::string toml;   // the config file
    std::string out;    // --out (empty: a fresh directory)
};

std::string dump(const toml::table& t) {
    std::ostringstream s;
    s << t;
    return s.str();
}

// Every dotted "section.key" of the document's top-level tables (not [[variant]] or [[check]] arrays).
std::vector<std::pair<std::string, std::string>> keys_of(const toml::table& doc) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [sec, node] : doc)
        if (const auto* t = node.as_table())
            for (const auto& [k, v] : *t) out.emplace_back(std::string(sec.str()), std::string(k.str()));
    return out;
}

Case mutate(const depthbias::Preset& p, std::mt19937_64& rng, const fs::path& scratch) {
    toml::table doc = toml::parse(p.toml, p.name);
    const auto keys = keys_of(doc);
    std::uniform_int_distribution<int> pick_kind(0, 13);
    const int kind = pick_kind(rng);
    Case c;
    auto pick_key = [&]() { return keys[std::uniform_int_distribution<size_t>(0, keys.size() - 1)(rng)]; };
    auto set = [&](const std::string& sec, const std::string& key, auto value, const std::string& label) {
        if (!doc[sec].as_table()) doc.insert_or_assign(sec, toml::table{});
        doc[sec].as_table()->insert_or_assign(key, value);
        c.what = p.name + ": " + sec + "." + key + " = " + label;
    };
    switch (kind) {
        case 0: { auto [s, k] = pick_key(); set(s, k, std::string("fuzz"), "\"fuzz\""); break; }
        case 1: { auto [s, k] = pick_key(); set(s, k, -1.0, "-1"); break; }
        case 2: { auto [s, k] = pick_key(); set(s, k, 0, "0"); break; }
        case 3: { auto [s, k] = pick_key(); set(s, k, 1e300, "1e300"); break; }
        case 4: { auto [s, k] = pick_key(); set(s, k, std::numeric_limits<double>::infinity(), "inf"); break; }
        case 5: { auto [s, k] = pick_key(); set(s, k, std::numeric_limits<double>::quiet_NaN(), "nan"); break; }
        case 6: { auto [s, k] = pick_key(); set(s, k, toml::array{1, "two", 3.0}, "[1, \"two\", 3.0]"); break; }
        case 7: { auto [s, k] = pick_key(); set(s, k, std::string(""), "\"\""); break; }
        case 8: { auto [s, k] = pick_key(); set(s, k, std::int64_t(1) << 40, "2^40"); break; }
        case 9: {
            toml::array big;
            for (int i = 0; i < 100000; ++i) big.push_back(1.0 + i);
            set("task", "target", big, "100000 values");
            break;
        }
        case 10: { auto [s, k] = pick_key(); set(s, k + "_fuzz", 1, "1 (unknown key)"); break; }
        case 11: doc.insert_or_assign("fuzz_section", toml::table{{"x", 1}}); c.what = p.name + ": unknown section"; break;
        case 12: {
            // Output under a regular file, or under /proc (CI runs as root: permissions do not stop it).
            std::ofstream(scratch / "a-file") << "x";
            c.out = std::uniform_int_distribution<int>(0, 1)(rng) ? (scratch / "a-file" / "out").string()
                                                                    : std::string("/proc/depthbias-fuzz/out");
            c.what = p.name + ": --out " + c.out;
            break;
        }
        default: break;  // 13: truncated below
    }
    c.toml = dump(doc);
    if (kind == 13) {
        const size_t cut = std::uniform_int_distribution<size_t>(1, c.toml.size() - 1)(rng);
        c.toml = c.toml.substr(0, cut);
        c.what = p.name + ": truncated at byte " + std::to_string(cut);
    }
    return c;
}

int fuzz_cases() {
    const char* env = std::getenv("DEPTHBIAS_FUZZ_CASES");
    return env ? std::max(1, std::atoi(env)) : 60;
}

// Every command runs under `timeout`: a case that runs this long is a hang, not a result.
constexpr const char* kTimeout = "timeout 60 ";

template <class T>
const T& pick(const std::vector<T>& v, std::mt19937_64& rng) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

// Values that are wrong for most keys, as TOML literals (for --set and for TOML files).
const std::vector<std::string>& bad_literals() {
    static const std::vector<std::string> v = {"\"fuzz\"", "-1", "0", "1e300", "inf", "nan", "-inf", "[1, \"two\", 3.0]",
                                               "\"\"", "1099511627776", "1e9", "[]", "true", "[1e300, -1e300]",
                                               "-9223372036854775808", "{ a = 1 }"};
    return v;
}

// Counts of outcome classes, printed at the end of each generator.
struct Tally {
    int cases = 0, bad_input = 0, key_named = 0, completed = 0, budget = 0, crashes = 0;
    void print(const char* what) const {
        std::printf("fuzzed %d %s cases: %d bad input (exit 2; %d naming the mutated key or option), %d completed "
                    "(%d by the wall-clock budget), %d crashes\n", cases, what, bad_input, key_named, completed, budget,
                    crashes);
    }
};

// The common part of every check: no signal, no timeout, no exit 1. False (and a failure) otherwise; the
// generator goes on, so that one run lists every crash of its corpus.
bool no_crash(const CliResult& r) {
    EXPECT_LT(r.code, 124) << "killed by a signal or timed out (exit " << r.code << "): " << r.output;
    EXPECT_NE(r.code, 1) << "unexpected failure (exit 1): " << r.output;
    return r.code < 124 && r.code != 1;
}

}  // namespace

TEST(FuzzInputs, MutatedPresetsEndCleanlyNeverCrash) {
    const int n = fuzz_cases();
    std::vector<const depthbias::Preset*> presets;
    for (const auto& p : depthbias::presets())
        if (p.module.empty() && p.toml.find("[sweep]") == std::string::npos) presets.push_back(&p);
    ASSERT_FALSE(presets.empty());
    TempDir dir("fuzz");
    std::mt19937_64 rng(20261130);
    Tally t;
    for (int i = 0; i < n; ++i) {
        const auto& preset = *presets[size_t(i) % presets.size()];
        const fs::path scratch = dir.path() / ("case-" + std::to_string(i));
        fs::create_directories(scratch);
        const Case c = mutate(preset, rng, scratch);
        const std::string cfg = (scratch / "config.toml").string();
        std::ofstream(cfg) << c.toml;
        const std::string out = c.out.empty() ? (scratch / "out").string() : c.out;
        const auto r = run_cli("run '" + cfg + "' --max-wall-seconds 0.3 --jobs 1 --no-figures --out '" + out + "'",
                               kTimeout);
        SCOPED_TRACE(c.what);
        ++t.cases;
        if (!no_crash(r)) {
            ++t.crashes;
            continue;
        }
        const bool finished = fs::exists(fs::path(out) / "experiment.json");
        if (r.code == 2) {
            ++t.bad_input;
            t.key_named += r.err.find("invalid '") != std::string::npos;
            EXPECT_NE(r.err.find("invalid '"), std::string::npos) << "no key named: " << r.err;
            EXPECT_FALSE(finished) << "bad input left a finished-looking directory";
            continue;
        }
        ASSERT_TRUE(r.code == 0 || r.code == 3 || r.code == 4 || r.code == 5) << r.code << ": " << r.output;
        t.budget += r.code == 5;
        ++t.completed;
        ASSERT_TRUE(finished) << r.output;
        const auto e = nlohmann::json::parse(std::ifstream(fs::path(out) / "experiment.json"));
        for (const auto& run : e["runs"])
            EXPECT_TRUE(fs::exists(fs::path(out) / run["directory"].get<std::string>() / "summary.json"));
    }
    t.print("run");
    EXPECT_EQ(t.bad_input + t.completed + t.crashes, n);
}

TEST(FuzzInputs, MutatedReproduceOverridesEndCleanlyNeverCrash) {
    // A preset name (sometimes a wrong one) and one --set override: a key of the preset or of the run config
    // (sometimes unknown or malformed) with a value from bad_literals().
    const int n = std::max(1, fuzz_cases() / 3);
    std::vector<std::string> names;
    for (const auto& p : depthbias::presets())
        if (p.module.empty() && p.toml.find("[sweep]") == std::string::npos) names.push_back(p.name);
    ASSERT_FALSE(names.empty());
    std::vector<std::string> all_keys;
    for (const auto& [sec, key] : keys_of(toml::parse(depthbias::to_toml(depthbias::RunConfig{}))))
        all_keys.push_back(sec + "." + key);
    TempDir dir("fuzz-reproduce");
    std::mt19937_64 rng(20261131);
    Tally t;
    for (int i = 0; i < n; ++i) {
        std::string name = names[size_t(i) % names.size()];
        const auto* preset = depthbias::find_preset(name);
        std::vector<std::string> keys = all_keys;
        for (const auto& [sec, key] : keys_of(toml::parse(preset->toml, name))) keys.push_back(sec + "." + key);
        std::string key = pick(keys, rng), value = pick(bad_literals(), rng), set = key + "=" + value;
        switch (std::uniform_int_distribution<int>(0, 9)(rng)) {
            case 0: key = "task.fuzz"; set = key + "=1"; break;                 // unknown key
            case 1: key = "fuzz.x"; set = key + "=1"; break;                    // unknown section
            case 2: key = "--set"; set = "task.d"; break;                       // no value
            case 3: key = "--set"; set = "=3"; break;                           // no key
            case 4: name = pick(std::vector<std::string>{"fig9z", "", "../fig1a", "fig1a.toml"}, rng); key = ""; break;
            default: break;
        }
        const fs::path out = dir.path() / ("case-" + std::to_string(i));
        const auto r = run_cli("reproduce '" + name + "' --set '" + set +
                                   "' --max-wall-seconds 0.3 --jobs 1 --no-figures --out '" + out.string() + "'",
                               kTimeout);
        SCOPED_TRACE("reproduce '" + name + "' --set '" + set + "'");
        ++t.cases;
        if (!no_crash(r)) {
            ++t.crashes;
            continue;
        }
        const bool finished = fs::exists(out / "experiment.json");
        if (r.code == 2) {
            ++t.bad_input;
            // The message names the key (or, for a preset name, the NAME argument / the preset).
            const bool named = key.empty() ? r.err.find("'" + name + "'") != std::string::npos
                                           : r.err.find(key) != std::string::npos;
            t.key_named += named;
            EXPECT_TRUE(r.err.find("invalid '") != std::string::npos || named) << "no key named: " << r.err;
            EXPECT_FALSE(finished) << "bad input left a finished-looking directory";
            continue;
        }
        ASSERT_TRUE(r.code == 0 || r.code == 3 || r.code == 4 || r.code == 5) << r.code << ": " << r.output;
        t.budget += r.code == 5;
        ++t.completed;
        ASSERT_TRUE(finished) << r.output;
        const auto e = nlohmann::json::parse(std::ifstream(out / "experiment.json"));
        for (const auto& run : e["runs"])
            EXPECT_TRUE(fs::exists(out / run["directory"].get<std::string>() / "summary.json"));
    }
    t.print("reproduce");
    EXPECT_EQ(t.bad_input + t.completed + t.crashes, n);
}

namespace {

// A sweep of 4 toy points of at most 300 steps: every mutation that stays valid finishes in a second.
const char* kFuzzSweepBase = R"(
[run]
name = "fuzz sweep"
[task]
kind = "toy"
target = [4.0, 2.0, 1.0]
[model]
kind = "diagonal_product"
[dynamics]
lr = 0.02
loss_threshold = 1e-4
max_steps = 300
[observe]
schedule = "log"
points_per_decade = 4
[sweep]
grid = { "model.depth" = [2, 3] }
seeds = 2
metrics = ["gradient_evaluations"]
)";

std::string toml_list(int n, const std::string& first, int step_as_int = 1) {
    std::string s = "[";
    for (int i = 0; i < n; ++i) s += (i ? ", " : "") + (first.empty() ? std::to_string(1 + i * step_as_int) : first);
    return s + "]";
}

struct SweepCase {
    std::string what, toml, extra_args, key;  // key: what the error must name ("" = any key)
    std::string out;                          // "" = a fresh directory
};

SweepCase mutate_sweep(std::mt19937_64& rng, const fs::path& scratch) {
    const std::vector<std::string> swept = {"model.depth", "model.init_scale", "dynamics.lr", "task.target",
                                            "run.seed", "observe.top_k", "dynamics.max_steps", "analysis.epsilon"};
    SweepCase c;
    std::string base = kFuzzSweepBase;
    const size_t at = base.find("[sweep]");
    std::string head = base.substr(0, at), sweep = "[sweep]\n";
    std::string grid = "grid = { \"model.depth\" = [2, 3] }\n", seeds = "seeds = 2\n",
                metrics = "metrics = [\"gradient_evaluations\"]\n", more;
    const std::string key = pick(swept, rng);
    const int kind = std::uniform_int_distribution<int>(0, 21)(rng);
    switch (kind) {
        case 0: {  // values of the wrong type
            const std::string v = pick(std::vector<std::string>{"[\"two\", 3]", "[true]", "[[1, 2]]", "[{ a = 1 }]",
                                                                "[2, \"\"]"}, rng);
            grid = "grid = { \"" + key + "\" = " + v + " }\n";
            c.key = key;
            break;
        }
        case 1: grid = "grid = { \"" + key + "\" = [] }\n"; c.key = "sweep.grid"; break;
        case 2:  // a grid over the point limit (101 x 100 x 100 > 10^6)
            grid = "grid = { \"model.depth\" = " + toml_list(101, "") + ", \"dynamics.max_steps\" = " +
                   toml_list(100, "") + ", \"run.seed\" = " + toml_list(100, "") + " }\n";
            seeds = "";
            c.key = "sweep.grid";
            break;
        case 3: {  // a huge list with one wrong value at its end
            std::string l = toml_list(10000, "");
            l.insert(l.size() - 1, ", \"x\"");
            grid = "grid = { \"dynamics.max_steps\" = " + l + " }\n";
            c.key = "dynamics.max_steps";
            break;
        }
        case 4: more = pick(std::vector<std::string>{"gird = 1\n", "fuzz = \"x\"\n", "seed = 3\n"}, rng); c.key = "sweep."; break;
        case 5: {
            const std::string k = pick(std::vector<std::string>{"model.dept", "fuzz.x", "model", "task.target.0"}, rng);
            grid = "grid = { \"" + k + "\" = [1, 2] }\n";
            c.key = k == "task.target.0" ? "task.target" : k;
            break;
        }
        case 6:
            seeds = "seeds = " + pick(std::vector<std::string>{"0", "-1", "1e9", "1000000000", "\"three\"", "[]",
                                                               "[1, 1]", "[1.5]", "100001", "nan", "[-1, 2]"}, rng) + "\n";
            c.key = "sweep.seeds";
            break;
        case 7:
            metrics = "metrics = " + pick(std::vector<std::string>{"[\"fuzz.path\"]", "[1]", "\"final.loss\"", "[\"\"]",
                                                                   "[\".final\"]", "[\"final..loss\"]", "[\"final.fuzz\"]",
                                                                   "[\"final.spectrum.99\"]"}, rng) + "\n";
            c.key = "sweep.metrics";
            break;
        case 8:
            more = "zip = { \"dynamics.lr\" = [0.01, 0.02], \"model.init_scale\" = [0.001] }\n";
            c.key = "sweep.zip";
            break;
        case 9: grid = "grid = " + pick(std::vector<std::string>{"3", "\"x\"", "[1, 2]", "{}"}, rng) + "\n"; c.key = "sweep"; break;
        case 10: sweep = ""; grid = seeds = metrics = ""; more = pick(std::vector<std::string>{"sweep = 1\n", ""}, rng);
            // "sweep = 1" after [observe] is observe.sweep: an unknown key; no [sweep] at all: the missing table
            c.key = more.empty() ? "sweep" : "observe.sweep";
            break;
        case 11: {
            grid = "grid = { \"" + key + "\" = [" + pick(std::vector<std::string>{"nan", "inf", "-1", "0", "1e300", "-inf",
                                                                                  "1099511627776"}, rng) + "] }\n";
            break;  // may be valid for some keys (e.g. run.seed = 0): any named key or a finished sweep
        }
        case 12: more = "zip = { \"model.depth\" = [2, 3] }\n"; c.key = "model.depth"; break;
        case 13: grid = "grid = { \"model.depth\" = [2, 3, 4] }\n"; seeds = "seeds = [0, 7]\n"; break;  // valid
        case 14:
            c.extra_args = pick(std::vector<std::string>{" --set model.depth=3", " --set dynamics.lr=nan",
                                                         " --set task.fuzz=1", " --set 'dynamics.lr'", " --workers 0",
                                                         " --workers -3", " --workers 100000"}, rng);
            c.key = c.extra_args.find("--workers") != std::string::npos ? "--workers"
                    : c.extra_args.find("lr=nan") != std::string::npos ? "dynamics.lr"
                    : c.extra_args.find("fuzz") != std::string::npos   ? "task.fuzz"
                    : c.extra_args.find("depth") != std::string::npos  ? "model.depth"
                                                                       : "--set";
            break;
        case 15: more = pick(std::vector<std::string>{"figures = \"yes\"\n", "figures = 1\n", "name = 5\n"}, rng);
            c.key = "sweep."; break;
        case 16: grid = "grid = { \"model.depth\" = [2, 2] }\n"; c.key = "sweep.grid"; break;
        case 17: {
            std::ofstream(scratch / "a-file") << "x";
            c.out = std::uniform_int_distribution<int>(0, 1)(rng) ? (scratch / "a-file" / "out").string()
                                                                  : std::string("/proc/depthbias-fuzz/out");
            c.key = "--out";
            break;
        }
        case 18: more = "[[variant]]\nlabel = \"x\"\n"; c.key = "variant"; break;
        case 19: grid = "grid = { \"" + key + "\" = [\"\"] }\n"; c.key = key; break;
        case 20: head += "[fuzz_section]\nx = 1\n"; c.key = "fuzz_section"; break;
        default: break;  // 21: truncated below
    }
    c.toml = head + sweep + grid + seeds + metrics + more;
    c.what = "sweep mutation " + std::to_string(kind) + ":\n" + c.toml.substr(head.size()) + c.extra_args;
    if (kind == 21) {
        const size_t cut = std::uniform_int_distribution<size_t>(1, c.toml.size() - 1)(rng);
        c.toml = c.toml.substr(0, cut);
        c.what = "sweep truncated at byte " + std::to_string(cut);
        c.key = "";
    }
    return c;
}

}  // namespace

TEST(FuzzInputs, MutatedSweepTablesEndCleanlyNeverCrash) {
    const int n = std::max(1, fuzz_cases() * 5 / 12);
    TempDir dir("fuzz-sweep");
    std::mt19937_64 rng(20261132);
    Tally t;
    for (int i = 0; i < n; ++i) {
        const fs::path scratch = dir.path() / ("case-" + std::to_string(i));
        fs::create_directories(scratch);
        const SweepCase c = mutate_sweep(rng, scratch);
        const std::string cfg = (scratch / "sweep.toml").string();
        std::ofstream(cfg) << c.toml;
        const fs::path out = c.out.empty() ? scratch / "out" : fs::path(c.out);
        const auto r = run_cli("sweep '" + cfg + "' --quiet --workers 1 --out '" + out.string() + "'" + c.extra_args,
                               kTimeout);
        SCOPED_TRACE(c.what);
        ++t.cases;
        if (!no_crash(r)) {
            ++t.crashes;
            continue;
        }
        if (r.code == 2) {
            ++t.bad_input;
            const bool named = !c.key.empty() && r.err.find(c.key) != std::string::npos;
            t.key_named += named;
            EXPECT_TRUE(named || (c.key.empty() && r.err.find("invalid '") != std::string::npos))
                << "the message does not name '" << c.key << "': " << r.err;
            // Nothing written on bad input.
            EXPECT_FALSE(fs::exists(out / "sweep.db")) << out;
            EXPECT_FALSE(fs::exists(out / "report")) << out;
            continue;
        }
        ASSERT_TRUE(r.code == 0 || r.code == 3) << r.code << ": " << r.output;
        ++t.completed;
        // A finished sweep: its table, one row per point, and every point's run directory finished.
        const std::string csv = depthbias::test_support::read_text(out / "report" / "sweep.csv");
        ASSERT_FALSE(csv.empty()) << r.output;
        size_t rows = 0;
        for (char ch : csv) rows += ch == '\n';
        EXPECT_GE(rows, 2u);
        for (const auto& d : fs::directory_iterator(out / "points"))
            EXPECT_TRUE(fs::exists(d.path() / "summary.json")) << d.path();
    }
    t.print("sweep");
    EXPECT_EQ(t.bad_input + t.completed + t.crashes, n);
}

TEST(FuzzInputs, MutatedTheoryOptionsEndCleanlyNeverCrash) {
    // Every `theory` subcommand from a valid command line, one option mutated (non-numbers, nan, inf, negative,
    // huge, tiny, empty), dropped, repeated, or an unknown one added.
    const std::map<std::string, std::vector<std::pair<std::string, std::string>>> valid = {
        {"threshold", {{"--depth", "3"}, {"--ratio", "0.5"}, {"--eps", "0.05"}}},
        {"separation", {{"--eps", "0.05"}}},
        {"solution", {{"--depth", "3"}, {"--target", "1"}, {"--sigma0", "1e-4"}, {"--t-max", "10"}, {"--points", "50"},
                      {"--c", "1"}}},
        {"time", {{"--depth", "3"}, {"--target", "1"}, {"--sigma0", "1e-4"}, {"--alpha", "0.5"}, {"--c", "1"}}}};
    const std::vector<std::string> values = {"abc", "nan", "inf", "-inf", "-1", "0", "1e308", "-1e308", "1e-320",
                                             "2147483647", "9223372036854775807", "99999999999999999999", "''",
                                             "1e9", "0x10", "1,5", "100000", "1e-300", "0.9999999999999999", "-0"};
    const int n = std::max(1, fuzz_cases() / 2);
    std::mt19937_64 rng(20261133);
    Tally t;
    for (int i = 0; i < n; ++i) {
        auto it = valid.begin();
        std::advance(it, i % int(valid.size()));
        const std::string sub = it->first;
        auto opts = it->second;
        const size_t k = std::uniform_int_distribution<size_t>(0, opts.size() - 1)(rng);
        std::string option = opts[k].first, extra;
        const int kind = std::uniform_int_distribution<int>(0, 9)(rng);
        if (kind == 7) {
            opts.erase(opts.begin() + long(k));  // dropped (required for --depth and --ratio)
        } else if (kind == 8) {
            extra = " " + option + " " + pick(values, rng);  // repeated
        } else if (kind == 9) {
            option = "--fuzz";
            extra = " --fuzz 1";
        } else {
            opts[k].second = pick(values, rng);
        }
        std::string args = "theory " + sub;
        for (const auto& [o, v] : opts) args += " " + o + " " + v;
        args += extra;
        if (sub == "threshold" && std::uniform_int_distribution<int>(0, 1)(rng)) args += " --approx";
        const auto r = run_cli(args, kTimeout);
        SCOPED_TRACE(args);
        ++t.cases;
        if (!no_crash(r)) {
            ++t.crashes;
            continue;
        }
        if (r.code == 2) {
            ++t.bad_input;
            const bool named = r.err.find(option) != std::string::npos;
            t.key_named += named;
            // A dropped optional option cannot be the error; the message names some option.
            EXPECT_TRUE(named || (kind == 7 && r.err.find("--") != std::string::npos))
                << "the message does not name " << option << ": " << r.err;
            EXPECT_TRUE(r.out.empty()) << "output before the error: " << r.out;
            continue;
        }
        ASSERT_EQ(r.code, 0) << r.output;
        ++t.completed;
        EXPECT_FALSE(r.out.empty());
        EXPECT_EQ(r.out.find("nan"), std::string::npos) << r.out;
    }
    t.print("theory");
    EXPECT_EQ(t.bad_input + t.completed + t.crashes, n);
}

TEST(FuzzInputs, MutatedDeepNetConfigsEndCleanlyNeverCrash) {
    const auto help = run_cli("deepnets train --help-keys");
    const auto plugin = run_cli("deepnets plugin");  // the keys are in the executable; training needs the plugin
    if (help.code != 0 || plugin.code != 0) {
        GTEST_SKIP() << "this depthbias cannot train deep nets (built without LibTorch, no plugin): " << help.output
                     << plugin.output;
    }
    // Every key `deepnets train --help-keys` lists ("  section.key (type, ...").
    std::vector<std::string> keys;
    std::istringstream lines(help.out);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind("  ", 0) == 0 && line.find(" (") != std::string::npos)
            keys.push_back(line.substr(2, line.find(" (") - 2));
    ASSERT_GT(keys.size(), 10u) << help.out;
    // A tiny run on synthetic data (well under a second).
    const std::string base = R"([run]
name = "fuzz"
[data]
dataset = "gaussian-mixture"
train_per_class = 10
test_per_class = 5
mixture_classes = 3
[model]
arch = "mlp"
depth = 2
width = 8
[train]
epochs = 2
batch_size = 8
milestones = [1]
[metrics]
every = 1
)";
    const int n = std::max(1, fuzz_cases() / 4);
    TempDir dir("fuzz-deepnets");
    std::mt19937_64 rng(20261134);
    Tally t;
    for (int i = 0; i < n; ++i) {
        const fs::path scratch = dir.path() / ("case-" + std::to_string(i));
        fs::create_directories(scratch);
        toml::table doc = toml::parse(base);
        std::string key = pick(keys, rng), what;
        fs::path out = scratch / "out";
        const int kind = std::uniform_int_distribution<int>(0, 7)(rng);
        std::string text;
        if (kind <= 2) {  // a bad value
            const std::string sec = key.substr(0, key.find('.')), k = key.substr(key.find('.') + 1);
            const std::string v = pick(bad_literals(), rng);
            toml::table value = toml::parse("v = " + v);
            doc[sec].as_table()->insert_or_assign(k, *value.get("v"));
            what = key + " = " + v;
        } else if (kind == 3) {  // unknown key or section
            key = pick(std::vector<std::string>{"train.fuzz", "fuzz"}, rng);
            if (key == "fuzz") doc.insert_or_assign("fuzz", toml::table{{"x", 1}});
            else doc["train"].as_table()->insert_or_assign("fuzz", 1);
            what = "unknown " + key;
        } else if (kind == 4) {
            std::ofstream(scratch / "a-file") << "x";
            out = std::uniform_int_distribution<int>(0, 1)(rng) ? scratch / "a-file" / "out"
                                                                : fs::path("/proc/depthbias-fuzz/out");
            key = "--out";
            what = "--out " + out.string();
        } else if (kind == 6) {  // valid but enormous: the wall-clock budget ends it
            doc["train"].as_table()->insert_or_assign("epochs", std::int64_t(1) << 40);
            key = "";
            what = "train.epochs = 2^40";
        } else if (kind == 7) {  // a valid variation
            key = pick(std::vector<std::string>{"model.arch", "data.mixture_side", "train.batch_size", "metrics.labels"}, rng);
            const std::string k = key.substr(key.find('.') + 1), sec = key.substr(0, key.find('.'));
            if (k == "arch") doc[sec].as_table()->insert_or_assign(k, "conv");
            else if (k == "labels") doc[sec].as_table()->insert_or_assign(k, "clean");
            else doc[sec].as_table()->insert_or_assign(k, std::int64_t(k == "batch_size" ? 1 << 20 : 4));
            what = "valid " + key;
            key = "";
        }
        text = dump(doc);
        if (kind == 5) {
            const size_t cut = std::uniform_int_distribution<size_t>(1, text.size() - 1)(rng);
            text = text.substr(0, cut);
            key = "";
            what = "truncated at byte " + std::to_string(cut);
        }
        const std::string cfg = (scratch / "config.toml").string();
        std::ofstream(cfg) << text;
        const auto r = run_cli("deepnets train '" + cfg + "' --max-wall-seconds 1 --no-figures --quiet --out '" +
                                   out.string() + "'",
                               kTimeout);
        SCOPED_TRACE(what);
        ++t.cases;
        if (!no_crash(r)) {
            ++t.crashes;
            continue;
        }
        const bool finished = fs::exists(out / "summary.json");
        if (r.code == 2) {
            ++t.bad_input;
            const bool named = !key.empty() && r.err.find("'" + key) != std::string::npos;
            t.key_named += named;
            EXPECT_TRUE(named || (key.empty() && r.err.find("invalid '") != std::string::npos))
                << "the message does not name '" << key << "': " << r.err;
            EXPECT_FALSE(finished) << "bad input left a finished-looking directory";
            continue;
        }
        if (r.code == 5) {
            ++t.budget;
            ++t.completed;
            EXPECT_FALSE(finished) << "a run stopped by its budget looks finished";
            continue;
        }
        ASSERT_TRUE(r.code == 0 || r.code == 3) << r.code << ": " << r.output;
        ++t.completed;
        EXPECT_TRUE(finished) << r.output;
    }
    t.print("deepnets train");
    EXPECT_EQ(t.bad_input + t.completed + t.crashes, n);
}
