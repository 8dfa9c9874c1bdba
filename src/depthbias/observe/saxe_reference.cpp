// Observer "saxe_reference" (papers/exact_dln.md 2, Saxe et al. 2014): along a deep matrix product run
// (model.kind = deep_matrix, any depth N) on the whitened task (loss 1/2 ||W - Sigma||_F^2, Sigma = U diag(s) V^T)
// whose init is aligned with the target and balanced (W(0) = U diag(u0) V^T to 1e-8 relative, 0 < u0_r < s_r, and
// W_{l+1}^T W_{l+1} = W_l W_l^T to 1e-8 relative: e.g. model.init = identity with task.target_basis = diagonal and as
// many target values as task.d), every mode r follows Saxe's closed form u_r(t) = saxe_mode(N, s_r, u0_r, t)
// (analysis/exact_dln.hpp; the flow's time, GD iterate k at t = k lr). At the run's recording times ([observe]
// schedule, and the final state) it compares u_r(t) = U_r^T W(t) V_r with the closed form and records
//   final.saxe_max_error: max over the compared times and modes of |u_r(t) - saxe_mode(...)| / s_r,
//   final.saxe_compared:  the number of compared times.
// Anything else (other tasks or models, an init that is not aligned or not balanced, a mode at or above its target):
// the observer is not built (nothing recorded; checks that read these fields are then not evaluated). The flow
// agrees to its integration tolerance, GD to O(lr). Allocates only when built (the target's SVD and two work
// vectors); nothing per step. Resumable (observe/oracle_comparison.hpp). One instance per run, not shared.
#include <Eigen/SVD>
#include <cmath>

#include "depthbias/analysis/exact_dln.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/observe/oracle_comparison.hpp"
#include "depthbias/tasks/whitened_regression.hpp"

namespace depthbias {
namespace {

constexpr double kAlignmentTolerance = 1e-8;

class SaxeReference final : public OracleComparison {
public:
    SaxeReference(Mat u, Mat v, Vec s, Vec u0, int depth, RecordSchedule schedule)
        : OracleComparison(schedule, "saxe"), u_(std::move(u)), v_(std::move(v)), s_(std::move(s)), u0_(std::move(u0)),
          depth_(depth), wv_(u_.rows()) {}

private:
    double error_at(const StepView& v) override {
        const Mat& w = v.predictor.beta;
        double worst = 0;
        for (Index r = 0; r < s_.size(); ++r) {
            wv_.noalias() = w * v_.col(r);
            const double mode = u_.col(r).dot(wv_);
            const double closed = exact::saxe_mode(depth_, s_(r), u0_(r), v.time);
            worst = std::max(worst, std::abs(mode - closed) / s_(r));
        }
        return worst;
    }

    Mat u_, v_;  // the target's singular vectors (columns), one per mode
    Vec s_, u0_;
    int depth_;
    Vec wv_;  // W V_r (work vector)
};

// The observer applies when W(0) = U diag(u0) V^T with 0 < u0 < s (aligned, every mode below its target) and the
// layers are balanced; otherwise nullptr.
std::unique_ptr<Observer> build(const ObserverContext& c) {
    const auto* model = dynamic_cast<const DeepMatrixProduct*>(&c.objective.model());
    const auto* task = dynamic_cast<const WhitenedRegression*>(&c.objective.task());
    if (!model || !task || task->rows() > 64 || task->cols() > 64) return nullptr;
    const int n = model->depth();
    Mat w0 = model->layer(c.theta0, 1);
    for (int k = 2; k <= n; ++k) {
        const Mat below = model->layer(c.theta0, k - 1), above = model->layer(c.theta0, k);
        const Mat gap = above.transpose() * above - below * below.transpose();
        const double scale = std::max((above.transpose() * above).norm(), (below * below.transpose()).norm());
        if (!(scale > 0) || gap.norm() > kAlignmentTolerance * scale) return nullptr;  // not balanced
        w0 = above * w0;
    }
    Eigen::JacobiSVD<Mat> svd(task->target(), Eigen::ComputeThinU | Eigen::ComputeThinV);
    const Vec& sv = svd.singularValues();
    Index k = 0;
    while (k < sv.size() && sv(k) > 1e-12 * sv(0)) ++k;
    if (k == 0) return nullptr;
    for (Index r = 1; r < k; ++r)
        if (sv(r - 1) - sv(r) <= 1e-9 * sv(0)) return nullptr;  // repeated target values: modes not identifiable
    Mat u = svd.matrixU().leftCols(k), v = svd.matrixV().leftCols(k);
    Vec s = sv.head(k), u0(k);
    Mat rebuilt = Mat::Zero(w0.rows(), w0.cols());
    for (Index r = 0; r < k; ++r) {
        u0(r) = u.col(r).dot(w0 * v.col(r));
        if (!(u0(r) > 0 && u0(r) < s(r))) return nullptr;  // the closed form needs 0 < u0 < s
        rebuilt += u0(r) * u.col(r) * v.col(r).transpose();
    }
    if (!(w0.norm() > 0) || (w0 - rebuilt).norm() > kAlignmentTolerance * w0.norm()) return nullptr;  // not aligned
    return std::make_unique<SaxeReference>(std::move(u), std::move(v), std::move(s), std::move(u0), n,
                                           recording_schedule(c));
}

const Registrar<ObserverEntry> registration{{
    .name = "saxe_reference",
    .doc = "deep_matrix on the whitened task from an aligned, balanced init: every mode against Saxe's closed form "
           "(final.saxe_max_error, relative to the target value; the flow to its tolerance, GD to O(lr))",
    .build = build,
}};

}  // namespace
}  // namespace depthbias
