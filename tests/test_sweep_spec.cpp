// Sweep expansion rules: grid x zip x seeds counts, order and values; point hashes; every bad input is a
// ConfigError naming the key.
#include <gtest/gtest.h>

#include "support/config_error.hpp"

#include <set>

#include "depthbias/core/error.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/run/presets.hpp"
#include "depthbias/sweep/sweep_spec.hpp"

using namespace depthbias;

namespace {

const std::string kBase = R"(
[run]
seed = 10
[task]
kind = "toy"
target = [2.0, 1.0]
[model]
kind = "diagonal_product"
depth = 3
init_scale = 1e-3
[dynamics]
lr = 0.01
loss_threshold = 1e-6
max_steps = 5000
)";

using depthbias::testing::error_key;

SweepSpec parse(const std::string& sweep_table, const std::vector<std::string>& sets = {}) {
    return parse_sweep(kBase + sweep_table, "test.toml", sets);
}

}  // namespace

TEST(SweepSpec, GridTimesZipTimesSeedsInOrder) {
    const auto spec = parse(R"(
[sweep]
grid = { "model.depth" = [2, 3, 4], "model.init_scale" = [1e-4, 1e-2] }
zip = { "dynamics.lr" = [0.01, 0.02], "dynamics.max_steps" = [5000, 3000] }
seeds = 3
)");
    EXPECT_EQ(sweep_size(spec), 3 * 2 * 2 * 3);
    const auto pts = expand_sweep(spec);
    ASSERT_EQ(pts.size(), 36u);
    EXPECT_EQ(spec.swept_keys(), (std::vector<std::string>{"model.depth", "model.init_scale", "dynamics.lr",
                                                           "dynamics.max_steps", "run.seed"}));
    // Grid keys in key order (depth before init_scale), the last varying fastest; then zip; then seeds.
    const auto& p0 = pts[0].config;
    EXPECT_EQ(p0.model.depth, 2);
    EXPECT_DOUBLE_EQ(p0.model.init_scale, 1e-4);
    EXPECT_DOUBLE_EQ(p0.dynamics.lr, 0.01);
    EXPECT_EQ(p0.dynamics.max_steps, 5000);
    EXPECT_EQ(p0.run.seed, 10);  // seeds = 3: base seed + 0, 1, 2
    EXPECT_EQ(pts[1].config.run.seed, 11);
    EXPECT_EQ(pts[2].config.run.seed, 12);
    EXPECT_DOUBLE_EQ(pts[3].config.dynamics.lr, 0.02);  // zip advances both keys together
    EXPECT_EQ(pts[3].config.dynamics.max_steps, 3000);
    EXPECT_DOUBLE_EQ(pts[6].config.model.init_scale, 1e-2);
    EXPECT_EQ(pts[12].config.model.depth, 3);
    EXPECT_EQ(pts[35].config.model.depth, 4);
    EXPECT_DOUBLE_EQ(pts[35].config.model.init_scale, 1e-2);
    EXPECT_EQ(pts[35].config.run.seed, 12);
    // Unswept keys keep the base values; params and labels carry the swept values.
    for (const auto& p : pts) {
        EXPECT_EQ(p.config.task.kind, "toy");
        EXPECT_EQ(p.config.task.target, (std::vector<double>{2.0, 1.0}));
        EXPECT_EQ(p.params.size(), 5u);
    }
    EXPECT_EQ(pts[3].params["dynamics.lr"].get<double>(), 0.02);
    EXPECT_EQ(pts[0].label, "model.depth=2 model.init_scale=0.0001 dynamics.lr=0.01 dynamics.max_steps=5000 run.seed=10");
    for (size_t i = 0; i < pts.size(); ++i) EXPECT_EQ(pts[i].index, std::int64_t(i));
    // Every point is distinct.
    std::set<std::string> hashes;
    for (const auto& p : pts) hashes.insert(p.hash);
    EXPECT_EQ(hashes.size(), pts.size());
}

TEST(SweepSpec, HashIsTheNonDefaultKeysAndStable) {
    const auto a = expand_sweep(parse("[sweep]\ngrid = { \"model.depth\" = [2, 3] }\n"));
    // Nested-table spelling of the same grid in another order: the same points, the same hashes.
    const auto b = expand_sweep(parse("[sweep.grid]\nmodel.depth = [3, 2]\n"));
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0].hash, b[1].hash);
    EXPECT_EQ(a[1].hash, b[0].hash);
    EXPECT_EQ(a[0].hash, point_hash(non_default_toml(a[0].config)));
    EXPECT_EQ(a[0].hash, point_identity(a[0].config));
    EXPECT_EQ(a[0].toml, to_toml(a[0].config));
    EXPECT_EQ(a[0].hash.size(), 16u);
    // Pinned: the hash of a fixed text must not change between builds, or resuming would redo everything.
    EXPECT_EQ(point_hash(""), "cbf29ce484222325");
    EXPECT_EQ(point_hash("a"), "af63dc4c8601ec8c");
    // Any change of any key changes the hash; the base seed is part of it.
    const auto c = expand_sweep(parse("[sweep]\ngrid = { \"model.depth\" = [2, 3] }\n", {"run.seed=11"}));
    EXPECT_NE(a[0].hash, c[0].hash);
    // A resolved config reads back to the same config.
    EXPECT_EQ(to_toml(config_from_toml(a[1].toml, "x")), a[1].toml);
}

