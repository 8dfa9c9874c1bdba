// Dynamics against theory: GD and the adaptive flow on the toy task against the closed forms, the flow
// against GD at small steps, conserved quantities and monotone loss under the flow, divergence reporting.
#include <gtest/gtest.h>

#include <cmath>

#include "depthbias/analysis/toy_theory.hpp"
#include "depthbias/dynamics/gradient_descent.hpp"
#include "depthbias/dynamics/gradient_flow.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/models/diagonal_network.hpp"
#include "depthbias/tasks/gaussian_sensing.hpp"
#include "depthbias/tasks/toy_task.hpp"

using namespace depthbias;

namespace {

std::unique_ptr<Task> small_sensing() {
    GaussianSensingSpec spec;
    spec.d = 8;
    spec.measurements = 40;
    spec.target_singular_values = {3, 2, 1};
    spec.test_samples = 0;
    return make_gaussian_sensing(spec, 11);
}

}  // namespace

TEST(Dynamics, FlowOnToyMatchesClosedForm) {
    // Balanced product form: every coordinate follows sigma' = N sigma^(2-2/N) (sigma* - sigma) exactly, so the
    // adaptive flow at rtol 1e-10 must match theory::solution to ~1e-7 relative (a few hundred steps' worth of
    // local errors at 1e-10).
    const std::vector<double> targets{12, 6, 4, 3};
    for (int n : {1, 2, 3, 4}) {
        ToyTask task(targets);
        DiagonalNetwork model(4, n, DiagonalForm::Product, 1e-2);
        Objective obj(model, task);
        Rng rng(0);
        Vec theta = model.initialize(rng, task);
        StopRules stop;
        stop.max_time = n == 1 ? 0.5 : 2.0;
        run_gradient_flow(obj, theta, {1e-10, 1e-14, 1e-4}, stop, nullptr);
        Predictor p{Mat::Zero(4, 1), 0};
        model.predictor(theta, p);
        const double c = theory::rate_constant(theory::ToyForm::Product, n);
        for (int i = 0; i < 4; ++i) {
            const double exact = theory::solution(n, targets[size_t(i)], 1e-2, stop.max_time, c);
            EXPECT_NEAR(p.beta(i, 0), exact, 1e-7 * targets[size_t(i)]) << "N=" << n << " component " << i;
        }
    }
}

TEST(Dynamics, GradientDescentOnToyFollowsClosedFormToFirstOrder) {
    // GD with step lr is a first-order method: at a fixed time the gap to the flow halves when lr halves.
    // We measure the gap as a time shift (the closed-form time at which the flow reaches the GD value),
    // which is well conditioned even on the steep rise. Assert: gap(lr) < 20 lr, and gap(lr)/gap(lr/2) in [1.6, 2.4].
    const double sigma0 = 1e-3, target = 4.0, T = 3.0;
    const int n = 3;
    const double c = theory::rate_constant(theory::ToyForm::Product, n);
    auto gap = [&](double lr) {
        ToyTask task({target});
        DiagonalNetwork model(1, n, DiagonalForm::Product, sigma0);
        Objective obj(model, task);
        Rng rng(0);
        Vec theta = model.initialize(rng, task);
        double worst = 0;
        StopRules stop;
        stop.max_time = T;
        run_gradient_descent(obj, theta, lr, stop, [&](const StepView& v) {
            const double s = v.predictor.beta(0, 0);
            if (s <= sigma0 * 1.01 || s >= 0.99 * target) return;  // time is ill-defined on the flat ends
            worst = std::max(worst, std::abs(theory::learning_time(n, target, sigma0, s / target, c) - v.time));
        });
        return worst;
    };
    const double g1 = gap(1e-3), g2 = gap(5e-4);
    EXPECT_LT(g1, 20 * 1e-3);
    EXPECT_GT(g1 / g2, 1.6);
    EXPECT_LT(g1 / g2, 2.4);
}

TEST(Dynamics, FlowMatchesGradientDescentAtSmallStep) {
    // On deep matrix sensing (no closed form), GD converges to the flow as lr -> 0 at first order.
    auto task = small_sensing();
    auto endpoint = [&](bool flow, double lr) {
        DeepMatrixProduct model(8, 3, MatrixInit::Gaussian, 0.1);
        Objective obj(model, *task);
        Rng rng(4);
        Vec theta = model.initialize(rng, *task);
        StopRules stop;
        stop.max_time = 1.0;
        if (flow)
            run_gradient_flow(obj, theta, {1e-11, 1e-14, 1e-4}, stop, nullptr);
        else
            run_gradient_descent(obj, theta, lr, stop, nullptr);
        Predictor p{Mat::Zero(8, 8), 0};
        model.predictor(theta, p);
        return Mat(p.beta);
    };
    const Mat ref = endpoint(true, 0);
    const double e1 = (endpoint(false, 2e-3) - ref).norm() / ref.norm();
    const double e2 = (endpoint(false, 1e-3) - ref).norm() / ref.norm();
    EXPECT_LT(e2, 1e-2);
    EXPECT_GT(e1 / e2, 1.6);
    EXPECT_LT(e1 / e2, 2.4);
}

