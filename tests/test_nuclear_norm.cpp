// Minimum nuclear norm references (analysis/references/nuclear_norm.hpp): the SDP through DSDP on instances with
// known answers (a 2 x 2 rank-1 completion: X22 = 1, ||X||_* = 2; the diagonal completion: value 2 = tr X; exact
// recovery from Gaussian sensing), its duality gap, the ADMM against the SDP where both run, the registered
// reference on a completion task, and bad input.
#include <gtest/gtest.h>

#include <Eigen/SVD>
#include <cmath>

#include "depthbias/analysis/references/errors.hpp"
#include "depthbias/analysis/references/nuclear_norm.hpp"
#include "depthbias/analysis/references/reference_distances.hpp"
#include "depthbias/core/rng.hpp"
#include "depthbias/tasks/matrix_completion.hpp"

using namespace depthbias;
using namespace depthbias::refs;

namespace {

std::vector<Measurement> entries(const Mat& m, const std::vector<std::pair<Index, Index>>& at) {
    std::vector<Measurement> out;
    for (const auto& [i, j] : at) out.push_back({{i}, {j}, {1.0}, m(i, j)});
    return out;
}

}  // namespace

TEST(NuclearNorm, RankOneCompletionOfTwoByTwo) {
    const Mat m = Mat::Ones(2, 2);
    const auto r = min_nuclear_norm_sdp(2, 2, entries(m, {{0, 0}, {0, 1}, {1, 0}}));
    // The objective is quadratic in X22 - 1 at the optimum: a relative duality gap 1e-8 fixes X22 to ~1e-4 only.
    EXPECT_NEAR(r.x(1, 1), 1.0, 1e-4);
    EXPECT_NEAR(r.nuclear_norm, 2.0, 1e-7);
    EXPECT_NEAR(r.primal_objective, 2.0, 1e-7);
    EXPECT_NEAR(r.dual_objective, 2.0, 1e-7);
    EXPECT_LT(std::abs(r.duality_gap), 1e-6);
    EXPECT_LT(r.max_violation, 1e-7);
    EXPECT_TRUE(r.converged);
}

TEST(NuclearNorm, DiagonalCompletionValueIsTheTrace) {
    const auto r = min_nuclear_norm_sdp(2, 2, entries(Mat::Identity(2, 2), {{0, 0}, {1, 1}}));
    EXPECT_NEAR(r.nuclear_norm, 2.0, 1e-7);
    EXPECT_NEAR(r.dual_objective, 2.0, 1e-7);
    // Every [[1, b], [b, 1]] with |b| <= 1 is a minimizer: the solver's is one of them.
    EXPECT_NEAR(r.x(0, 1), r.x(1, 0), 1e-6);
    EXPECT_LE(std::abs(r.x(0, 1)), 1 + 1e-6);
}

TEST(NuclearNorm, GaussianSensingRecoversALowRankMatrix) {
    Rng rng(3);
    const Index n = 6;
    const Mat w = rng.normal_matrix(n, 1) * rng.normal_matrix(1, n);
    std::vector<Measurement> ms;
    for (int k = 0; k < 30; ++k) {
        Measurement me;
        const Mat a = rng.normal_matrix(n, n);
        for (Index i = 0; i < n; ++i)
            for (Index j = 0; j < n; ++j) {
                me.rows.push_back(i);
                me.cols.push_back(j);
                me.values.push_back(a(i, j));
            }
        me.b = (a.cwiseProduct(w)).sum();
        ms.push_back(std::move(me));
    }
    const auto r = min_nuclear_norm_sdp(n, n, ms);
    EXPECT_LT((r.x - w).norm() / w.norm(), 1e-5);
    EXPECT_NEAR(r.nuclear_norm, Eigen::JacobiSVD<Mat>(w).singularValues().sum(), 1e-5 * w.norm());
    EXPECT_LT(std::abs(r.duality_gap) / r.dual_objective, 1e-6);
}

