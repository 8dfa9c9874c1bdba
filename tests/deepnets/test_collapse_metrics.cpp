// Collapse metrics against hand-computed small cases and brute-force references: NCC train / test error,
// CDNV (two-pass, >= 0, zero under exact collapse), NC1 in the span of the class means against the full
// pseudo-inverse, NC2, NC4, streaming invariance to batching, and the effective depth (both variants).
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>
#include <vector>

#include "depthbias/deepnets/collapse_metrics.hpp"

using namespace depthbias::deepnets;

namespace {

// Embeddings of the hand-worked case (dim 2, C = 2), row-major.
// Train: class 0 at (0,1), (2,-1) -> mu0 = (1,0); class 1 at (4,3), (1,-3) -> mu1 = (2.5,0).
const std::vector<float> kTrain = {0, 1, 2, -1, 4, 3, 1, -3};
const std::vector<std::int64_t> kTrainY = {0, 0, 1, 1};
// Test: class 0 at (0.5,0), (3,0); class 1 at (2,2), (2,-2).
const std::vector<float> kTest = {0.5f, 0, 3, 0, 2, 2, 2, -2};
const std::vector<std::int64_t> kTestY = {0, 0, 1, 1};

LayerMetrics run_case(const std::vector<float>& tr, const std::vector<std::int64_t>& ytr, const std::vector<float>& te,
                      const std::vector<std::int64_t>& yte, int classes, std::int64_t dim, std::int64_t batch,
                      const std::vector<std::int64_t>* net_tr = nullptr,
                      const std::vector<std::int64_t>* net_te = nullptr) {
    CollapseAccumulator acc(classes, dim);
    const std::int64_t n = std::int64_t(ytr.size()), m = std::int64_t(yte.size());
    for (std::int64_t s = 0; s < n; s += batch)
        acc.add_train_means(tr.data() + s * dim, std::min(batch, n - s), ytr.data() + s);
    acc.finish_train_means();
    for (std::int64_t s = 0; s < n; s += batch)
        acc.add_train_second(tr.data() + s * dim, std::min(batch, n - s), ytr.data() + s,
                             net_tr ? net_tr->data() + s : nullptr);
    for (std::int64_t s = 0; s < m; s += batch)
        acc.add_test_first(te.data() + s * dim, std::min(batch, m - s), yte.data() + s,
                           net_te ? net_te->data() + s : nullptr);
    acc.finish_test_means();
    for (std::int64_t s = 0; s < m; s += batch)
        acc.add_test_second(te.data() + s * dim, std::min(batch, m - s), yte.data() + s);
    return acc.result(1, true);
}

}  // namespace

TEST(CollapseMetrics, HandComputedTwoClassCase) {
    const std::vector<std::int64_t> net_tr = {0, 0, 1, 1}, net_te = {0, 1, 0, 1};
    const LayerMetrics m = run_case(kTrain, kTrainY, kTest, kTestY, 2, 2, 4, &net_tr, &net_te);
    // NCC train: (0,1) -> 0 ok; (2,-1): d0 = 2, d1 = 1.25 -> 1 wrong; (4,3) -> 1 ok; (1,-3): d0 = 9 < 11.25 -> 0 wrong.
    EXPECT_DOUBLE_EQ(m.ncc_train_err, 0.5);
    // NCC test with the TRAIN means: (0.5,0) -> 0 ok; (3,0) -> 1 wrong; (2,2) and (2,-2) -> 1 ok.
    EXPECT_DOUBLE_EQ(m.ncc_test_err, 0.25);
    // Var0 = (2 + 2) / 2 = 2, Var1 = (11.25 + 11.25) / 2 = 11.25, ||mu0 - mu1||^2 = 2.25.
    EXPECT_NEAR(m.cdnv_train, (2 + 11.25) / (2 * 2.25), 1e-12);
    // Test means (1.75,0), (2,0); variances 1.5625 and 4; distance^2 0.0625.
    EXPECT_NEAR(m.cdnv_test, (1.5625 + 4) / (2 * 0.0625), 1e-9);
    // NC1: S_B = diag(0.5625, 0); only the x-part of S_W counts: (1 + 1 + 2.25 + 2.25) / 4 = 1.625.
    EXPECT_NEAR(m.nc1, 0.5 * 1.625 / 0.5625, 1e-12);
    // Two classes are always an equinorm, equiangular simplex.
    EXPECT_NEAR(m.nc2_equinorm, 0.0, 1e-12);
    EXPECT_NEAR(m.nc2_equiangular, 0.0, 1e-12);
    // NCC predictions train {0,1,1,0} vs network {0,0,1,1}: 2 of 4 agree; test {0,1,1,1} vs {0,1,0,1}: 3 of 4.
    EXPECT_DOUBLE_EQ(m.nc4_train_agree, 0.5);
    EXPECT_DOUBLE_EQ(m.nc4_test_agree, 0.75);
}