TEST(Dynamics, FlowConservesBalancednessAndNeverIncreasesLoss) {
    auto task = small_sensing();
    DeepMatrixProduct model(8, 4, MatrixInit::Gaussian, 0.3);
    Objective obj(model, *task);
    Rng rng(5);
    Vec theta = model.initialize(rng, *task);
    const Vec theta0 = theta;
    StopRules stop;
    stop.max_time = 3.0;
    double prev = INFINITY, worst_increase = 0, worst_drift = 0;
    long steps = 0;
    run_gradient_flow(obj, theta, {1e-10, 1e-14, 1e-4}, stop, [&](const StepView& v) {
        worst_increase = std::max(worst_increase, (v.loss - prev) / std::abs(prev));
        prev = v.loss;
        worst_drift = std::max(worst_drift, *model.invariant_drift(v.theta, theta0));
        ++steps;
    });
    EXPECT_GT(steps, 10);
    // Roundoff in the loss itself is ~1e-15 relative; any real increase would be far larger.
    EXPECT_LE(worst_increase, 1e-12);
    EXPECT_LT(worst_drift, 1e-8);
    // The same quantity is not conserved by GD at a finite step: the test can see a violation.
    Vec theta_gd = theta0;
    Objective obj2(model, *task);
    StopRules s2;
    s2.max_time = 3.0;
    run_gradient_descent(obj2, theta_gd, 1e-2, s2, nullptr);
    EXPECT_GT(*model.invariant_drift(theta_gd, theta0), 1e-6);
}

TEST(Dynamics, ProductFormConservesFactorDifferences) {
    ToyTask task({5, 2});
    DiagonalNetwork model(2, 3, DiagonalForm::Product, 0.1);
    Objective obj(model, task);
    Vec theta(6);
    theta << 0.3, 0.2, 0.5, 0.4, 0.6, 0.1;  // unbalanced start: w_k^2 - w_l^2 != 0
    const Vec theta0 = theta;
    StopRules stop;
    stop.max_time = 2.0;
    run_gradient_flow(obj, theta, {1e-11, 1e-14, 1e-4}, stop, nullptr);
    EXPECT_LT(*model.invariant_drift(theta, theta0), 1e-8);
    EXPECT_GT((theta - theta0).norm(), 0.1);  // it did move
}

TEST(Dynamics, DivergenceIsReportedWithStepAndStepSize) {
    auto task = small_sensing();
    DeepMatrixProduct model(8, 2, MatrixInit::Gaussian, 1.0);
    Objective obj(model, *task);
    Rng rng(1);
    Vec theta = model.initialize(rng, *task);
    StopRules stop;
    stop.max_steps = 10000;
    const Outcome out = run_gradient_descent(obj, theta, 5.0, stop, nullptr);
    EXPECT_EQ(out.status, RunStatus::Diverged);
    EXPECT_NE(out.reason.find("diverged at step"), std::string::npos) << out.reason;
    EXPECT_NE(out.reason.find("lr = 5"), std::string::npos) << out.reason;
    EXPECT_LT(out.steps, 10000);
}

TEST(Dynamics, StopRulesEndRunsWhereTheySay) {
    ToyTask task({2.0});
    DiagonalNetwork model(1, 2, DiagonalForm::Product, 1e-2);
    Objective obj(model, task);
    Rng rng(0);
    Vec theta = model.initialize(rng, task);
    StopRules stop;
    stop.loss_threshold = 1e-6;
    Outcome out = run_gradient_descent(obj, theta, 1e-2, stop, nullptr);
    EXPECT_EQ(out.status, RunStatus::Converged);
    EXPECT_LT(out.loss, 1e-6);
    theta = model.initialize(rng, task);
    StopRules budget;
    budget.max_time = 0.75;
    out = run_gradient_flow(obj, theta, {1e-8, 1e-12, 1e-3}, budget, nullptr);
    EXPECT_EQ(out.status, RunStatus::BudgetExhausted);
    EXPECT_DOUBLE_EQ(out.time, 0.75);  // ends exactly at the budget (dense output)
}
