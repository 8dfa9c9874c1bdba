// The implicit gradient flow (SUNDIALS CVODE BDF + matrix-free GMRES, dynamics/implicit_flow.hpp): a quadratic loss
// against its closed form theta(t) = theta0 - V diag((1 - exp(-t lambda)) / lambda) V^T g0 (g0 the gradient at theta0,
// H = V diag(lambda) V^T), the toy product form against theory::solution, agreement with the explicit Dormand-Prince
// flow on a small deep matrix sensing instance, a huge time budget not changing a run ended by its loss threshold, the
// stop rules, a CVODE failure ending as Diverged at the last accepted step, and bad keys named.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "support/config_error.hpp"

#include "depthbias/analysis/toy_theory.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/dynamics/gradient_flow.hpp"
#include "depthbias/dynamics/implicit_flow.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/models/diagonal_network.hpp"
#include "depthbias/tasks/gaussian_sensing.hpp"
#include "depthbias/tasks/toy_task.hpp"

using namespace depthbias;

namespace {

std::unique_ptr<Task> sensing(Index d, Index m, std::vector<double> singular_values) {
    GaussianSensingSpec spec;
    spec.d = d;
    spec.measurements = m;
    spec.target_singular_values = std::move(singular_values);
    spec.test_samples = 0;
    return make_gaussian_sensing(spec, 11);
}

Mat product(Model& model, const Task& task, const Vec& theta) {
    Predictor p{Mat::Zero(task.rows(), task.cols()), 0};
    model.predictor(theta, p);
    return p.beta;
}

// A linear model beta = theta on the toy task whose gradient is NaN once theta_0 > 0.5: the flow (towards the
// target 1) crosses there in finite time, so CVODE's steps keep failing near the boundary.
class PoisonedLinear final : public Model {
public:
    std::string name() const override { return "poisoned"; }
    Index num_params() const override { return 2; }
    Vec initialize(Rng&, const Task&) const override { return Vec::Zero(2); }
    void predictor(const Vec& theta, Predictor& out) override { out.beta = theta; }
    void pullback(const Vec& theta, const Predictor& grad, Vec& g) override {
        g = grad.beta.col(0);
        if (theta(0) > 0.5) g.setConstant(std::numeric_limits<double>::quiet_NaN());
    }
    int depth() const override { return 1; }
};

}  // namespace

TEST(ImplicitFlow, QuadraticLossMatchesTheClosedForm) {
    // Depth-1 sensing: L(theta) = mean-squared sensing loss, quadratic, H = const. H is read column by column from
    // gradient differences (exact up to rounding: the gradient is affine). Eigenvalues spread over decades, so the
    // problem is stiff and GMRES needs several iterations per Newton system.
    auto task = sensing(6, 30, {3, 2, 1});
    DeepMatrixProduct model(6, 1, MatrixInit::Gaussian, 0.5);
    Objective obj(model, *task);
    Rng rng(3);
    const Vec theta0 = model.initialize(rng, *task);
    const Index n = theta0.size();
    Vec g0(n), g(n);
    obj.value_and_gradient(theta0, g0);
    Mat H(n, n);
    for (Index i = 0; i < n; ++i) {
        Vec e = theta0;
        e(i) += 1.0;
        obj.value_and_gradient(e, g);
        H.col(i) = g - g0;
    }
    H = 0.5 * (H + H.transpose()).eval();
    Eigen::SelfAdjointEigenSolver<Mat> eig(H);
    const Vec& lam = eig.eigenvalues();
    const double T = 5.0;
    ASSERT_GT(lam.maxCoeff() * T, 30.0);  // stiff enough to matter: lambda_max T >> 1
    Vec coef(n);
    for (Index i = 0; i < n; ++i)
        coef(i) = std::abs(lam(i)) < 1e-12 ? T : -std::expm1(-T * lam(i)) / lam(i);
    const Vec exact = theta0 - eig.eigenvectors() * coef.asDiagonal() * eig.eigenvectors().transpose() * g0;

    for (const JvDifference jv : {JvDifference::Forward, JvDifference::Central}) {
        Vec theta = theta0;
        StopRules stop;
        stop.max_time = T;
        ImplicitFlowStats st;
        const Outcome out = run_implicit_flow(obj, theta, {1e-9, 1e-12, 5, 5, jv}, stop, nullptr, &st);
        EXPECT_EQ(out.status, RunStatus::BudgetExhausted) << out.reason;
        EXPECT_DOUBLE_EQ(out.time, T);  // CVODE's stop time: exactly the budget
        EXPECT_LT((theta - exact).norm() / exact.norm(), 1e-6) << "jv " << int(jv);
        EXPECT_GT(st.jv_products, 0);
        EXPECT_GT(st.linear_iterations, 0);
        EXPECT_EQ(st.jv_gradients, jv == JvDifference::Forward ? st.jv_products : 2 * st.jv_products);
    }
}