TEST(CollapseMetrics, StreamingDoesNotDependOnTheBatchSize) {
    const LayerMetrics a = run_case(kTrain, kTrainY, kTest, kTestY, 2, 2, 4);
    for (std::int64_t b : {1, 3}) {
        const LayerMetrics c = run_case(kTrain, kTrainY, kTest, kTestY, 2, 2, b);
        EXPECT_DOUBLE_EQ(c.ncc_train_err, a.ncc_train_err);
        EXPECT_DOUBLE_EQ(c.ncc_test_err, a.ncc_test_err);
        EXPECT_NEAR(c.cdnv_train, a.cdnv_train, 1e-12);
        EXPECT_NEAR(c.cdnv_test, a.cdnv_test, 1e-9);
        EXPECT_NEAR(c.nc1, a.nc1, 1e-12);
    }
}

TEST(CollapseMetrics, RandomDataMatchesBruteForceReferences) {
    // C = 4 classes in d = 7, 37 unbalanced samples: CDNV and NC1 against direct formulas with the full
    // d x d covariances and Eigen's pseudo-inverse; NCC against explicit distances.
    const int C = 4;
    const std::int64_t d = 7, n = 37;
    std::mt19937 gen(7);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<float> z(size_t(n * d));
    std::vector<std::int64_t> y(static_cast<size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        y[size_t(i)] = (i * 7 + i / 5) % C;
        for (std::int64_t j = 0; j < d; ++j) z[size_t(i * d + j)] = float(g(gen) + (j == y[size_t(i)] ? 2.0 : 0.0));
    }
    const LayerMetrics m = run_case(z, y, z, y, C, d, 5);
    ASSERT_GE(m.cdnv_train, 0.0);
    Eigen::MatrixXd Z(n, d);
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < d; ++j) Z(i, j) = z[size_t(i * d + j)];
    Eigen::MatrixXd mu = Eigen::MatrixXd::Zero(d, C);
    std::vector<double> cnt(C, 0), var(C, 0);
    for (std::int64_t i = 0; i < n; ++i) {
        mu.col(y[size_t(i)]) += Z.row(i).transpose();
        cnt[size_t(y[size_t(i)])] += 1;
    }
    for (int c = 0; c < C; ++c) mu.col(c) /= cnt[size_t(c)];
    int wrong = 0;
    Eigen::MatrixXd Sw = Eigen::MatrixXd::Zero(d, d);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto yi = y[size_t(i)];
        const Eigen::VectorXd r = Z.row(i).transpose() - mu.col(yi);
        var[size_t(yi)] += r.squaredNorm() / cnt[size_t(yi)];
        Sw += r * r.transpose() / double(n);
        int best = 0;
        for (int c = 1; c < C; ++c)
            if ((Z.row(i).transpose() - mu.col(c)).squaredNorm() < (Z.row(i).transpose() - mu.col(best)).squaredNorm())
                best = c;
        wrong += best != yi;
    }
    double cdnv = 0;
    for (int a = 0; a < C; ++a)
        for (int b = a + 1; b < C; ++b) cdnv += (var[size_t(a)] + var[size_t(b)]) / (2 * (mu.col(a) - mu.col(b)).squaredNorm());
    cdnv /= C * (C - 1) / 2;
    const Eigen::VectorXd mg = mu.rowwise().mean();
    Eigen::MatrixXd Sb = Eigen::MatrixXd::Zero(d, d);
    for (int c = 0; c < C; ++c) Sb += (mu.col(c) - mg) * (mu.col(c) - mg).transpose() / double(C);
    const Eigen::MatrixXd SbPinv = Sb.completeOrthogonalDecomposition().pseudoInverse();
    const double nc1 = (Sw * SbPinv).trace() / C;
    EXPECT_NEAR(m.ncc_train_err, double(wrong) / n, 1e-15);
    EXPECT_NEAR(m.cdnv_train, cdnv, 1e-9 * cdnv);
    EXPECT_NEAR(m.nc1, nc1, 1e-8 * nc1);
    EXPECT_NEAR(m.cdnv_test, m.cdnv_train, 1e-9 * cdnv);  // same data as test set
}

