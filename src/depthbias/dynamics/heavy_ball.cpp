#include "depthbias/dynamics/heavy_ball.hpp"

#include <cmath>
#include <sstream>

#include "depthbias/core/error.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/dynamics/step_loop.hpp"

namespace depthbias {

Outcome run_heavy_ball(Objective& obj, Vec& theta, double lr, double mu, const StopRules& stop, const StepCallback& cb) {
    if (!(lr > 0) || !std::isfinite(lr)) throw ConfigError("dynamics.lr", "must be finite and > 0");
    if (!(mu >= 0 && mu < 1)) throw ConfigError("dynamics.momentum", "must be in [0, 1)");
    Vec velocity = Vec::Zero(theta.size());
    std::ostringstream d;
    d << "lr = " << lr << ", momentum = " << mu;
    return run_step_loop(obj, theta, lr, d.str(), stop, cb, [&](Vec& th, const Vec& grad, long) {
        velocity *= mu;
        velocity.noalias() -= lr * grad;
        th += velocity;
    });
}

namespace {

constexpr const char* kMomentum = "dynamics.momentum";

class HeavyBall final : public Dynamics {
public:
    HeavyBall(double lr, double mu) : lr_(lr), mu_(mu) {}
    Outcome run(Objective& obj, Vec& theta, const StopRules& stop, const StepCallback& cb) override {
        return run_heavy_ball(obj, theta, lr_, mu_, stop, cb);
    }
    double first_record_time() const override { return lr_; }

private:
    double lr_, mu_;
};

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
