// Matrix completion: observe m distinct entries (i, j) of a planted low-rank W* (d x d), chosen uniformly.
// Loss L = (1/m) sum_{(i,j) observed} (beta_ij + offset - W*_ij)^2. Test error: the relative squared error
// on the entries not observed.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "depthbias/tasks/task.hpp"

namespace depthbias {

struct MatrixCompletionSpec {
    Index d = 50;
    Index measurements = 1000;
    std::vector<double> target_singular_values{12, 6, 4, 3};
    std::string target_basis = "random";
};

std::unique_ptr<Task> make_matrix_completion(const MatrixCompletionSpec& spec, std::uint64_t seed);
// On user data: the observed entries of task.data_file (columns row, col, value; tasks/data_file.hpp).
std::unique_ptr<Task> make_matrix_completion(const MatrixCompletionSpec& spec, const std::string& data_file);

}  // namespace depthbias
