#include "depthbias/dynamics/end_to_end_flow.hpp"

#include <cmath>

#include "depthbias/analysis/dln_geometry.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/dynamics/gradient_flow.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/models/model_registry.hpp"

namespace depthbias {
namespace {

constexpr const char* kDepthKey = "dynamics.e2e_depth";

// The identity parameterization theta = vec(X) whose pull-back applies the metric: J^T g := A_{N,X}(g), so that
// the gradient flow of this "model" is the end-to-end flow.
class MetricModel final : public Model {
public:
    MetricModel(Index rows, Index cols, int depth) : rows_(rows), cols_(cols), depth_(depth) {}
    std::string name() const override { return "end_to_end"; }
    Index num_params() const override { return rows_ * cols_; }
    int depth() const override { return depth_; }
    Vec initialize(Rng&, const Task&) const override { return Vec::Zero(num_params()); }
    void predictor(const Vec& theta, Predictor& out) override {
        out.beta = Eigen::Map<const Mat>(theta.data(), rows_, cols_);
        out.offset = 0.0;
    }
    void pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) override {
        const Mat a = geometry::apply_metric(Eigen::Map<const Mat>(theta.data(), rows_, cols_), grad.beta, depth_);
        grad_theta = Eigen::Map<const Vec>(a.data(), a.size());
    }

private:
    Index rows_, cols_;
    int depth_;
};

}  // namespace

Outcome run_end_to_end_flow(const Task& task, Mat& x, int depth, const FlowTolerances& tol, const StopRules& stop,
                            const StepCallback& on_step) {
    if (x.rows() != task.rows() || x.cols() != task.cols())
        throw std::invalid_argument("run_end_to_end_flow: X must have the task's predictor shape");
    MetricModel metric(x.rows(), x.cols(), depth);
    Objective obj(metric, task);
    Vec v = Eigen::Map<const Vec>(x.data(), x.size());
    const Outcome out = run_gradient_flow(obj, v, tol, stop, on_step);
    x = Eigen::Map<const Mat>(v.data(), x.rows(), x.cols());
    return out;
}

namespace {

class EndToEndFlow final : public Dynamics {
public:
    EndToEndFlow(const FlowTolerances& tol, bool infinite) : tol_(tol), infinite_(infinite) {}

    Outcome run(Objective& obj, Vec& theta, const StopRules& stop, const StepCallback& cb) override {
        const auto* lift = dynamic_cast<const BalancedLiftModel*>(&obj.model());
        if (!lift) throw ConfigError("dynamics.kind", "e2e_flow needs a model with a balanced lift (deep_matrix, linear)");
        Vec g(theta.size());
        obj.value_and_gradient(theta, g);  // the predictor at the init: X(0)
        const Mat x0 = obj.predictor().beta;
        Mat x = x0;
        Vec lifted = theta;
        const long base = obj.evaluations();
        auto relay = [&](const StepView& v) {
            lift->balanced_lift(v.predictor.beta, lifted);
            return cb(StepView{v.step, v.time, v.loss, lifted, v.predictor, base + v.evaluations, v.final, v.log10_loss});
        };
        const Outcome out = run_end_to_end_flow(obj.task(), x, infinite_ ? geometry::kInfiniteDepth : obj.model().depth(),
                                                tol_, stop, relay);
        final_ = Predictor{x, 0.0};
        lift->balanced_lift(final_->beta, theta);
        Outcome o = out;
        o.evaluations += base;
        return o;
    }

    std::optional<Predictor> final_predictor() const override { return final_; }

private:
    FlowTolerances tol_;
    bool infinite_;
    std::optional<Predictor> final_;
};

const Registrar<DynamicsEntry> registration{[] {
    register_extra_keys("dynamics.kind", "e2e_flow",
                        {{kDepthKey,
                          "\"model\": the metric A_N of N = model.depth; \"infinite\": the infinite-depth limit "
                          "A_inf = lim A_N / N (time rescaled by N)",
                          std::string("model")}});
    return DynamicsEntry{
        .name = "e2e_flow",
        .doc = "end-to-end flow X' = -A_N(grad E(X)) of a balanced deep matrix product (dln_geometry.md 2; the metric "
               "through the SVD), adaptive Dormand-Prince 5(4) at dynamics.rtol / atol; dynamics.e2e_depth = infinite "
               "for the depth limit",
        .uses = {},
        .validate =
            [](const DynamicsParams& p, const TaskParams&, const ModelParams& m, const ExtraParams& e) {
                if (p.max_time == 0 && p.loss_threshold == 0)
                    throw ConfigError("dynamics.max_time", "the end-to-end flow needs a time budget or a loss threshold");
                const std::string d = e.get<std::string>(kDepthKey);
                if (d != "model" && d != "infinite")
                    throw ConfigError(kDepthKey, "'" + d + "' is not one of: model, infinite");
                const ModelEntry* me = ModelRegistry::instance().find(m.kind);
                if (me && !me->balanced_lift) {
                    std::string fits;
                    for (const auto& x : ModelRegistry::instance().entries())
                        if (x.balanced_lift) fits += (fits.empty() ? "" : ", ") + x.name;
                    throw ConfigError("dynamics.kind", "e2e_flow needs a deep matrix product; model.kind = '" + m.kind +
                                                           "' has no balanced lift (it fits: " + fits + ")");
                }
            },
        .build =
            [](const DynamicsParams& p, const ExtraParams& e) {
                return std::make_unique<EndToEndFlow>(FlowTolerances{p.rtol, p.atol, std::min(1e-3, p.lr)},
                                                      e.get<std::string>(kDepthKey) == "infinite");
            },
    };
}()};

}  // namespace
}  // namespace depthbias
