// Quadratic-network regression = symmetric matrix sensing with rank-one measurements x x^T:
// f(x) = x^T beta x + offset, x ~ N(0, I_d), labels y = x^T M* x with M* = diag(target) (gissin.md 3.2).
// Loss L = (1/m) sum_i (f(x_i) - y_i)^2 (Keras mse). dL/dbeta = (2/m) X^T diag(r) X (symmetric).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "depthbias/tasks/task.hpp"

namespace depthbias {

struct QuadraticSensingSpec {
    Index d = 20;
    Index measurements = 100;
    std::vector<double> target_eigenvalues{1.0, 1.0 / 2, 1.0 / 3, 1.0 / 4};
    std::string target_basis = "diagonal";
    Index test_samples = 2000;
};

std::unique_ptr<Task> make_quadratic_sensing(const QuadraticSensingSpec& spec, std::uint64_t seed);

}  // namespace depthbias
