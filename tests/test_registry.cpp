// The registries and what is generated from them (the model x task gradient checks are in test_gradients.cpp):
// every registered dynamics (runs
// and reduces the loss), the two dynamics added through one registration each (heavy-ball momentum,
// GroupRMSprop: checked against their update rules), observers that stop a run, extension keys and unused-key
// errors, and docs/CONFIG.md against the registries.
#include <gtest/gtest.h>

#include "support/config_error.hpp"

#include <cmath>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "depthbias/core/rng.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/dynamics/gradient_descent.hpp"
#include "depthbias/dynamics/group_rmsprop.hpp"
#include "depthbias/dynamics/heavy_ball.hpp"
#include "depthbias/models/model_registry.hpp"
#include "depthbias/observe/observer.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/run/experiment_analysis.hpp"
#include "depthbias/run/experiment_figures.hpp"
#include "depthbias/run/factory.hpp"
#include "depthbias/run/presets.hpp"
#include "depthbias/tasks/task_registry.hpp"
#include "depthbias/tasks/toy_task.hpp"
#include "depthbias/models/diagonal_network.hpp"

using namespace depthbias;

namespace {

using depthbias::testing::error_key;

RunConfig toy_config() {
    RunConfig c;
    c.task.kind = "toy";
    c.task.target = {2, 1};
    c.model.kind = "diagonal_power";
    c.model.depth = 3;
    c.model.init_scale = 1e-2;
    c.dynamics.max_steps = 400;
    c.dynamics.lr = 0.02;
    c.dynamics.loss_threshold = 0;
    c.dynamics.max_time = 8;
    return c;
}

}  // namespace

TEST(Registry, ModelsOfTheWrongShapeAreRefusedByTheRegistry) {
    TaskParams sensing, toy;
    sensing.kind = "sensing";
    toy.kind = "toy";
    ModelParams m;
    m.kind = "diagonal";
    EXPECT_EQ(error_key([&] { validate_model(m, sensing, {}); }), "model.kind");
    m.kind = "no_such_model";
    EXPECT_EQ(error_key([&] { validate_model(m, toy, {}); }), "model.kind");
}

TEST(Registry, EveryDynamicsBuildsRunsAndReducesTheLoss) {
    int tried = 0;
    for (const auto& d : DynamicsRegistry::instance().entries()) {
        RunConfig c = toy_config();
        c.dynamics.kind = d.name;
        try {
            validate(c);
        } catch (const ConfigError&) {
            continue;  // e.g. dual_flow needs exponential-loss classification
        }
        auto task = make_task(c);
        auto model = make_model(c, *task);
        auto dyn = make_dynamics(c);
        Rng rng(2);
        Vec theta = model->initialize(rng, *task);
        Objective obj(*model, *task);
        double first = NAN, last = NAN;
        long finals = 0;
        const Outcome out = dyn->run(obj, theta, stop_rules_of(c.dynamics), [&](const StepView& v) {
            if (std::isnan(first)) first = v.loss;
            last = v.loss;
            finals += v.final;
        });
        EXPECT_NE(out.status, RunStatus::Diverged) << d.name << ": " << out.reason;
        EXPECT_LT(last, 0.5 * first) << d.name;
        EXPECT_EQ(finals, 1) << d.name;
        ++tried;
    }
    EXPECT_GE(tried, 4);  // gd, flow, momentum, group_rmsprop
}

TEST(Registry, MomentumZeroIsGradientDescentBitForBit) {
    ToyTask task({3, 1});
    DiagonalNetwork m1(2, 3, DiagonalForm::Power, 1e-2), m2(2, 3, DiagonalForm::Power, 1e-2);
    Rng r1(1), r2(1);
    Vec a = m1.initialize(r1, task), b = m2.initialize(r2, task);
    Objective o1(m1, task), o2(m2, task);
    StopRules stop;
    stop.max_steps = 300;
    const Outcome x = run_gradient_descent(o1, a, 0.05, stop, nullptr);
    const Outcome y = run_heavy_ball(o2, b, 0.05, 0.0, stop, nullptr);
    EXPECT_EQ(x.loss, y.loss);
    EXPECT_EQ((a - b).norm(), 0.0);
}

