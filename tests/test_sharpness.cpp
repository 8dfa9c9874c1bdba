// Sharpness (observe/sharpness.hpp): Lanczos on finite-difference Hessian-vector products against exact Hessians:
// a loss quadratic in theta (depth-1 diagonal on regression: H = (2/N) X^T X), and the depth-2 diagonal network
// beta = u+^2 - u-^2 away from a minimum, whose Hessian has the closed form below; the observer's records.
#include <gtest/gtest.h>

#include "depthbias/core/rng.hpp"
#include "depthbias/models/diagonal_network.hpp"
#include "depthbias/observe/sharpness.hpp"
#include "depthbias/tasks/sparse_regression.hpp"

using namespace depthbias;

namespace {
SparseRegressionSpec small_regression() {
    SparseRegressionSpec s;
    s.d = 30;
    s.samples = 10;
    s.test_samples = 0;
    return s;
}
}  // namespace

TEST(Sharpness, QuadraticLossGivesTheTopEigenvalueOfTwoOverNXtX) {
    SparseRegression task(small_regression(), 3);
    DiagonalNetwork model(30, 1, DiagonalForm::Power, 1.0);
    Rng rng(5);
    const Vec theta = rng.normal_matrix(30, 1).col(0);
    const auto r = top_hessian_eigenvalue(model, task, theta);
    ASSERT_TRUE(r.has_value());
    const Mat a = (2.0 / 10) * task.inputs().transpose() * task.inputs();
    const double exact = Eigen::SelfAdjointEigenSolver<Mat>(a, Eigen::EigenvaluesOnly).eigenvalues()(29);
    EXPECT_NEAR(r->value, exact, 1e-7 * exact);
    EXPECT_GT(r->hessian_products, 0);
}

TEST(Sharpness, DepthTwoDiagonalNetworkMatchesItsClosedFormHessian) {
    SparseRegression task(small_regression(), 4);
    DiagonalNetwork model(30, 2, DiagonalForm::PowerPm, 1.0);
    Rng rng(6);
    const Vec theta = rng.normal_matrix(60, 1).col(0);  // [u+; u-], far from any minimum (the residual term matters)
    const Vec up = theta.head(30), um = theta.tail(30);
    const Vec beta = up.cwiseProduct(up) - um.cwiseProduct(um);
    const Mat& x = task.inputs();
    const Vec g = (2.0 / 10) * x.transpose() * (x * beta - task.labels());  // dL/dbeta, L = (1/N)|X beta - y|^2
    const Mat a = (2.0 / 10) * x.transpose() * x;
    Mat h(60, 60);
    h.topLeftCorner(30, 30) = 4 * up.asDiagonal() * a * up.asDiagonal();
    h.topRightCorner(30, 30) = -4 * up.asDiagonal() * a * um.asDiagonal();
    h.bottomLeftCorner(30, 30) = h.topRightCorner(30, 30).transpose();
    h.bottomRightCorner(30, 30) = 4 * um.asDiagonal() * a * um.asDiagonal();
    h.topLeftCorner(30, 30).diagonal() += 2 * g;
    h.bottomRightCorner(30, 30).diagonal() -= 2 * g;
    const double exact = Eigen::SelfAdjointEigenSolver<Mat>(h, Eigen::EigenvaluesOnly).eigenvalues()(59);
    const auto r = top_hessian_eigenvalue(model, task, theta);
    ASSERT_TRUE(r.has_value());
    EXPECT_NEAR(r->value, exact, 1e-6 * std::abs(exact)) << "exact " << exact;
}

TEST(Sharpness, ATwoParameterModelUsesTheDenseHessianAndANonFiniteThetaIsNoResult) {
    SparseRegressionSpec s = small_regression();
    s.d = 2;
    s.target = {1.0};
    SparseRegression task(s, 7);
    DiagonalNetwork model(2, 1, DiagonalForm::Power, 1.0);
    Vec theta(2);
    theta << 0.3, -0.2;
    const auto r = top_hessian_eigenvalue(model, task, theta);
    ASSERT_TRUE(r.has_value());
    const Mat a = (2.0 / 10) * task.inputs().transpose() * task.inputs();
    EXPECT_NEAR(r->value, Eigen::SelfAdjointEigenSolver<Mat>(a).eigenvalues()(1), 1e-7);
    theta(0) = NAN;
    EXPECT_FALSE(top_hessian_eigenvalue(model, task, theta).has_value());
}
