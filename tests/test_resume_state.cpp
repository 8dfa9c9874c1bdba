// Checkpoint state of the dynamics (Dynamics::save_state / restore_state), for every registered dynamics that
// says it is resumable: a run stopped at step K, its state saved (through CBOR, as checkpoint.cbor stores it)
// and restored into a fresh instance, continues with exactly the states of the uninterrupted run (losses, theta,
// evaluation counts, the outcome), bit for bit. The whole-run path (observers, files, kills) is
// tests/integration/test_resume.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "depthbias/core/rng.hpp"
#include "depthbias/core/state_io.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/run/factory.hpp"

using namespace depthbias;

namespace {

RunConfig sensing_config(const std::string& kind) {
    RunConfig c;
    c.task.kind = "sensing";
    c.task.d = 6;
    c.task.measurements = 60;
    c.task.target = {2, 1};
    c.model.kind = "deep_matrix";
    c.model.depth = 3;
    c.model.init_scale = 1e-1;
    c.dynamics.kind = kind;
    c.dynamics.lr = 0.01;
    c.dynamics.max_steps = 300;
    c.dynamics.loss_threshold = 0;
    return c;
}

struct Record {
    long step, evaluations;
    double loss;
    std::vector<double> theta;
    bool operator==(const Record& o) const {
        return step == o.step && evaluations == o.evaluations && std::memcmp(&loss, &o.loss, sizeof loss) == 0 &&
               theta == o.theta;
    }
};

Record record(const StepView& v) {
    return {v.step, v.evaluations, v.loss, std::vector<double>(v.theta.data(), v.theta.data() + v.theta.size())};
}

}  // namespace

TEST(ResumeState, EveryResumableDynamicsContinuesBitForBitFromItsSavedState) {
    int resumable = 0;
    for (const auto& entry : DynamicsRegistry::instance().entries()) {
        RunConfig c = sensing_config(entry.name);
        try {
            validate(c);
        } catch (const ConfigError&) {
            continue;  // needs another task (dual_flow)
        }
        auto task = make_task(c);
        auto model = make_model(c, *task);
        if (!make_dynamics(c)->resumable()) continue;
        ++resumable;
        Rng rng(3);
        const Vec theta0 = model->initialize(rng, *task);
        const StopRules stop = stop_rules_of(c.dynamics);

        // Uninterrupted.
        std::vector<Record> whole;
        Vec theta = theta0;
        {
            Objective obj(*model, *task);
            auto dyn = make_dynamics(c);
            dyn->run(obj, theta, stop, [&](const StepView& v) { whole.push_back(record(v)); });
        }
        ASSERT_EQ(whole.size(), 301u) << entry.name;

        // Stopped at K with the state saved while step K is reported, then continued by a fresh instance.
        const long K = 137;
        nlohmann::json saved;
        Vec theta_k;
        {
            Objective obj(*model, *task);
            auto dyn = make_dynamics(c);
            Vec th = theta0;
            dyn->run(obj, th, stop, [&](const StepView& v) {
                if (v.step == K) {
                    saved = nlohmann::json::from_cbor(nlohmann::json::to_cbor(dyn->save_state()));
                    theta_k = v.theta;
                    return StepAction::Stop;
                }
                return StepAction::Continue;
            });
        }
        ASSERT_EQ(theta_k.size(), theta0.size()) << entry.name;
        std::vector<Record> rest;
        Objective obj(*model, *task);
        auto dyn = make_dynamics(c);
        dyn->restore_state(saved);
        Vec th = theta_k;
        const Outcome out = dyn->run(obj, th, stop, [&](const StepView& v) { rest.push_back(record(v)); });
        ASSERT_EQ(rest.size(), whole.size() - size_t(K)) << entry.name;
        for (size_t i = 0; i < rest.size(); ++i)
            ASSERT_TRUE(rest[i] == whole[size_t(K) + i]) << entry.name << ": differs at step " << rest[i].step;
        EXPECT_EQ(out.steps, 300) << entry.name;
        EXPECT_EQ(out.evaluations, 301) << entry.name;
        EXPECT_TRUE(th == theta) << entry.name;
    }
    EXPECT_GE(resumable, 4);  // gd, momentum, group_rmsprop, mirror (descent)
}

TEST(ResumeState, ACorruptSavedStateIsAnIoErrorNamingTheField) {
    auto dyn = make_dynamics(sensing_config("momentum"));
    EXPECT_THROW(dyn->restore_state(nlohmann::json::object()), IoError);
    try {
        dyn->restore_state({{"loop", {{"step", 3}, {"loss0", 1.0}, {"evaluations", 3}}}, {"velocity", 2.0}});
        FAIL() << "a velocity that is not a vector was accepted";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("velocity"), std::string::npos) << e.what();
    }
}