TEST(Registry, HeavyBallFollowsItsRecurrenceOnAQuadratic) {
    // Toy loss 1/2 (beta - 2)^2 with the depth-1 model beta = u: the iterates are exactly
    // v <- mu v - lr (u - 2), u <- u + v.
    ToyTask task({2});
    DiagonalNetwork net(1, 1, DiagonalForm::Power, 0.5);
    Rng rng(1);
    Vec theta = net.initialize(rng, task);
    double u = theta(0), v = 0;
    const double lr = 0.1, mu = 0.7;
    Objective obj(net, task);
    StopRules stop;
    stop.max_steps = 25;
    run_heavy_ball(obj, theta, lr, mu, stop, nullptr);
    for (int k = 0; k < 25; ++k) {
        v = mu * v - lr * (u - 2);
        u += v;
    }
    EXPECT_NEAR(theta(0), u, 1e-14);
}

TEST(Registry, GroupRmspropStepsByLrOverTheGlobalRms) {
    // First step: s_1 = (1 - alpha) |g|^2, bias-corrected root = |g|: theta moves by lr |g| / (|g| + eps).
    ToyTask task({3, 1, 0.5});
    DiagonalNetwork net(3, 2, DiagonalForm::Power, 0.1);
    Rng rng(4);
    const Vec theta0 = net.initialize(rng, task);
    Objective obj(net, task);
    Vec g(theta0.size());
    obj.value_and_gradient(theta0, g);
    Vec theta = theta0;
    StopRules stop;
    stop.max_steps = 1;
    const GroupRmspropSpec spec{0.01, 0.99, 1e-4};
    run_group_rmsprop(obj, theta, spec, stop, nullptr);
    EXPECT_NEAR((theta - theta0).norm(), spec.lr * g.norm() / (g.norm() + spec.eps), 1e-15);
    // Later steps keep moving about lr per step while the gradient direction is steady.
    stop.max_steps = 50;
    Vec t2 = theta0;
    Objective obj2(net, task);
    const Outcome out = run_group_rmsprop(obj2, t2, spec, stop, nullptr);
    EXPECT_EQ(out.steps, 50);
    EXPECT_GT((t2 - theta0).norm(), 0.1 * 50 * spec.lr);
    EXPECT_LT((t2 - theta0).norm(), 1.5 * 50 * spec.lr);
}

TEST(Registry, AnObserverCanStopARun) {
    ToyTask task({2, 1});
    DiagonalNetwork net(2, 2, DiagonalForm::Power, 1e-2);
    Rng rng(1);
    Vec theta = net.initialize(rng, task);
    Objective obj(net, task);
    StopRules stop;
    stop.max_steps = 1000;
    long finals = 0, last_step = -1;
    const Outcome out = run_gradient_descent(obj, theta, 0.01, stop, [&](const StepView& v) {
        finals += v.final;
        last_step = v.step;
        return v.step == 17 ? StepAction::Stop : StepAction::Continue;
    });
    EXPECT_EQ(out.status, RunStatus::Stopped);
    EXPECT_EQ(out.steps, 17);
    EXPECT_EQ(finals, 1);
    EXPECT_EQ(last_step, 17);
    EXPECT_EQ(to_string(out.status), "stopped");
}

TEST(Registry, ExtensionKeysBelongToTheirComponent) {
    RunConfig c = toy_config();
    // Not selected: absent from the resolved config, and setting it is an error naming the key.
    EXPECT_EQ(to_toml(c).find("momentum"), std::string::npos);
    apply_override(c, "dynamics.momentum=0.5");
    EXPECT_EQ(error_key([&] { validate(c); }), "dynamics.momentum");
    apply_override(c, "dynamics.kind=momentum");
    EXPECT_NO_THROW(validate(c));
    EXPECT_NE(to_toml(c).find("momentum = 0.5"), std::string::npos) << to_toml(c);
    EXPECT_EQ(c.extra.get<double>("dynamics.momentum"), 0.5);
    // The resolved config reads back to the same config.
    RunConfig back;
    apply_toml(back, toml::parse(to_toml(c)));
    EXPECT_EQ(to_toml(back), to_toml(c));
    EXPECT_EQ(back.extra, c.extra);
    apply_override(c, "dynamics.momentum=1");
    EXPECT_EQ(error_key([&] { validate(c); }), "dynamics.momentum");
    EXPECT_EQ(error_key([&] { apply_override(c, "dynamics.momentum=fast"); }), "dynamics.momentum");
    RunConfig r = toy_config();
    r.dynamics.kind = "group_rmsprop";
    EXPECT_NE(to_toml(r).find("rms_alpha = 0.9899"), std::string::npos) << to_toml(r);
    apply_override(r, "dynamics.rms_eps=-1");
    EXPECT_EQ(error_key([&] { validate(r); }), "dynamics.rms_eps");
}

