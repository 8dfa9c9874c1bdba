// ModelEntry: how a model registers itself (in its own .cpp): its name (the value of model.kind), a doc line,
// the predictor shape it produces (it fits the tasks of that shape), the [model] keys it reads, its extension keys,
// kind-specific validation (which may look at the task's parameters), and how it is built for a task.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "depthbias/core/extra_params.hpp"
#include "depthbias/core/registry.hpp"
#include "depthbias/models/model.hpp"
#include "depthbias/models/model_params.hpp"
#include "depthbias/tasks/task_registry.hpp"

namespace depthbias {

struct ModelEntry {
    std::string name;
    std::string doc;
    PredictorShape shape = PredictorShape::Matrix;
    std::vector<std::string> uses;  // [model] keys read besides model.kind
    std::function<void(const ModelParams&, const TaskParams&, const ExtraParams&)> validate;  // optional
    std::function<std::unique_ptr<Model>(const ModelParams&, const ExtraParams&, const Task&)> build;
    // Doubles the model stores (parameters, gradient, workspaces) for a predictor of `predictor` numbers.
    // Optional: without it, (3 depth + 4) x predictor.
    std::function<double(const ModelParams&, double predictor)> stored_numbers = {};
    // The toy model's rate constant in the closed-form flow (toy_theory.hpp): N^2 for power forms, N for the
    // balanced product (diagonal_product).
    bool product_rate = false;
    // The model implements BalancedLiftModel (models/deep_matrix_product.hpp): it can carry the end-to-end flow.
    bool balanced_lift = false;
};

using ModelRegistry = Registry<ModelEntry>;

// Validates that model p fits task t (shape, kind-specific rules); ConfigError naming the key otherwise.
void validate_model(const ModelParams& p, const TaskParams& t, const ExtraParams& extra);
std::unique_ptr<Model> build_model(const ModelParams& p, const ExtraParams& extra, const Task& task);

}  // namespace depthbias