TEST(CollapseMetrics, ExactCollapseGivesZeroVariabilityAndPerfectNcc) {
    // Every sample sits on its class mean (a simplex-like set of means): CDNV = NC1 = 0, NCC error 0.
    const int C = 3;
    const std::int64_t d = 3;
    std::vector<float> z;
    std::vector<std::int64_t> y;
    for (int i = 0; i < 30; ++i) {
        const int c = i % C;
        for (int j = 0; j < d; ++j) z.push_back(j == c ? 5.0f : 0.0f);
        y.push_back(c);
    }
    const LayerMetrics m = run_case(z, y, z, y, C, d, 7);
    EXPECT_EQ(m.ncc_train_err, 0.0);
    EXPECT_EQ(m.ncc_test_err, 0.0);
    EXPECT_NEAR(m.cdnv_train, 0.0, 1e-15);
    EXPECT_NEAR(m.nc1, 0.0, 1e-15);
    EXPECT_NEAR(m.nc2_equinorm, 0.0, 1e-12);     // equal norms
    EXPECT_NEAR(m.nc2_equiangular, 0.0, 1e-12);  // cosines all -1/(C-1)
}

TEST(CollapseMetrics, Nc2DetectsUnequalNormsAndAngles) {
    // Means (0,0), (1,0), (3,0) on a line: centred (-4/3, -1/3, 5/3): not an ETF.
    std::vector<float> z = {0, 0, 1, 0, 3, 0};
    std::vector<std::int64_t> y = {0, 1, 2};
    const LayerMetrics m = run_case(z, y, z, y, 3, 2, 3);
    const double n0 = 4.0 / 3, n1 = 1.0 / 3, n2 = 5.0 / 3, mean = (n0 + n1 + n2) / 3;
    const double sd = std::sqrt(((n0 - mean) * (n0 - mean) + (n1 - mean) * (n1 - mean) + (n2 - mean) * (n2 - mean)) / 3);
    EXPECT_NEAR(m.nc2_equinorm, sd / mean, 1e-12);
    // cos between centred means: (0,1) = +1, (0,2) = -1, (1,2) = -1, each |cos + 1/2| averaged over 6 ordered pairs.
    EXPECT_NEAR(m.nc2_equiangular, (1.5 + 0.5 + 0.5) * 2 / 6, 1e-12);
}

TEST(CollapseMetrics, NccTieTakesTheFirstClass) {
    // A test point equidistant from both means goes to class 0 (argmin's first index).
    std::vector<float> tr = {-1, 1};
    std::vector<std::int64_t> ytr = {0, 1};
    std::vector<float> te = {0};
    std::vector<std::int64_t> yte1 = {1}, yte0 = {0};
    EXPECT_EQ(run_case(tr, ytr, te, yte1, 2, 1, 1).ncc_test_err, 1.0);
    EXPECT_EQ(run_case(tr, ytr, te, yte0, 2, 1, 1).ncc_test_err, 0.0);
}

TEST(EffectiveDepth, FirstCrossingAndStaysSeparable) {
    const double eps = 0.01;
    auto d = effective_depth({0.3, 0.005, 0.02, 0.0, 0.01}, eps);
    ASSERT_TRUE(d.first && d.stays);
    EXPECT_EQ(*d.first, 2);
    EXPECT_EQ(*d.stays, 4);
    d = effective_depth({0.5, 0.2, 0.011}, eps);
    EXPECT_FALSE(d.first);
    EXPECT_FALSE(d.stays);
    d = effective_depth({0.5, 0.001, 0.3}, eps);  // separable at 2 but not at the top: stays is unfit
    EXPECT_EQ(*d.first, 2);
    EXPECT_FALSE(d.stays);
}
