// Observer "single_neuron_reference" (papers/exact_dln.md 4, Kunin et al. 2024): a two-layer deep matrix product with
// one hidden unit and one output, f(x) = a w^T x (model.kind = deep_matrix, model.depth = 2, model.widths = [1],
// task.out_dim = 1), on the whitened task (loss 1/2 ||a w^T - beta*^T||^2, beta* = the target's single row), from any
// init with a0 != 0. At the run's recording times ([observe] schedule, and the final state) it compares the run's
// predictor a(t) w(t) with the exact state of analysis/exact_dln.hpp single_neuron(beta*, a0, w0, t) (delta =
// a^2 - ||w||^2 conserved; the flow's time, GD iterate k at t = k lr) and records
//   final.single_neuron_max_error: max over the compared times of ||a w - a_cf w_cf|| / ||beta*||,
//   final.single_neuron_compared:  the number of compared times,
//   final.single_neuron_delta:     the init's a0^2 - ||w0||^2.
// Anything else (other shapes, tasks or models, a0 = 0, beta* = 0): the observer is not built (nothing recorded;
// checks that read these fields are then not evaluated). The flow agrees to its tolerance, GD to O(lr). Allocates
// only at its comparison times (the closed form's state). Resumable (observe/oracle_comparison.hpp). One
// instance per run.
#include <cmath>

#include "depthbias/analysis/exact_dln.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/observe/oracle_comparison.hpp"
#include "depthbias/tasks/whitened_regression.hpp"

namespace depthbias {
namespace {

class SingleNeuronReference final : public OracleComparison {
public:
    SingleNeuronReference(Vec beta_star, double a0, Vec w0, RecordSchedule schedule)
        : OracleComparison(schedule, "single_neuron"), beta_star_(std::move(beta_star)), a0_(a0), w0_(std::move(w0)) {}

private:
    double error_at(const StepView& v) override {
        const exact::NeuronState cf = exact::single_neuron(beta_star_, a0_, w0_, v.time);
        return (v.predictor.beta.row(0).transpose() - cf.a * cf.w).norm() / beta_star_.norm();
    }
    void add_final(std::map<std::string, std::optional<double>>& f) override {
        f["single_neuron_delta"] = a0_ * a0_ - w0_.squaredNorm();
    }

    Vec beta_star_;
    double a0_;
    Vec w0_;
};

std::unique_ptr<Observer> build(const ObserverContext& c) {
    const auto* model = dynamic_cast<const DeepMatrixProduct*>(&c.objective.model());
    const auto* task = dynamic_cast<const WhitenedRegression*>(&c.objective.task());
    if (!model || !task || model->depth() != 2 || task->rows() != 1) return nullptr;
    const Mat w1 = model->layer(c.theta0, 1), w2 = model->layer(c.theta0, 2);
    if (w1.rows() != 1 || w2.rows() != 1 || w2.cols() != 1) return nullptr;  // one hidden unit, one output
    const double a0 = w2(0, 0);
    Vec beta_star = task->target().row(0).transpose();
    if (!(std::abs(a0) > 0) || !(beta_star.norm() > 0)) return nullptr;
    return std::make_unique<SingleNeuronReference>(std::move(beta_star), a0, Vec(w1.row(0).transpose()),
                                                   recording_schedule(c));
}

const Registrar<ObserverEntry> registration{{
    .name = "single_neuron_reference",
    .doc = "deep_matrix d-1-1 (one hidden unit, one output) on the whitened task: the run against Kunin et al.'s exact "
           "single-neuron solution (final.single_neuron_max_error, relative to ||beta*||)",
    .build = build,
}};

}  // namespace
}  // namespace depthbias
