#include "depthbias/dynamics/heavy_ball.hpp"

#include <cmath>
#include <sstream>

#include "depthbias/core/error.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/dynamics/step_loop.hpp"

namespace depthbias {

namespace {

// Resumable: its state is the loop position and the velocity.
class HeavyBall final : public Dynamics {
public:
    HeavyBall(double lr, double mu) : lr_(lr), mu_(mu) {}
    Outcome run(Objective& obj, Vec& theta, const StopRules& stop, const StepCallback& cb) override {
        if (!(lr_ > 0) || !std::isfinite(lr_)) throw ConfigError("dynamics.lr", "must be finite and > 0");
        if (!(mu_ >= 0 && mu_ < 1)) throw ConfigError("dynamics.momentum", "must be in [0, 1)");
        if (pos_.fresh())
            velocity_ = Vec::Zero(theta.size());
        else if (velocity_.size() != theta.size())
            throw IoError("checkpoint: the momentum velocity has " + std::to_string(velocity_.size()) +
                          " entries, theta " + std::to_string(theta.size()));
        std::ostringstream d;
        d << "lr = " << lr_ << ", momentum = " << mu_;
        return run_step_loop(obj, theta, lr_, d.str(), stop, cb, [this](Vec& th, const Vec& grad, long) {
            velocity_ *= mu_;
            velocity_.noalias() -= lr_ * grad;
            th += velocity_;
        }, pos_);
    }
    double first_record_time() const override { return lr_; }
    bool resumable() const override { return true; }
    nlohmann::json save_state() const override { return {{"loop", pos_.to_state()}, {"velocity", state::of(velocity_)}}; }
    void restore_state(const nlohmann::json& s) override {
        pos_ = StepLoopPosition::from_state(state::field(s, "loop"));
        velocity_ = state::vec(s, "velocity");
    }

private:
    double lr_, mu_;
    Vec velocity_;
    StepLoopPosition pos_;
};

}  // namespace

Outcome run_heavy_ball(Objective& obj, Vec& theta, double lr, double mu, const StopRules& stop, const StepCallback& cb) {
    HeavyBall dynamics(lr, mu);
    return dynamics.run(obj, theta, stop, cb);
}

namespace {

constexpr const char* kMomentum = "dynamics.momentum";

const Registrar<DynamicsEntry> registration{[] {
    register_extra_keys("dynamics.kind", "momentum",
                        {{kMomentum, "heavy-ball coefficient mu in [0, 1): v <- mu v - lr grad, theta <- theta + v", 0.9}});
    return DynamicsEntry{
        .name = "momentum",
        .doc = "heavy-ball momentum GD (Polyak), step dynamics.lr, coefficient dynamics.momentum; iterate k at t = k lr",
        .uses = {},
        .validate =
            [](const DynamicsParams&, const TaskParams&, const ModelParams&, const ExtraParams& e) {
                const double mu = e.get<double>(kMomentum);
                if (!(mu >= 0 && mu < 1)) throw ConfigError(kMomentum, "must be in [0, 1), got " + std::to_string(mu));
            },
        .build =
            [](const DynamicsParams& p, const ExtraParams& e) {
                return std::make_unique<HeavyBall>(p.lr, e.get<double>(kMomentum));
            },
        .step_axis_label = "epoch (momentum GD step)",
    };
}()};

}  // namespace
}  // namespace depthbias