TEST(Registry, AKeyTheSelectedComponentDoesNotReadIsAnError) {
    RunConfig c = toy_config();
    apply_override(c, "task.storage=float32");  // read by sensing only
    EXPECT_EQ(error_key([&] { validate(c); }), "task.storage");
    RunConfig d = toy_config();
    apply_override(d, "model.init=orthogonal");  // matrix models only
    EXPECT_EQ(error_key([&] { validate(d); }), "model.init");
    RunConfig e = toy_config();
    apply_override(e, "task.storage=float64");  // the default: harmless
    EXPECT_NO_THROW(validate(e));
    // The points task's targets are task.y: a task.target (read by every other task) would be silently ignored
    // (found by the input fuzzer: spline-bias with 100000 target values ran for minutes).
    RunConfig f = toy_config();
    f.task.kind = "points";
    f.model.kind = "two_layer";
    apply_override(f, "task.target=[1, 2]");
    EXPECT_EQ(error_key([&] { validate(f); }), "task.target");
    // The deep product's layer constructions do not apply to the quadratic network M = W^T W (it used to start from
    // an unset W).
    for (const char* init : {"balanced", "lambda_balanced"}) {
        RunConfig q = toy_config();
        q.task.kind = "quadratic";
        q.model.kind = "symmetric";
        q.model.init = init;
        EXPECT_EQ(error_key([&] { validate(q); }), "model.init") << init;
    }
}

TEST(Registry, UnknownKindsListWhatIsRegistered) {
    RunConfig c = toy_config();
    c.dynamics.kind = "adam";
    try {
        validate(c);
        FAIL() << "accepted an unregistered dynamics";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.key(), "dynamics.kind");
        for (const auto& name : DynamicsRegistry::instance().names())
            EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
}

TEST(Registry, ConfigDocMatchesTheRegistries) {
    const std::string path = std::string(DEPTHBIAS_SOURCE_DIR) + "/docs/CONFIG.md";
    std::ifstream f(path);
    ASSERT_TRUE(f) << path;
    std::stringstream s;
    s << f.rdbuf();
    const std::string doc = s.str(), marker = "<!-- generated: depthbias run --config-reference -->\n";
    const auto at = doc.find(marker);
    ASSERT_NE(at, std::string::npos) << "docs/CONFIG.md lacks the generated-section marker";
    EXPECT_EQ(doc.substr(at + marker.size()), config_reference_markdown())
        << "regenerate: build/depthbias run --config-reference";
}

TEST(Registry, EveryModelsParameterBlocksTileTheta) {
    for (const auto& t : TaskRegistry::instance().entries()) {
        TaskParams tp;
        tp.kind = t.name;
        tp.d = 4;
        tp.measurements = 12;
        tp.target = {2, 1};
        tp.test_samples = 4;
        auto task = build_task(tp, {}, 1);
        for (const auto& m : ModelRegistry::instance().entries()) {
            ModelParams mp;
            mp.kind = m.name;
            mp.depth = 3;
            try {
                validate_model(mp, tp, {});
            } catch (const ConfigError&) {
                continue;
            }
            auto model = build_model(mp, {}, *task);
            Index at = 0;
            for (const auto& b : model->blocks()) {
                EXPECT_EQ(b.offset, at) << m.name << " block " << b.name;
                EXPECT_GT(b.size, 0) << m.name;
                at += b.size;
            }
            EXPECT_EQ(at, model->num_params()) << m.name << " on " << t.name;
        }
    }
}

TEST(Registry, EveryExperimentKindHasAnAnalysisStepAndAFigure) {
    // experiment.figure selects both; a kind registered in one file only would fail at the end of a run.
    EXPECT_EQ(AnalysisStepRegistry::instance().names(), FigureRegistry::instance().names());
    EXPECT_GE(AnalysisStepRegistry::instance().names().size(), 8u);
    EXPECT_EQ(error_key([] { parse_experiment("[experiment]\nfigure = \"histogram\"\n", "t"); }), "experiment.figure");
}