// The first-order solver against the SDP on a 12 x 12 rank-2 completion with 70 observed entries (fewer than exact
// recovery needs: the minimum is below ||W*||_* and not W* itself).
TEST(NuclearNorm, AdmmAgreesWithTheSdp) {
    MatrixCompletionSpec spec;
    spec.d = 12;
    spec.measurements = 70;
    spec.target_singular_values = {5, 3};
    spec.target_basis = "random";
    auto task = make_matrix_completion(spec, 4);
    const auto obs = *completion_observations(*task);
    std::vector<Measurement> ms;
    for (size_t k = 0; k < obs.indices.size(); ++k)
        ms.push_back({{obs.indices[k] % 12}, {obs.indices[k] / 12}, {1.0}, obs.values[k]});
    const auto sdp = min_nuclear_norm_sdp(12, 12, ms);
    const auto admm = min_nuclear_norm_completion_admm(12, 12, ms, 1.0, 1e-9, 200000);
    RecordProperty("admm_iterations", std::to_string(admm.iterations));
    RecordProperty("sdp_nuclear_norm", std::to_string(sdp.nuclear_norm));
    RecordProperty("admm_nuclear_norm", std::to_string(admm.nuclear_norm));
    EXPECT_NEAR(admm.nuclear_norm, sdp.nuclear_norm, 1e-5 * sdp.nuclear_norm);
    EXPECT_LT((admm.x - sdp.x).norm() / sdp.x.norm(), 1e-3);
    EXPECT_LT(admm.max_violation, 1e-12);
    EXPECT_LT(sdp.max_violation, 1e-6);
    EXPECT_LE(sdp.nuclear_norm, 8.0 + 1e-6);  // at most ||W*||_* = 5 + 3
}

TEST(NuclearNorm, RegisteredReferenceOnACompletionTask) {
    MatrixCompletionSpec spec;
    spec.d = 6;
    spec.measurements = 30;
    spec.target_singular_values = {2};
    spec.target_basis = "random";
    auto task = make_matrix_completion(spec, 1);
    const auto refs = compute_references("min_nuclear_norm, min_nuclear_norm_admm", *task, {});
    ASSERT_EQ(refs.size(), 2u);
    EXPECT_EQ(refs[0].raw.size(), 36);
    EXPECT_LT((refs[0].raw - refs[1].raw).norm() / refs[0].raw.norm(), 1e-3);
}

// The registered references report their solvers' diagnostics (a run's summary gets them as
// final.<reference>_<name>): the SDP's duality gap (relative <= 1e-7) and the ADMM's residual (<= 1e-8), with the same
// nuclear norm (1e-5 relative); the ADMM's scale-free threshold (1/rho = ||b|| / 20) converges in few iterations; a
// second request for the same instance is served from the cache (the same values).
TEST(NuclearNorm, RegisteredReferencesReportTheirDiagnostics) {
    MatrixCompletionSpec spec;
    spec.d = 10;
    spec.measurements = 50;
    spec.target_singular_values = {4, 2};
    spec.target_basis = "random";
    auto task = make_matrix_completion(spec, 3);
    const auto refs = compute_references("min_nuclear_norm, min_nuclear_norm_admm", *task, {});
    ASSERT_EQ(refs.size(), 2u);
    const auto diag = [](const NamedReference& r, const std::string& k) {
        for (const auto& [name, v] : r.diagnostics)
            if (name == k) return v;
        ADD_FAILURE() << r.name << " has no diagnostic " << k;
        return double(NAN);
    };
    const double nn = diag(refs[0], "nuclear_norm");
    RecordProperty("sdp_relative_duality_gap", std::to_string(diag(refs[0], "relative_duality_gap")));
    RecordProperty("admm_iterations", std::to_string(diag(refs[1], "iterations")));
    EXPECT_LT(std::abs(diag(refs[0], "relative_duality_gap")), 1e-7);
    EXPECT_NEAR(diag(refs[0], "duality_gap") / nn, diag(refs[0], "relative_duality_gap"), 1e-12);
    EXPECT_LT(diag(refs[1], "residual"), 1e-8);
    EXPECT_NEAR(diag(refs[1], "nuclear_norm"), nn, 1e-5 * nn);
    EXPECT_LT(diag(refs[1], "iterations"), 3000);
    EXPECT_LT(diag(refs[0], "max_violation"), 1e-6);
    const auto again = compute_references("min_nuclear_norm_admm", *task, {});
    EXPECT_EQ(again[0].raw, refs[1].raw);
}

TEST(NuclearNorm, BadInputIsAnError) {
    EXPECT_THROW(min_nuclear_norm_sdp(2, 2, {{{2}, {0}, {1.0}, 1.0}}), std::invalid_argument);
    EXPECT_THROW(min_nuclear_norm_sdp(2, 2, {}), std::invalid_argument);
    EXPECT_THROW(min_nuclear_norm_completion_admm(2, 2, {{{0, 1}, {0, 1}, {1.0, 1.0}, 1.0}}), std::invalid_argument);
}
