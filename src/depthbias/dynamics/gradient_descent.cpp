#include "depthbias/dynamics/gradient_descent.hpp"

#include <cmath>
#include <sstream>

#include "depthbias/core/error.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/dynamics/step_loop.hpp"

namespace depthbias {

namespace {

Outcome gd_loop(Objective& obj, Vec& theta, double lr, const StopRules& stop, const StepCallback& cb,
                StepLoopPosition& pos) {
    if (!(lr > 0) || !std::isfinite(lr)) throw ConfigError("dynamics.lr", "must be finite and > 0");
    std::ostringstream d;
    d << "lr = " << lr;
    return run_step_loop(obj, theta, lr, d.str(), stop, cb,
                         [lr](Vec& th, const Vec& grad, long) { th.noalias() -= lr * grad; }, pos);
}

}  // namespace

Outcome run_gradient_descent(Objective& obj, Vec& theta, double lr, const StopRules& stop, const StepCallback& cb) {
    StepLoopPosition fresh;
    return gd_loop(obj, theta, lr, stop, cb, fresh);
}

namespace {

// Resumable: its state is the loop position alone.
class GradientDescent final : public Dynamics {
public:
    explicit GradientDescent(double lr) : lr_(lr) {}
    Outcome run(Objective& obj, Vec& theta, const StopRules& stop, const StepCallback& cb) override {
        return gd_loop(obj, theta, lr_, stop, cb, pos_);
    }
    double first_record_time() const override { return lr_; }
    bool resumable() const override { return true; }
    nlohmann::json save_state() const override { return {{"loop", pos_.to_state()}}; }
    void restore_state(const nlohmann::json& s) override { pos_ = StepLoopPosition::from_state(state::field(s, "loop")); }

private:
    double lr_;
    StepLoopPosition pos_;
};

const Registrar<DynamicsEntry> registration{{
    .name = "gd",
    .doc = "gradient descent with a fixed step dynamics.lr; iterate k is at time k lr",
    .uses = {},
    .validate = {},
    .build = [](const DynamicsParams& p, const ExtraParams&) { return std::make_unique<GradientDescent>(p.lr); },
    .step_axis_label = "epoch (GD step)",
}};

}  // namespace
}  // namespace depthbias
