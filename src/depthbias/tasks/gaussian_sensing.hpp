// Gaussian matrix sensing: y_i = <A_i, W*>, A_i with iid N(0,1) entries (d x d), i = 1..m.
// Loss L = (1/m) sum_i (<A_i, beta> + offset - y_i)^2 (Keras mse, as the authors' scripts).
// Storage: the m x d^2 measurement matrix, row-major (vec(A_i) is row i, column-major vec of A_i),
// in float64 or float32; accumulation is always float64.
// Kernel "fused": one pass over the measurements, a block of 8 rows at a time: residuals of the block,
// then their contribution to the gradient while the rows are still in cache (reads A once from memory);
// SIMD loops in tasks/sensing_kernel.hpp (float32 rows widened to float64 in registers).
// Kernel "two_pass": r = A vec(beta), then g = A^T r (what numpy/PyTorch do; kept for the benchmark).
#pragma once
#include <memory>
#include <string>

#include "depthbias/core/rng.hpp"
#include "depthbias/tasks/task.hpp"

namespace depthbias {

struct GaussianSensingSpec {
    Index d = 50;
    Index measurements = 1000;
    std::vector<double> target_singular_values{12, 6, 4, 3};
    std::string target_basis = "diagonal";
    std::string storage = "float64";  // or "float32"
    std::string kernel = "fused";     // or "two_pass"
    Index test_samples = 200;
};

std::unique_ptr<Task> make_gaussian_sensing(const GaussianSensingSpec& spec, std::uint64_t seed);
// On user data (task.data_file): `a` is m x d^2 (row i = vec(A_i), column-major), y the m measurements; no planted
// target (zero; reconstruction and test errors NaN), no test set.
std::unique_ptr<Task> make_gaussian_sensing(const GaussianSensingSpec& spec, const Mat& a, Vec y);

}  // namespace depthbias
