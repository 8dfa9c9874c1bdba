// Observer "singular_value_ode" (papers/dln_geometry.md 2, exact_dln.md 5.3): along a deep matrix product run
// (model.kind = deep_matrix, depth >= 2, predictor at most 32 x 32), at the run's recording times ([observe]
// schedule, and the final state) it compares the singular values' velocity under the layered gradient flow at the current layers,
//     sigma_r' = u_r^T X' v_r,  X' = -sum_k P_{>k} P_{>k}^T G P_{<k}^T P_{<k}  (G = grad E(X), P the partial products),
// with the end-to-end formula sigma_r' = -N sigma_r^{2-2/N} <G, u_r v_r^T>, which holds on the balanced manifold only.
// Summary: final.sv_ode_max_error = max over the compared times of max_r |difference| / max_r |formula| (~1e-12 from a
// balanced init, O(1) from an unbalanced one), final.sv_ode_compared (times compared) and final.sv_ode_skipped (times
// where the formula does not apply: a repeated or zero singular value, or a vanishing gradient). When no time could be
// compared, sv_ode_max_error is absent (a check on it is then not evaluated). Allocates at its comparison times only.
// Resumable (its state is four numbers).
#include <Eigen/SVD>
#include <cmath>
#include <stdexcept>

#include "depthbias/analysis/dln_geometry.hpp"
#include "depthbias/core/state_io.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/observe/observer.hpp"
#include "depthbias/observe/schedule.hpp"

namespace depthbias {
namespace {

class SingularValueOde final : public Observer {
public:
    SingularValueOde(const DeepMatrixProduct& model, const Task& task, RecordSchedule schedule)
        : model_(model), task_(task), schedule_(schedule) {}

    StepAction observe(const StepView& v) override {
        if (!(v.time >= next_) && !v.final) return StepAction::Continue;
        next_ = schedule_.next_after(v.time);
        const int n = model_.depth();
        const Mat& x = v.predictor.beta;
        Predictor g{Mat::Zero(x.rows(), x.cols()), 0.0};
        task_.loss_and_gradient(v.predictor, g);
        std::vector<double> formula;
        try {
            formula = geometry::singular_value_velocity(x, g.beta, n, 1e-6);
        } catch (const std::invalid_argument&) {
            ++skipped_;
            return StepAction::Continue;
        }
        // X' of the layered flow at these layers
        std::vector<Mat> w;
        for (int k = 1; k <= n; ++k) w.push_back(model_.layer(v.theta, k));
        Mat xdot = Mat::Zero(x.rows(), x.cols());
        for (int k = 0; k < n; ++k) {
            Mat above = Mat::Identity(x.rows(), x.rows()), below = Mat::Identity(x.cols(), x.cols());
            Mat left = Mat::Identity(x.rows(), x.rows());  // P_{>k} = W_N ... W_{k+2}
            for (int j = n - 1; j > k; --j) left = left * w[size_t(j)];
            Mat right = Mat::Identity(x.cols(), x.cols());  // P_{<k} = W_k ... W_1 (0-based: layers < k)
            for (int j = 0; j < k; ++j) right = w[size_t(j)] * right;
            if (k + 1 < n) above = left * left.transpose();
            if (k > 0) below = right.transpose() * right;
            xdot -= above * g.beta * below;
        }
        Eigen::JacobiSVD<Mat> svd(x, Eigen::ComputeThinU | Eigen::ComputeThinV);
        double worst = 0, scale = 0;
        for (size_t r = 0; r < formula.size(); ++r) {
            const double layered = svd.matrixU().col(Index(r)).dot(xdot * svd.matrixV().col(Index(r)));
            worst = std::max(worst, std::abs(layered - formula[r]));
            scale = std::max(scale, std::abs(formula[r]));
        }
        if (!(scale > 0)) {
            ++skipped_;
            return StepAction::Continue;
        }
        max_error_ = std::max(max_error_, worst / scale);
        ++compared_;
        return StepAction::Continue;
    }

    // Checkpoints: everything it keeps is four numbers.
    bool resumable() const override { return true; }
    nlohmann::json save_state() const override {
        return {{"next", next_}, {"max_error", max_error_}, {"compared", compared_}, {"skipped", skipped_}};
    }
    void restore_state(const nlohmann::json& s) override {
        next_ = state::number(s, "next");
        max_error_ = state::number(s, "max_error");
        compared_ = state::integer(s, "compared");
        skipped_ = state::integer(s, "skipped");
    }

    void finish(const ObserverReport& r) override {
        if (!r.finished || !r.summary.final) return;
        auto& f = r.summary.final->values;
        if (compared_ > 0) f["sv_ode_max_error"] = max_error_;
        f["sv_ode_compared"] = double(compared_);
        f["sv_ode_skipped"] = double(skipped_);
    }

private:
    const DeepMatrixProduct& model_;
    const Task& task_;
    RecordSchedule schedule_;
    double next_ = 0;
    double max_error_ = 0;
    long compared_ = 0, skipped_ = 0;
};

const Registrar<ObserverEntry> registration{{
    .name = "singular_value_ode",
    .doc = "deep_matrix (depth >= 2, at most 32 x 32): the layered flow's singular-value velocity against the "
           "end-to-end formula -N sigma^{2-2/N} <grad, u v^T> (final.sv_ode_max_error; holds when balanced)",
    .build = [](const ObserverContext& c) -> std::unique_ptr<Observer> {
        const auto* model = dynamic_cast<const DeepMatrixProduct*>(&c.objective.model());
        if (!model || model->depth() < 2) return nullptr;
        if (c.objective.task().rows() > 32 || c.objective.task().cols() > 32) return nullptr;
        return std::make_unique<SingularValueOde>(*model, c.objective.task(), recording_schedule(c));
    },
}};

}  // namespace
}  // namespace depthbias
