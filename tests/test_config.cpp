// Config parsing and validation: every bad input is a ConfigError naming the key.
#include <gtest/gtest.h>

#include "support/config_error.hpp"

#include <toml++/toml.h>

#include "depthbias/core/error.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/run/presets.hpp"

using namespace depthbias;

namespace {

using depthbias::testing::error_key;

RunConfig parse(const std::string& text) {
    RunConfig c;
    apply_toml(c, toml::parse(text));
    return c;
}

}  // namespace

TEST(Config, ReadsEverySectionAndKeepsDefaults) {
    const RunConfig c = parse(R"(
        [task]
        kind = "quadratic"
        d = 7
        target = [1, 0.5]
        [model]
        kind = "symmetric"
        bias = true
        [dynamics]
        lr = 0.002
    )");
    EXPECT_EQ(c.task.kind, "quadratic");
    EXPECT_EQ(c.task.d, 7);
    EXPECT_EQ(c.task.target, (std::vector<double>{1, 0.5}));
    EXPECT_TRUE(c.model.bias);
    EXPECT_DOUBLE_EQ(c.dynamics.lr, 0.002);
    EXPECT_EQ(c.task.measurements, RunConfig{}.task.measurements);
    EXPECT_NO_THROW(validate(c));
}

TEST(Config, UnknownKeysAndSectionsAreNamed) {
    EXPECT_EQ(error_key([] { parse("[task]\ndd = 3\n"); }), "task.dd");
    EXPECT_EQ(error_key([] { parse("[tsk]\nd = 3\n"); }), "tsk");
    EXPECT_EQ(error_key([] { parse("seed = 3\n"); }), "seed");
    RunConfig c;
    EXPECT_EQ(error_key([&] { apply_override(c, "model.deph=3"); }), "model.deph");
}

TEST(Config, WrongTypesAreNamed) {
    EXPECT_EQ(error_key([] { parse("[model]\ndepth = \"four\"\n"); }), "model.depth");
    EXPECT_EQ(error_key([] { parse("[model]\ndepth = 2.5\n"); }), "model.depth");
    EXPECT_EQ(error_key([] { parse("[dynamics]\nlr = \"fast\"\n"); }), "dynamics.lr");
    EXPECT_EQ(error_key([] { parse("[model]\nbias = 1\n"); }), "model.bias");
    EXPECT_EQ(error_key([] { parse("[task]\ntarget = [1, \"x\"]\n"); }), "task.target");
    RunConfig c;
    EXPECT_EQ(error_key([&] { apply_override(c, "dynamics.lr=abc"); }), "dynamics.lr");
    EXPECT_EQ(error_key([&] { apply_override(c, "dynamics.lr"); }), "--set");
}

TEST(Config, NonFiniteNumbersAreRejected) {
    EXPECT_EQ(error_key([] { parse("[dynamics]\nlr = nan\n"); }), "dynamics.lr");
    EXPECT_EQ(error_key([] { parse("[model]\ninit_scale = inf\n"); }), "model.init_scale");
    EXPECT_EQ(error_key([] { parse("[task]\ntarget = [1, -inf]\n"); }), "task.target");
    RunConfig c;
    EXPECT_EQ(error_key([&] { apply_override(c, "dynamics.lr=inf"); }), "dynamics.lr");
}

