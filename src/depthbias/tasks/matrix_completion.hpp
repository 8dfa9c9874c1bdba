// Matrix completion: observe m distinct entries (i, j) of a planted low-rank W* (d x d), chosen uniformly.
// Loss L = (1/m) sum_{(i,j) observed} (beta_ij + offset - W*_ij)^2. Test error: the relative squared error
// on the entries not observed. The observed entries are drawn uniformly without replacement, or given explicitly
// (task.observed = [row1, col1, row2, col2, ...], 0-based; then task.measurements must equal the number of pairs),
// e.g. the 2 x 2 diagonal completion of dln_geometry.md 4.1: d = 2, target = [1, 1] diagonal, observed = [0,0,1,1]
// gives L = 1/2 ((X11 - 1)^2 + (X22 - 1)^2) (m = 2).
// Metric unobserved_energy: sum over the unobserved entries of (beta_ij + offset)^2 / ||W*||_F^2 (the change of the
// unobserved entries when beta(0) = 0, as for uv_factorization; Woodworth et al. Fig. 3).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "depthbias/tasks/task.hpp"

namespace depthbias {

struct MatrixCompletionSpec {
    Index d = 50;
    Index measurements = 1000;
    std::vector<double> target_singular_values{12, 6, 4, 3};
    std::string target_basis = "random";
    std::vector<Index> observed;  // explicit column-major indices (row + d col), distinct; empty: random
};

std::unique_ptr<Task> make_matrix_completion(const MatrixCompletionSpec& spec, std::uint64_t seed);
// On user data: the observed entries of task.data_file (columns row, col, value; tasks/data_file.hpp).
std::unique_ptr<Task> make_matrix_completion(const MatrixCompletionSpec& spec, const std::string& data_file);

// The observed entries of a completion task (column-major indices row + rows * col, sorted, and their values), for
// references such as the minimum nuclear norm; nullopt when `task` is not a completion task.
struct CompletionObservations {
    Index rows = 0, cols = 0;
    std::vector<Index> indices;
    std::vector<double> values;
};
std::optional<CompletionObservations> completion_observations(const Task& task);

}  // namespace depthbias
