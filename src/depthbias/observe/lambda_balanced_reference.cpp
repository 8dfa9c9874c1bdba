// Observer "lambda_balanced_reference" (papers/exact_dln.md 3): on a two-layer deep matrix product (model.depth = 2)
// trained on the whitened task whose init is lambda-balanced (W2^T W2 - W1 W1^T = lambda I to 1e-8 relative: any
// model.init = lambda_balanced, balanced, orthogonal, identity), it follows the exact solution along the run
// (any widths n_i - n_h - n_o; analysis/exact_dln.hpp lambda_balanced_solution, stepped exactly from its previous evaluation: the semigroup
// property) at the run's recording times ([observe] schedule, and the final state) and records
//   final.closed_form_max_error:  max_t ||W2 W1(t) - P_21(t)||_F / ||P_21(t)||_F (run against the closed form),
//   final.lambda:                 the init's balance lambda,
//   final.kernel_distance:        S(K_0, K_T) = 1 - <K0, KT> / (|K0| |KT|) of the run's NTK on whitened inputs,
//                                 K = I (x) W1^T W1 + W2 W2^T (x) I (exact_dln.md 3.6), at the final state,
//   final.closed_form_kernel_distance: the same from the closed form's representations.
// Anything else (other tasks or models, an unbalanced init): the observer is not built (nothing recorded; the
// checks that read these fields are then not evaluated). The flow matches to its tolerance; GD only to O(lr).
// Allocates only at its evaluation times. Resumable (the closed form's current layers, exact). One instance per run.
#include <cmath>

#include "depthbias/analysis/exact_dln.hpp"
#include "depthbias/core/state_io.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/observe/observer.hpp"
#include "depthbias/observe/schedule.hpp"
#include "depthbias/tasks/whitened_regression.hpp"

namespace depthbias {
namespace {

class LambdaBalancedReference final : public Observer {
public:
    LambdaBalancedReference(const Mat& sigma, const Vec& theta0, Index n_h, RecordSchedule schedule, double lambda)
        : sigma_(sigma), ni_(sigma.cols()), nh_(n_h), no_(sigma.rows()), schedule_(schedule), lambda_(lambda) {
        w1_ = Eigen::Map<const Mat>(theta0.data(), nh_, ni_);
        w2_ = Eigen::Map<const Mat>(theta0.data() + nh_ * ni_, no_, nh_);
        a0_ = w1_.transpose() * w1_;
        b0_ = w2_ * w2_.transpose();
    }

    StepAction observe(const StepView& v) override {
        if (!(v.time >= next_) && !v.final) return StepAction::Continue;
        if (v.time > t_) {
            const auto st = exact::lambda_balanced_solution(sigma_, w1_, w2_, v.time - t_);
            w1_ = st.q.topRows(ni_).transpose();
            w2_ = st.q.bottomRows(no_);
            t_ = v.time;
        }
        const Mat cf = w2_ * w1_;
        const double err = (v.predictor.beta - cf).norm() / std::max(cf.norm(), 1e-300);
        max_error_ = std::max(max_error_, err);
        next_ = schedule_.next_after(v.time);
        if (v.final) {
            const Eigen::Map<const Mat> w1(v.theta.data(), nh_, ni_), w2(v.theta.data() + nh_ * ni_, no_, nh_);
            kernel_ = exact::two_layer_kernel_distance(a0_, b0_, w1.transpose() * w1, w2 * w2.transpose());
            kernel_cf_ = exact::two_layer_kernel_distance(a0_, b0_, w1_.transpose() * w1_, w2_ * w2_.transpose());
        }
        return StepAction::Continue;
    }

    // Checkpoints: the closed form's layers at t_ (exact doubles) and the running maxima.
    bool resumable() const override { return true; }
    nlohmann::json save_state() const override {
        return {{"w1", state::of(Vec(Eigen::Map<const Vec>(w1_.data(), w1_.size())))},
                {"w2", state::of(Vec(Eigen::Map<const Vec>(w2_.data(), w2_.size())))},
                {"t", t_}, {"next", next_}, {"max_error", max_error_}};
    }
    void restore_state(const nlohmann::json& s) override {
        const Vec a = state::vec(s, "w1", nh_ * ni_), b = state::vec(s, "w2", no_ * nh_);
        w1_ = Eigen::Map<const Mat>(a.data(), nh_, ni_);
        w2_ = Eigen::Map<const Mat>(b.data(), no_, nh_);
        t_ = state::number(s, "t");
        next_ = state::number(s, "next");
        max_error_ = state::number(s, "max_error");
    }

    void finish(const ObserverReport& r) override {
        if (!r.finished || !r.summary.final) return;
        auto& f = r.summary.final->values;
        f["closed_form_max_error"] = max_error_;
        f["lambda"] = lambda_;
        f["kernel_distance"] = kernel_;
        f["closed_form_kernel_distance"] = kernel_cf_;
    }

private:
    Mat sigma_;
    Index ni_, nh_, no_;
    Mat w1_, w2_, a0_, b0_;  // the closed form's layers at time t_
    RecordSchedule schedule_;
    double t_ = 0, next_ = 0, lambda_;
    double max_error_ = 0, kernel_ = NAN, kernel_cf_ = NAN;
};

const Registrar<ObserverEntry> registration{{
    .name = "lambda_balanced_reference",
    .doc = "two-layer deep_matrix on the whitened task from a lambda-balanced init: the run against the exact "
           "closed form (final.closed_form_max_error, final.lambda) and the NTK kernel distance (final.kernel_distance)",
    .build = [](const ObserverContext& c) -> std::unique_ptr<Observer> {
        const auto* task = dynamic_cast<const WhitenedRegression*>(&c.objective.task());
        const auto* model = dynamic_cast<const DeepMatrixProduct*>(&c.objective.model());
        if (!task || !model || model->depth() != 2) return nullptr;
        const Index no = task->rows(), ni = task->cols();
        if (c.theta0.size() % (ni + no) != 0) return nullptr;
        const Index nh = c.theta0.size() / (ni + no);  // theta = [vec W1 (nh x ni); vec W2 (no x nh)]
        const Eigen::Map<const Mat> w1(c.theta0.data(), nh, ni), w2(c.theta0.data() + nh * ni, no, nh);
        double off = 0;
        const double lambda = exact::balance_of(w1, w2, &off);
        if (off > 1e-8 * (w1.squaredNorm() + w2.squaredNorm() + std::abs(lambda))) return nullptr;
        return std::make_unique<LambdaBalancedReference>(task->target(), c.theta0, nh, recording_schedule(c), lambda);
    },
}};

}  // namespace
}  // namespace depthbias
