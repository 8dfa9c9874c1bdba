// Fuzzed input: every shipped linear preset, mutated by a seeded generator (wrong types, out-of-range and
// non-finite numbers, unknown keys and sections, truncated TOML, huge arrays and sizes, empty strings, output
// paths under a regular file or under /proc), run by the real binary with a small wall-clock budget.
// Every case must end as one of:
//   exit 2 with a message that names a key or an option ("invalid '<key>'"), and no experiment.json written;
//   exit 0, 3 (a run diverged), 4 (a check failed / not evaluated) or 5 (wall-clock budget), with experiment.json
//   written and a summary.json in every run directory it lists;
// never a crash (a signal, or exit 1 from an unexpected exception). DEPTHBIAS_FUZZ_CASES sets the number of cases
// (default 60, about 40 s here; `DEPTHBIAS_FUZZ_CASES=1000 ctest -R FuzzInputs` for a larger corpus).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <toml++/toml.h>

#include "depthbias/run/presets.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
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

}  // namespace

TEST(FuzzInputs, MutatedPresetsEndCleanlyNeverCrash) {
    const char* env = std::getenv("DEPTHBIAS_FUZZ_CASES");
    const int n = env ? std::atoi(env) : 60;
    std::vector<const depthbias::Preset*> presets;
    for (const auto& p : depthbias::presets())
        if (p.module.empty() && p.toml.find("[sweep]") == std::string::npos) presets.push_back(&p);
    ASSERT_FALSE(presets.empty());
    TempDir dir("fuzz");
    std::mt19937_64 rng(20261130);
    int bad_input = 0, completed = 0, budget = 0;
    for (int i = 0; i < n; ++i) {
        const auto& preset = *presets[size_t(i) % presets.size()];
        const fs::path scratch = dir.path() / ("case-" + std::to_string(i));
        fs::create_directories(scratch);
        const Case c = mutate(preset, rng, scratch);
        const std::string cfg = (scratch / "config.toml").string();
        std::ofstream(cfg) << c.toml;
        const std::string out = c.out.empty() ? (scratch / "out").string() : c.out;
        const auto r = run_cli("run '" + cfg + "' --max-wall-seconds 0.3 --jobs 1 --no-figures --out '" + out + "'");
        SCOPED_TRACE(c.what);
        ASSERT_LT(r.code, 128) << "killed by a signal: " << r.output;
        ASSERT_NE(r.code, 1) << "unexpected failure (exit 1): " << r.output;
        const bool finished = fs::exists(fs::path(out) / "experiment.json");
        if (r.code == 2) {
            ++bad_input;
            EXPECT_NE(r.err.find("invalid '"), std::string::npos) << "no key named: " << r.err;
            EXPECT_FALSE(finished) << "bad input left a finished-looking directory";
            continue;
        }
        ASSERT_TRUE(r.code == 0 || r.code == 3 || r.code == 4 || r.code == 5) << r.code << ": " << r.output;
        budget += r.code == 5;
        ++completed;
        ASSERT_TRUE(finished) << r.output;
        const auto e = nlohmann::json::parse(std::ifstream(fs::path(out) / "experiment.json"));
        for (const auto& run : e["runs"])
            EXPECT_TRUE(fs::exists(fs::path(out) / run["directory"].get<std::string>() / "summary.json"));
    }
    std::printf("fuzzed %d cases: %d bad input (exit 2, key named), %d completed (%d by the wall-clock budget)\n", n,
                bad_input, completed, budget);
    EXPECT_EQ(bad_input + completed, n);
}
