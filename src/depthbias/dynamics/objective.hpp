// Objective = Model composed with Task: theta -> (L(beta(theta)), dL/dtheta). Counts gradient evaluations (and
// loss-only ones, value()) and keeps the predictor of the last evaluated theta for observers. Allocation-free after construction.
#pragma once
#include "depthbias/models/model.hpp"
#include "depthbias/tasks/task.hpp"

namespace depthbias {

class Objective {
public:
    Objective(Model& model, const Task& task)
        : model_(model), task_(task), pred_{Mat::Zero(task.rows(), task.cols()), 0.0},
          grad_pred_{Mat::Zero(task.rows(), task.cols()), 0.0} {}

    double value_and_gradient(const Vec& theta, Vec& grad) {
        model_.predictor(theta, pred_);
        const double loss = task_.loss_and_gradient(pred_, grad_pred_);
        model_.pullback(theta, grad_pred_, grad);
        ++evaluations_;
        return loss;
    }

    // The loss alone: the forward pass (the predictor, kept for observers) and the task's loss, no gradient (for a
    // sensing task about 0.6 of a gradient's cost). Counted in loss_evaluations(), not in evaluations().
    double value(const Vec& theta) {
        model_.predictor(theta, pred_);
        ++loss_evaluations_;
        return task_.loss(pred_);
    }

    const Predictor& predictor() const { return pred_; }  // at the last evaluated theta
    const Model& model() const { return model_; }
    const Task& task() const { return task_; }
    long evaluations() const { return evaluations_; }
    long loss_evaluations() const { return loss_evaluations_; }
    // A run continued from a checkpoint counts on from the evaluations made before it.
    void restore_evaluations(long n) { evaluations_ = n; }

private:
    Model& model_;
    const Task& task_;
    Predictor pred_, grad_pred_;
    long evaluations_ = 0;
    long loss_evaluations_ = 0;
};

}  // namespace depthbias
