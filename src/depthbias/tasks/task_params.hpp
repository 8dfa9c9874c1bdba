// TaskParams: the [task] section of a run config (docs/CONFIG.md). One struct for every task kind; each task's
// registration (tasks/task_registry.hpp) says which of these keys it reads and builds itself from them.
// Keys a single task adds for itself are extension keys (core/extra_params.hpp).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace depthbias {

struct TaskParams {
    std::string kind = "sensing";
    std::int64_t d = 50;
    std::int64_t measurements = 1000;
    std::vector<double> target{12, 6, 4, 3};  // singular values / eigenvalues / toy target values
    std::string target_basis = "diagonal";
    std::string storage = "float64";
    std::string kernel = "fused";
    std::int64_t test_samples = 200;
    std::string loss = "exponential";     // classification: exponential | logistic
    std::string reduction = "mean";       // classification: mean | sum
    std::string target_domain = "time";   // classification: time | fourier
    double noise_std = 0.1;               // regression
    bool normalize_columns = false;       // regression
    std::vector<double> signed_inputs{};  // classification: explicit rows x~_n = y_n x_n (flattened, d per row)
    std::string target_law = "fixed";     // regression: fixed | exponential
    std::string data_file{};              // user data instead of sampling (tasks/data_file.hpp); "" = sample
};

// Rules several tasks share (each throws ConfigError naming the key).
void require_positive_target(const TaskParams& p);   // every task.target entry > 0
void require_target_fits_d(const TaskParams& p);     // at most task.d target values
void require_target_basis(const TaskParams& p);      // diagonal | random
// A planted low-rank matrix target: the three rules above.
void require_planted_matrix_target(const TaskParams& p);

}  // namespace depthbias