TEST(ImplicitFlow, ToyProductFormMatchesTheClosedForm) {
    // Balanced product form of depth N: sigma' = N sigma^(2-2/N) (sigma* - sigma), theory::solution in closed form.
    const std::vector<double> targets{12, 6, 4, 3};
    for (int depth : {2, 3}) {
        ToyTask task(targets);
        DiagonalNetwork model(4, depth, DiagonalForm::Product, 1e-2);
        Objective obj(model, task);
        Rng rng(0);
        Vec theta = model.initialize(rng, task);
        StopRules stop;
        stop.max_time = 2.0;
        run_implicit_flow(obj, theta, {1e-10, 1e-14, 5, 5, JvDifference::Forward}, stop, nullptr);
        Predictor p{Mat::Zero(4, 1), 0};
        model.predictor(theta, p);
        const double c = theory::rate_constant(theory::ToyForm::Product, depth);
        for (int i = 0; i < 4; ++i) {
            const double exact = theory::solution(depth, targets[size_t(i)], 1e-2, stop.max_time, c);
            EXPECT_NEAR(p.beta(i, 0), exact, 1e-6 * targets[size_t(i)]) << "N=" << depth << " component " << i;
        }
    }
}

TEST(ImplicitFlow, AgreesWithDormandPrinceOnDeepSensing) {
    // A fig1a-like instance, scaled down (d = 8, m = 40, depth 4, small Gaussian init): the learning events happen
    // inside [0, T]; both integrators at tight tolerances land on the same product.
    auto task = sensing(8, 40, {4, 2, 1});
    const double T = 6.0;
    auto endpoint = [&](bool implicit, Outcome& out, ImplicitFlowStats* st) {
        DeepMatrixProduct model(8, 4, MatrixInit::Gaussian, 0.3);
        Objective obj(model, *task);
        Rng rng(5);
        Vec theta = model.initialize(rng, *task);
        StopRules stop;
        stop.max_time = T;
        out = implicit ? run_implicit_flow(obj, theta, {1e-9, 1e-13, 10, 5, JvDifference::Forward}, stop, nullptr, st)
                       : run_gradient_flow(obj, theta, {1e-11, 1e-14, 1e-4}, stop, nullptr);
        return product(model, *task, theta);
    };
    Outcome o_dp, o_bdf;
    ImplicitFlowStats st;
    const Mat w_dp = endpoint(false, o_dp, nullptr);
    const Mat w_bdf = endpoint(true, o_bdf, &st);
    ASSERT_EQ(o_bdf.status, RunStatus::BudgetExhausted) << o_bdf.reason;
    EXPECT_LT(o_dp.loss, 0.5 * task->loss(Predictor{Mat::Zero(8, 8), 0}));  // something was learned
    EXPECT_LT((w_bdf - w_dp).norm() / w_dp.norm(), 1e-5);
    EXPECT_NEAR(o_bdf.loss, o_dp.loss, 1e-5 * o_dp.loss);
    // every gradient is counted: right-hand sides + J v gradients; the reported states' losses are forward passes
    EXPECT_EQ(o_bdf.evaluations, st.rhs_evaluations + st.jv_gradients);
    EXPECT_EQ(st.loss_evaluations, st.steps + 1);
}

TEST(ImplicitFlow, LargeTimeBudgetWithLossThresholdConverges) {
    // A stiff deep sensing instance (6x6, depth 3) stopped by a loss threshold long before either time budget: the
    // budget must not change the run. (A step floor scaled by the budget, 1e-13 * 1e9 = 1e-4, made the first
    // steps at t = 0 fail with CV_ERR_FAILURE "|h| = hmin" and the run end as Diverged.)
    auto task = sensing(6, 30, {3, 2, 1});
    const auto run = [&](double max_time, Outcome& out) {
        DeepMatrixProduct model(6, 3, MatrixInit::Gaussian, 0.5);
        Objective obj(model, *task);
        Rng rng(3);
        Vec theta = model.initialize(rng, *task);
        StopRules stop;
        stop.max_time = max_time;
        stop.loss_threshold = 1e-6 * obj.value(theta);
        out = run_implicit_flow(obj, theta, {1e-10, 1e-14, 5, 5, JvDifference::Forward}, stop, nullptr);
        EXPECT_EQ(out.status, RunStatus::Converged) << "max_time " << max_time << ": " << out.reason;
        EXPECT_LT(out.loss, stop.loss_threshold);
        EXPECT_LT(out.time, 1e5);
        return product(model, *task, theta);
    };
    Outcome small, large;
    const Mat w_small = run(1e5, small);
    const Mat w_large = run(1e9, large);
    EXPECT_LT((w_large - w_small).norm() / w_small.norm(), 1e-3);
}

