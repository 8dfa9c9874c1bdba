#include "depthbias/dynamics/group_rmsprop.hpp"

#include <cmath>
#include <sstream>

#include "depthbias/core/error.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/dynamics/step_loop.hpp"

namespace depthbias {

namespace {

// Resumable: its state is the loop position, the second moment and alpha^k.
class GroupRmsprop final : public Dynamics {
public:
    explicit GroupRmsprop(const GroupRmspropSpec& s) : spec_(s) {}
    Outcome run(Objective& obj, Vec& theta, const StopRules& stop, const StepCallback& cb) override {
        const GroupRmspropSpec& spec = spec_;
        if (!(spec.lr > 0) || !std::isfinite(spec.lr)) throw ConfigError("dynamics.lr", "must be finite and > 0");
        if (!(spec.alpha >= 0 && spec.alpha < 1)) throw ConfigError("dynamics.rms_alpha", "must be in [0, 1)");
        if (!(spec.eps > 0) || !std::isfinite(spec.eps)) throw ConfigError("dynamics.rms_eps", "must be finite and > 0");
        std::ostringstream d;
        d << "lr = " << spec.lr << " (group_rmsprop)";
        return run_step_loop(obj, theta, spec.lr, d.str(), stop, cb, [this](Vec& th, const Vec& grad, long) {
            second_moment_ = spec_.alpha * second_moment_ + (1 - spec_.alpha) * grad.squaredNorm();
            alpha_power_ *= spec_.alpha;
            const double scale = std::sqrt(second_moment_ / (1 - alpha_power_)) + spec_.eps;
            th.noalias() -= (spec_.lr / scale) * grad;
        }, pos_);
    }
    double first_record_time() const override { return spec_.lr; }
    bool resumable() const override { return true; }
    nlohmann::json save_state() const override {
        return {{"loop", pos_.to_state()}, {"second_moment", second_moment_}, {"alpha_power", alpha_power_}};
    }
    void restore_state(const nlohmann::json& s) override {
        pos_ = StepLoopPosition::from_state(state::field(s, "loop"));
        second_moment_ = state::number(s, "second_moment");
        alpha_power_ = state::number(s, "alpha_power");
    }

private:
    GroupRmspropSpec spec_;
    double second_moment_ = 0, alpha_power_ = 1;
    StepLoopPosition pos_;
};

}  // namespace

Outcome run_group_rmsprop(Objective& obj, Vec& theta, const GroupRmspropSpec& spec, const StopRules& stop,
                          const StepCallback& cb) {
    GroupRmsprop dynamics(spec);
    return dynamics.run(obj, theta, stop, cb);
}

namespace {

constexpr const char* kAlpha = "dynamics.rms_alpha";
constexpr const char* kEps = "dynamics.rms_eps";

const Registrar<DynamicsEntry> registration{[] {
    register_extra_keys("dynamics.kind", "group_rmsprop",
                        {{kAlpha, "decay of the global second moment of ||grad||^2, in [0, 1)", 0.99},
                         {kEps, "added to the bias-corrected root of the second moment", 1e-4}});
    return DynamicsEntry{
        .name = "group_rmsprop",
        .doc = "GroupRMSprop of Arora et al. 2019: step dynamics.lr / (sqrt(EMA of ||grad||^2) + eps), one scale for "
               "all parameters; iterate k at t = k lr (not flow time)",
        .uses = {},
        .validate =
            [](const DynamicsParams&, const TaskParams&, const ModelParams&, const ExtraParams& e) {
                const double a = e.get<double>(kAlpha), eps = e.get<double>(kEps);
                if (!(a >= 0 && a < 1)) throw ConfigError(kAlpha, "must be in [0, 1), got " + std::to_string(a));
                if (!(eps > 0) || !std::isfinite(eps))  // 0 would divide 0 by 0 at a stationary point
                    throw ConfigError(kEps, "must be finite and > 0, got " + std::to_string(eps));
            },
        .build =
            [](const DynamicsParams& p, const ExtraParams& e) {
                return std::make_unique<GroupRmsprop>(GroupRmspropSpec{p.lr, e.get<double>(kAlpha), e.get<double>(kEps)});
            },
        .step_axis_label = "step (GroupRMSprop)",
    };
}()};

}  // namespace
}  // namespace depthbias
