#include "depthbias/run/factory.hpp"

#include "depthbias/core/error.hpp"
#include "depthbias/models/circular_conv_network.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/models/symmetric_factor.hpp"
#include "depthbias/models/diagonal_network.hpp"
#include "depthbias/tasks/binary_classification.hpp"
#include "depthbias/tasks/gaussian_sensing.hpp"
#include "depthbias/tasks/matrix_completion.hpp"
#include "depthbias/tasks/quadratic_sensing.hpp"
#include "depthbias/tasks/sparse_regression.hpp"
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
    if (c.task == "classification" && !c.signed_inputs.empty()) {
        const Index rows = Index(c.signed_inputs.size()) / c.d;
        Mat xt(rows, c.d);
        for (Index i = 0; i < rows; ++i)
            for (Index j = 0; j < c.d; ++j) xt(i, j) = c.signed_inputs[size_t(i * c.d + j)];
        return std::make_unique<BinaryClassification>(xt, c.loss, c.reduction);
    }
    if (c.task == "classification") {
        ClassificationSpec s;
        s.d = c.d;
        s.samples = c.measurements;
        s.target = c.target;
        s.target_domain = c.target_domain;
        s.loss = c.loss;
        s.reduction = c.reduction;
        s.test_samples = c.test_samples;
        return make_classification(s, seed);
    }
    if (c.task == "regression") {
        SparseRegressionSpec s;
        s.d = c.d;
        s.samples = c.measurements;
        s.target = c.target;
        s.target_law = c.target_law;
        s.noise_std = c.noise_std;
        s.normalize_columns = c.normalize_columns;
        s.test_samples = c.test_samples;
        return make_sparse_regression(s, seed);
    }
    throw ConfigError("task.kind", "'" + c.task + "' is not one of: sensing, completion, quadratic, toy");
}

std::unique_ptr<Model> make_model(const RunConfig& c, const Task& task) {
    if (c.model == "linear") return std::make_unique<DeepMatrixProduct>(task.rows(), 1, parse_matrix_init(c.init), c.init_scale);
    if (c.model == "deep_matrix")
        return std::make_unique<DeepMatrixProduct>(task.rows(), int(c.depth), parse_matrix_init(c.init), c.init_scale);
    if (c.model == "symmetric")
        return std::make_unique<SymmetricFactor>(task.rows(), parse_matrix_init(c.init), c.init_scale, c.bias);
    if (c.model == "circular_conv") return std::make_unique<CircularConvNetwork>(task.rows(), int(c.depth), c.init_scale);
    return std::make_unique<DiagonalNetwork>(task.rows(), int(c.depth), parse_diagonal_form(c.model), c.init_scale,
                                             c.shape);
}

}  // namespace depthbias
