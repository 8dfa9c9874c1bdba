#include "depthbias/tasks/toy_task.hpp"

#include <cmath>

#include "depthbias/core/error.hpp"
#include "depthbias/tasks/task_registry.hpp"

namespace depthbias {

ToyTask::ToyTask(const std::vector<double>& v) {
    if (v.empty()) throw ConfigError("task.target_values", "must hold at least one value");
    target_.resize(Index(v.size()), 1);
    for (size_t i = 0; i < v.size(); ++i) {
        if (!std::isfinite(v[i]) || v[i] <= 0)
            throw ConfigError("task.target_values", "entries must be finite and > 0, got " + std::to_string(v[i]));
        target_(Index(i), 0) = v[i];
    }
}

std::vector<double> ToyTask::target_spectrum() const {
    return std::vector<double>(target_.data(), target_.data() + target_.size());
}

}  // namespace depthbias

namespace depthbias {
namespace {

const Registrar<TaskEntry> registration{{
    .name = "toy",
    .doc = "the toy model 1/2 ||beta - beta*||^2 with beta* = task.target (task.d is ignored)",
    .shape = PredictorShape::Vector,
    .uses = {"task.target"},
    .validate = [](const TaskParams& p, const ExtraParams&) { require_positive_target(p); },
    .build = [](const TaskParams& p, const ExtraParams&, std::uint64_t) -> std::unique_ptr<Task> {
        return std::make_unique<ToyTask>(p.target);
    },
    .stored_numbers = [](const TaskParams& p) { return 4.0 * double(p.target.size()); },
    .predictor_numbers = [](const TaskParams& p) { return double(p.target.size()); },
}};

}  // namespace
}  // namespace depthbias
