#include "depthbias/run/factory.hpp"

#include "depthbias/core/error.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/models/symmetric_factor.hpp"
#include "depthbias/models/toy_diagonal.hpp"
#include "depthbias/tasks/gaussian_sensing.hpp"
#include "depthbias/tasks/matrix_completion.hpp"
#include "depthbias/tasks/quadratic_sensing.hpp"
#include "depthbias/tasks/toy_task.hpp"

namespace depthbias {

std::unique_ptr<Task> make_task(const RunConfig& c) {
    const auto seed = std::uint64_t(c.seed);
    if (c.task == "sensing") {
        GaussianSensingSpec s;
        s.d = c.d;
        s.measurements = c.measurements;
        s.target_singular_values = c.target;
        s.target_basis = c.target_basis;
        s.storage = c.storage;
        s.kernel = c.kernel;
        s.test_samples = c.test_samples;
        return make_gaussian_sensing(s, seed);
    }
    if (c.task == "completion") {
        MatrixCompletionSpec s;
        s.d = c.d;
        s.measurements = c.measurements;
        s.target_singular_values = c.target;
        s.target_basis = c.target_basis;
        return make_matrix_completion(s, seed);
    }
    if (c.task == "quadratic") {
        QuadraticSensingSpec s;
        s.d = c.d;
        s.measurements = c.measurements;
        s.target_eigenvalues = c.target;
        s.target_basis = c.target_basis;
        s.test_samples = c.test_samples;
        return make_quadratic_sensing(s, seed);
    }
    if (c.task == "toy") return std::make_unique<ToyTask>(c.target);
    throw ConfigError("task.kind", "'" + c.task + "' is not one of: sensing, completion, quadratic, toy");
}

std::unique_ptr<Model> make_model(const RunConfig& c, const Task& task) {
    if (c.model == "linear") return std::make_unique<DeepMatrixProduct>(task.rows(), 1, parse_matrix_init(c.init), c.init_scale);
    if (c.model == "deep_matrix")
        return std::make_unique<DeepMatrixProduct>(task.rows(), int(c.depth), parse_matrix_init(c.init), c.init_scale);
    if (c.model == "symmetric")
        return std::make_unique<SymmetricFactor>(task.rows(), parse_matrix_init(c.init), c.init_scale, c.bias);
    return std::make_unique<ToyDiagonal>(task.rows(), int(c.depth), parse_toy_param(c.model), c.init_scale);
}

}  // namespace depthbias