TEST(SweepSpec, SeedListsArraysAndStringsAreSwept) {
    const auto spec = parse(R"(
[sweep]
grid = { "task.target" = [[2.0, 1.0], [3.0, 1.0, 0.5]], "dynamics.kind" = ["gd", "flow"] }
seeds = [5, 1]
)");
    const auto pts = expand_sweep(spec);
    ASSERT_EQ(pts.size(), 8u);
    // Grid keys in key order: dynamics.kind (slowest), task.target; then the seeds in the listed order.
    EXPECT_EQ(pts[0].config.dynamics.kind, "gd");
    EXPECT_EQ(pts[4].config.dynamics.kind, "flow");
    EXPECT_EQ(pts[0].config.task.target, (std::vector<double>{2.0, 1.0}));
    EXPECT_EQ(pts[2].config.task.target, (std::vector<double>{3.0, 1.0, 0.5}));
    EXPECT_EQ(pts[0].config.run.seed, 5);
    EXPECT_EQ(pts[1].config.run.seed, 1);
    EXPECT_EQ(pts[2].params["task.target"].size(), 3u);
    EXPECT_EQ(pts[4].params["dynamics.kind"], "flow");
}

TEST(SweepSpec, BadInputNamesTheKey) {
    EXPECT_EQ(error_key([] { parse("[sweep]\ngird = { \"model.depth\" = [2] }\n"); }), "sweep.gird");
    EXPECT_EQ(error_key([] { parse("[sweep]\nzip = { \"model.depth\" = [2, 3], \"dynamics.lr\" = [0.1] }\n"); }),
              "sweep.zip");
    EXPECT_EQ(error_key([] { parse("[sweep]\ngrid = { \"model.dept\" = [2, 3] }\n"); }), "model.dept");
    EXPECT_EQ(error_key([] { parse("[sweep]\ngrid = { \"modle.depth\" = [2, 3] }\n"); }), "modle.depth");
    EXPECT_EQ(error_key([] { parse("[sweep]\ngrid = { \"model.depth\" = [2, \"deep\"] }\n"); }), "model.depth");
    EXPECT_EQ(error_key([] { expand_sweep(parse("[sweep]\ngrid = { \"model.depth\" = [2, 0] }\n")); }), "model.depth");
    EXPECT_EQ(error_key([] { parse("[sweep]\ngrid = { \"model.depth\" = 3 }\n"); }), "sweep.grid.model.depth");
    EXPECT_EQ(error_key([] { parse("[sweep]\ngrid = { \"model.depth\" = [] }\n"); }), "sweep.grid.model.depth");
    EXPECT_EQ(error_key([] { expand_sweep(parse("[sweep]\ngrid = { \"model.depth\" = [2, 2] }\n")); }), "sweep.grid");
    EXPECT_EQ(error_key([] {
                  parse("[sweep]\ngrid = { \"model.depth\" = [2] }\nzip = { \"model.depth\" = [3] }\n");
              }),
              "model.depth");
    EXPECT_EQ(error_key([] { parse("[sweep]\ngrid = { \"run.seed\" = [1, 2] }\nseeds = 2\n"); }), "sweep.seeds");
    EXPECT_EQ(error_key([] { parse("[sweep]\nseeds = 0\n"); }), "sweep.seeds");
    EXPECT_EQ(error_key([] { parse("[sweep]\nseeds = [1, 1]\n"); }), "sweep.seeds");
    EXPECT_EQ(error_key([] { parse("[sweep]\nmetrics = [\"finale.loss\"]\nseeds = 2\n"); }), "sweep.metrics");
    EXPECT_EQ(error_key([] { parse("[sweep]\nfigures = 1\nseeds = 2\n"); }), "sweep.figures");
    EXPECT_EQ(error_key([] { parse("[sweep]\nname = \"x\"\n"); }), "sweep");  // sweeps nothing
    EXPECT_EQ(error_key([] { parse(""); }), "sweep");                           // no [sweep] table
    EXPECT_EQ(error_key([] { parse("[sweep]\nseeds = 2\n[[variant]]\nlabel = \"a\"\n"); }), "variant");
    EXPECT_EQ(error_key([] { parse("[sweep]\nseeds = 2\n[modle]\ndepth = 2\n"); }), "modle");
    // --set cannot override a swept key; other keys it can.
    EXPECT_EQ(error_key([] { parse("[sweep]\ngrid = { \"model.depth\" = [2, 3] }\n", {"model.depth=4"}); }),
              "model.depth");
    EXPECT_DOUBLE_EQ(parse("[sweep]\ngrid = { \"model.depth\" = [2, 3] }\n", {"dynamics.lr=0.02"}).base.dynamics.lr, 0.02);
    // A point that fails cross-field validation names its key and the point.
    try {
        expand_sweep(parse("[sweep]\ngrid = { \"model.kind\" = [\"diagonal_product\", \"deep_matrix\"] }\n"));
        ADD_FAILURE() << "expected a ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.key(), "model.kind");
        EXPECT_NE(std::string(e.what()).find("model.kind=deep_matrix"), std::string::npos) << e.what();
    }
}

TEST(SweepSpec, ShippedSweepPresetParsesAsSweepAndAsExperiment) {
    int sweeps = 0;
    for (const auto& p : presets()) {
        if (p.name.find("sweep") == std::string::npos) continue;
        ++sweeps;
        const auto spec = parse_sweep(p.toml, p.name);
        const auto pts = expand_sweep(spec);
        EXPECT_GE(pts.size(), 20u) << p.name;
        EXPECT_LE(pts.size(), 400u) << p.name << ": should finish in about a minute on 2 cores";
        const auto keys = spec.swept_keys();
        EXPECT_NE(std::find(keys.begin(), keys.end(), "model.depth"), keys.end());
        EXPECT_NE(std::find(keys.begin(), keys.end(), "model.init_scale"), keys.end());
        EXPECT_NO_THROW(parse_experiment(p.toml, p.name)) << p.name;  // `reproduce --list` reads every preset
    }
    EXPECT_GE(sweeps, 1);
}