TEST(Config, RangesAreValidated) {
    auto bad = [](const std::string& assignment) {
        RunConfig c;
        apply_override(c, assignment);
        return error_key([&] { validate(c); });
    };
    EXPECT_EQ(bad("model.depth=0"), "model.depth");
    EXPECT_EQ(bad("model.depth=-3"), "model.depth");
    EXPECT_EQ(bad("dynamics.lr=0"), "dynamics.lr");
    EXPECT_EQ(bad("dynamics.lr=-1e-3"), "dynamics.lr");
    EXPECT_EQ(bad("model.init_scale=0"), "model.init_scale");
    EXPECT_EQ(bad("task.d=0"), "task.d");
    EXPECT_EQ(bad("analysis.epsilon=0.7"), "analysis.epsilon");
    EXPECT_EQ(bad("task.kind=svd"), "task.kind");
    EXPECT_EQ(bad("model.kind=diagonal"), "model.kind");  // a diagonal model on a matrix task
    EXPECT_EQ(bad("task.storage=float16"), "task.storage");
    EXPECT_EQ(bad("model.bias=true"), "model.bias");  // only the symmetric model has one
    EXPECT_EQ(bad("task.target=[]"), "task.target");
    EXPECT_EQ(bad("observe.max_records=1099511627776"), "observe.max_records");  // was std::bad_alloc (fuzzer)
    EXPECT_EQ(bad("observe.max_records=1000000"), "");
    EXPECT_EQ(bad("observe.sharpness_every=-1"), "observe.sharpness_every");
    EXPECT_EQ(bad("task.input_mean=1"), "task.input_mean");  // the regression task's own key, not sensing's
    const auto regression = [](const std::vector<std::string>& sets) {
        RunConfig c;
        for (const char* a : {"task.kind=regression", "task.d=20", "model.kind=diagonal", "task.target=[1.0]"})
            apply_override(c, a);
        for (const auto& a : sets) apply_override(c, a);
        return error_key([&] { validate(c); });
    };
    EXPECT_EQ(regression({"task.input_mean=1.5"}), "");
    EXPECT_EQ(regression({"task.input_mean=1.5", "task.data_file=x.csv"}), "task.input_mean");  // no generated inputs
}

TEST(Config, OverridesTakeTomlOrBareWords) {
    RunConfig c;
    apply_override(c, "model.depth=3");
    apply_override(c, "task.storage=float32");
    apply_override(c, "task.storage=\"float64\"");
    apply_override(c, "task.target=[5, 1]");
    apply_override(c, "dynamics.lr=1e-4");
    EXPECT_EQ(c.model.depth, 3);
    EXPECT_EQ(c.task.storage, "float64");
    EXPECT_EQ(c.task.target, (std::vector<double>{5, 1}));
    EXPECT_DOUBLE_EQ(c.dynamics.lr, 1e-4);
}

TEST(Config, ResolvedTomlRoundTrips) {
    RunConfig c;
    apply_override(c, "model.init_scale=3.3e-7");
    apply_override(c, "run.name=a \"quoted\" name");
    apply_override(c, "task.target=[0.1, 0.30000000000000004]");
    RunConfig back;
    apply_toml(back, toml::parse(to_toml(c)));
    EXPECT_EQ(to_toml(back), to_toml(c));
    EXPECT_EQ(back.model.init_scale, c.model.init_scale);
    EXPECT_EQ(back.task.target, c.task.target);
    EXPECT_EQ(back.run.name, c.run.name);
}

TEST(Config, EveryShippedPresetParsesAndValidates) {
    ASSERT_GE(presets().size(), 4u);
    for (const auto& p : presets()) {
        if (!p.module.empty()) continue;  // module presets (deep nets) run elsewhere
        Experiment e;
        ASSERT_NO_THROW(e = parse_experiment(p.toml, p.name)) << p.name;
        for (const auto& v : e.variants) EXPECT_NO_THROW(variant_config(e, v)) << p.name << " / " << v.label;
    }
    for (const char* name : {"fig1a", "fig1b", "toy", "separation"}) EXPECT_NE(find_preset(name), nullptr) << name;
}

TEST(Config, ExperimentErrorsNameTheKey) {
    EXPECT_EQ(error_key([] { parse_experiment("[experiment]\nfigure = \"pie\"\n", "x"); }), "experiment.figure");
    EXPECT_EQ(error_key([] { parse_experiment("[experiment]\ncolour = \"red\"\n", "x"); }), "experiment.colour");
    EXPECT_EQ(error_key([] { parse_experiment("[[variant]]\n\"model.depth\" = 0\n", "x"); }), "model.depth");
    EXPECT_EQ(error_key([] { parse_experiment("[task\n", "bad.toml"); }), "bad.toml");
    // Two labels that name the same run directory (variants may run in parallel: one directory each).
    EXPECT_EQ(error_key([] {
                  parse_experiment("[[variant]]\nlabel = \"D=2\"\n[[variant]]\nlabel = \"D 2\"\n", "x");
              }),
              "variant");
}
