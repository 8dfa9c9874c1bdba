#include "depthbias/dynamics/mirror_descent.hpp"

#include <cmath>
#include <sstream>

#include "depthbias/core/error.hpp"
#include "depthbias/core/state_io.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/dynamics/gradient_flow.hpp"
#include "depthbias/dynamics/step_loop.hpp"

namespace depthbias {

namespace {

constexpr const char* kPotential = "dynamics.potential";
constexpr const char* kBeta = "dynamics.potential_beta";
constexpr const char* kScale = "dynamics.potential_scale";
constexpr const char* kFlow = "dynamics.mirror_flow";

class MirrorDynamics final : public Dynamics {
public:
    MirrorDynamics(MirrorPotential pot, double lr, bool flow, FlowTolerances tol)
        : pot_(std::move(pot)), lr_(lr), flow_(flow), tol_(tol) {}
    Outcome run(Objective& obj, Vec& theta, const StopRules& stop, const StepCallback& cb) override {
        if (flow_) {
            z_.resize(theta.size());
            const FlowMap map{[this](const Vec& z, Vec& t) { pot_.to_primal(z, t); },
                              [this](const Vec& t, Vec& z) { pot_.to_dual(t, z); }};
            return run_gradient_flow(obj, theta, tol_, stop, cb, &map);
        }
        if (!(lr_ > 0) || !std::isfinite(lr_)) throw ConfigError("dynamics.lr", "must be finite and > 0");
        if (pos_.fresh()) {
            z_.resize(theta.size());
            pot_.to_dual(theta, z_);
        } else if (z_.size() != theta.size()) {
            throw IoError("checkpoint: the mirror dual variable has " + std::to_string(z_.size()) +
                          " entries, theta has " + std::to_string(theta.size()));
        }
        std::ostringstream d;
        d << "lr = " << lr_ << ", potential " << pot_.name();
        return run_step_loop(obj, theta, lr_, d.str(), stop, cb, [this](Vec& th, const Vec& grad, long) {
            // Coordinates with a zero gradient (a frozen input layer: model.train_input = false) keep their dual
            // and primal values: the inverse map is evaluated only where z moved.
            for (Index i = 0; i < th.size(); ++i) {
                if (grad(i) == 0.0) continue;
                z_(i) -= lr_ * grad(i);
                th(i) = pot_.inverse(z_(i));
            }
        }, pos_);
    }
    // Descent is resumable: its state is the loop position and the dual variable z (saved exactly, so the
    // continued run does not map theta back to z and matches the uninterrupted run bit for bit). The flow is not
    // (adaptive integrator).
    bool resumable() const override { return !flow_; }
    nlohmann::json save_state() const override { return {{"loop", pos_.to_state()}, {"dual", state::of(z_)}}; }
    void restore_state(const nlohmann::json& s) override {
        pos_ = StepLoopPosition::from_state(state::field(s, "loop"));
        z_ = state::vec(s, "dual");
    }
    double first_record_time() const override { return flow_ ? std::min(1e-3, lr_) : lr_; }

private:
    MirrorPotential pot_;
    double lr_;
    bool flow_;
    FlowTolerances tol_;
    Vec z_;
    StepLoopPosition pos_;
};

const Registrar<DynamicsEntry> registration{[] {
    register_extra_keys("dynamics.kind", "mirror",
                        {{kPotential, "mirror potential phi: quadratic | hypentropy | quartic | cubic", std::string("hypentropy")},
                         {kBeta, "hypentropy scale beta (> 0)", 1.0},
                         {kScale, "potential scale s: Phi(theta) = sum (1/s) phi(s theta) (1: unscaled; width n: scaled)", 1.0},
                         {kFlow, "true: mirror flow (adaptive Dormand-Prince in the dual variable); false: mirror descent", false}});
    return DynamicsEntry{
        .name = "mirror",
        .doc = "mirror descent z <- z - lr grad L, theta = (grad Phi)^-1(z) (or mirror flow), separable potential "
               "dynamics.potential",
        .uses = {},
        .validate =
            [](const DynamicsParams& p, const TaskParams&, const ModelParams&, const ExtraParams& e) {
                MirrorPotential(e.get<std::string>(kPotential), e.get<double>(kBeta), e.get<double>(kScale));
                if (e.get<bool>(kFlow) && p.max_time == 0 && p.loss_threshold == 0)
                    throw ConfigError("dynamics.max_time", "mirror flow needs a time budget or a loss threshold");
            },
        .build =
            [](const DynamicsParams& p, const ExtraParams& e) -> std::unique_ptr<Dynamics> {
                return std::make_unique<MirrorDynamics>(
                    MirrorPotential(e.get<std::string>(kPotential), e.get<double>(kBeta), e.get<double>(kScale)), p.lr,
                    e.get<bool>(kFlow), FlowTolerances{p.rtol, p.atol, std::min(1e-3, p.lr)});
            },
        .step_axis_label = "step",
    };
}()};

}  // namespace
}  // namespace depthbias
