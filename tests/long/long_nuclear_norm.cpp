// exact_dln.md A2 at the size of Arora et al. 2019 (n = 100, rank 5, singular values of the digest's re-run instance
// 56.133, 50.635, 42.515, 36.848, 33.465, so ||W*||_* = 219.596): the minimum-nuclear-norm completion (ADMM with
// singular-value thresholding) recovers W* from 5000 observed entries and does not from 2000, where its nuclear norm
// is below ||W*||_* (digest: 216.65 < 219.60, test MSE 0.0366 on its instance). Label `long` (tens of seconds).
#include <gtest/gtest.h>

#include <Eigen/SVD>

#include "depthbias/analysis/references/nuclear_norm.hpp"
#include "depthbias/tasks/matrix_completion.hpp"

using namespace depthbias;

namespace {

refs::NuclearNormResult solve(Index m, const Mat** target, std::unique_ptr<Task>& task) {
    MatrixCompletionSpec spec;
    spec.d = 100;
    spec.measurements = m;
    spec.target_singular_values = {56.133, 50.635, 42.515, 36.848, 33.465};
    spec.target_basis = "random";
    task = make_matrix_completion(spec, 0);
    *target = &task->target();
    const auto obs = *completion_observations(*task);
    std::vector<refs::Measurement> ms;
    for (size_t k = 0; k < obs.indices.size(); ++k)
        ms.push_back({{obs.indices[k] % 100}, {obs.indices[k] / 100}, {1.0}, obs.values[k]});
    return refs::min_nuclear_norm_completion_admm(100, 100, ms, 0.05, 1e-8, 50000);
}

}  // namespace

TEST(LongNuclearNorm, A2RecoveryAt5000NotAt2000) {
    const double star = 56.133 + 50.635 + 42.515 + 36.848 + 33.465;
    std::unique_ptr<Task> t5, t2;
    const Mat *w5 = nullptr, *w2 = nullptr;
    const auto r5 = solve(5000, &w5, t5);
    const double mse5 = (r5.x - *w5).squaredNorm() / 1e4;
    RecordProperty("m5000_nuclear_norm", std::to_string(r5.nuclear_norm));
    RecordProperty("m5000_test_mse", std::to_string(mse5));
    EXPECT_LT(mse5, 1e-8);
    EXPECT_NEAR(r5.nuclear_norm, star, 1e-3);
    const auto r2 = solve(2000, &w2, t2);
    const double mse2 = (r2.x - *w2).squaredNorm() / 1e4;
    RecordProperty("m2000_nuclear_norm", std::to_string(r2.nuclear_norm));
    RecordProperty("m2000_test_mse", std::to_string(mse2));
    EXPECT_LT(r2.nuclear_norm, star);
    EXPECT_GT(mse2, 1e-3);
}