TEST(ImplicitFlow, ObserversSeeEveryStepAndStopRulesApply) {
    ToyTask task({2.0});
    DiagonalNetwork model(1, 2, DiagonalForm::Product, 1e-2);
    Objective obj(model, task);
    Rng rng(0);
    Vec theta = model.initialize(rng, task);
    StopRules stop;
    stop.loss_threshold = 1e-6;  // no time budget: only the threshold ends the run
    long seen = 0, finals = 0;
    double last_t = -1;
    const Outcome out = run_implicit_flow(obj, theta, {1e-8, 1e-12, 5, 5, JvDifference::Forward}, stop,
                                          [&](const StepView& v) {
                                              EXPECT_GE(v.time, last_t);
                                              last_t = v.time;
                                              ++seen;
                                              finals += v.final;
                                          });
    EXPECT_EQ(out.status, RunStatus::Converged);
    EXPECT_LT(out.loss, 1e-6);
    EXPECT_EQ(seen, out.steps + 1);  // states 0..steps
    EXPECT_EQ(finals, 1);
    // an observer's Stop ends the run at that state
    theta = model.initialize(rng, task);
    const Outcome stopped = run_implicit_flow(obj, theta, {1e-8, 1e-12, 5, 5, JvDifference::Forward}, stop,
                                              [](const StepView& v) {
                                                  return v.step == 3 ? StepAction::Stop : StepAction::Continue;
                                              });
    EXPECT_EQ(stopped.status, RunStatus::Stopped);
    EXPECT_EQ(stopped.steps, 3);
}

TEST(ImplicitFlow, CvodeFailureEndsAsDiverged) {
    ToyTask task({1.0, 1.0});
    PoisonedLinear model;
    Objective obj(model, task);
    Vec theta = Vec::Zero(2);
    StopRules stop;
    stop.max_time = 10;
    long finals = 0;
    std::vector<long> steps;
    std::vector<double> times;
    const Outcome out = run_implicit_flow(obj, theta, {1e-8, 1e-12, 5, 5, JvDifference::Forward}, stop,
                                          [&](const StepView& v) {
                                              finals += v.final;
                                              steps.push_back(v.step);
                                              times.push_back(v.time);
                                          });
    EXPECT_EQ(out.status, RunStatus::Diverged) << out.reason;
    EXPECT_NE(out.reason.find("CVODE failed with CV_"), std::string::npos) << out.reason;
    EXPECT_LT(out.time, 10.0);
    EXPECT_LE(theta(0), 0.5 + 1e-12);  // the last state CVODE reached, not a made-up result
    EXPECT_EQ(finals, 1);
    // The failed step is not counted: the final view repeats the last accepted state (step and time), as an
    // observer's Stop does, and the outcome names that step, not a step further at the same time.
    ASSERT_GE(steps.size(), 2u);
    const size_t last = steps.size() - 1;
    EXPECT_EQ(steps[last], steps[last - 1]);
    EXPECT_EQ(times[last], times[last - 1]);
    EXPECT_EQ(out.steps, steps[last]);
    EXPECT_EQ(out.time, times[last]);
    EXPECT_EQ(out.steps, long(last) - 1);  // states 0..steps, the last one delivered twice
    for (size_t i = 1; i < last; ++i) EXPECT_GT(times[i], times[i - 1]) << "step " << steps[i];
}

TEST(ImplicitFlow, BadKeysAreNamed) {
    using depthbias::testing::error_key;
    const DynamicsEntry& e = DynamicsRegistry::instance().get("dynamics.kind", "implicit_flow");
    DynamicsParams p;
    p.max_time = 1;
    const auto build = [&](const char* key, ParamValue v) {
        ExtraParams x;
        x.set(key, std::move(v));
        return error_key([&] { e.build(p, x); });
    };
    EXPECT_EQ(build("dynamics.krylov_dim", std::int64_t{0}), "dynamics.krylov_dim");
    EXPECT_EQ(build("dynamics.max_order", std::int64_t{6}), "dynamics.max_order");
    EXPECT_EQ(build("dynamics.jv_difference", std::string("backward")), "dynamics.jv_difference");
    p.max_time = 0;
    p.loss_threshold = 0;
    EXPECT_EQ(error_key([&] { e.validate(p, TaskParams{}, ModelParams{}, ExtraParams{}); }), "dynamics.max_time");
    ToyTask task({1.0});
    DiagonalNetwork model(1, 2, DiagonalForm::Product, 1e-2);
    Objective obj(model, task);
    Vec theta = Vec::Constant(2, 0.1);
    StopRules stop;
    stop.max_time = 1;
    EXPECT_EQ(error_key([&] { run_implicit_flow(obj, theta, {-1, 1e-12, 5, 5, JvDifference::Forward}, stop, nullptr); }),
              "dynamics.rtol");
}
