// Rectangular deep matrix products (models/deep_matrix_product.hpp with hidden widths) on the whitened task
// (tasks/whitened_regression.hpp): gradients against central differences for every init, the lambda-balanced init on
// the shapes of exact_dln.md 3.1 (exactly balanced, the product's scale), the relative layer scale, clear errors where
// the construction does not exist, the layered flow against the exact closed form (claim L2 through the engine's own
// flow), and the end-to-end flow on a rectangular product. The sparse pull-back (completion gradients) equals the
// dense one and central differences.
#include <gtest/gtest.h>

#include <cmath>

#include "depthbias/analysis/exact_dln.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/core/rng.hpp"
#include "depthbias/dynamics/end_to_end_flow.hpp"
#include "depthbias/dynamics/gradient_descent.hpp"
#include "depthbias/dynamics/gradient_flow.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/models/uv_factorization.hpp"
#include "depthbias/tasks/matrix_completion.hpp"
#include "depthbias/tasks/whitened_regression.hpp"

using namespace depthbias;

namespace {

double gradient_error(Model& model, const Task& task, const Vec& theta) {
    Objective obj(model, task);
    Vec g(theta.size()), scratch(theta.size());
    obj.value_and_gradient(theta, g);
    const Vec analytic = g;
    double worst = 0;
    for (Index i = 0; i < theta.size(); ++i) {
        const double h = 1e-6 * (1 + std::abs(theta(i)));
        Vec tp = theta, tm = theta;
        tp(i) += h;
        tm(i) -= h;
        const double fd = (obj.value_and_gradient(tp, scratch) - obj.value_and_gradient(tm, scratch)) / (2 * h);
        worst = std::max(worst, std::abs(fd - analytic(i)));
    }
    return worst / analytic.norm();
}

Mat w1_of(const Vec& theta, Index nh, Index ni) { return Eigen::Map<const Mat>(theta.data(), nh, ni); }
Mat w2_of(const Vec& theta, Index nh, Index ni, Index no) { return Eigen::Map<const Mat>(theta.data() + nh * ni, no, nh); }

}  // namespace

TEST(RectangularProduct, GradientsMatchFiniteDifferencesForEveryInit) {
    WhitenedRegression task(3, 5, {2.0, 1.0, 0.5}, "random", 4);  // Sigma 5 x 3
    for (MatrixInit init : {MatrixInit::Gaussian, MatrixInit::Identity, MatrixInit::Orthogonal, MatrixInit::Balanced}) {
        DeepMatrixProduct model(5, 3, {4, 6}, 3, init, 0.7, {1.5, 1.0, 0.8});
        Rng rng(2);
        const Vec theta = model.initialize(rng, task);
        EXPECT_EQ(theta.size(), 4 * 3 + 6 * 4 + 5 * 6);
        EXPECT_LT(gradient_error(model, task, theta), 1e-7) << int(init);
    }
    DeepMatrixProduct two(5, 3, {4}, 2, MatrixInit::LambdaBalanced, 0.7, {}, 2.0);
    Rng rng(2);
    EXPECT_LT(gradient_error(two, task, two.initialize(rng, task)), 1e-7);
}

// L1 through the model: W2^T W2 - W1 W1^T = lambda I (<= 1e-12 relative) on 3-4-5, 5-4-3, 2-5-5, 5-5-5, and the
// product's RMS singular value follows init_scale (the overall scale) whatever lambda (the relative scale).
TEST(RectangularProduct, LambdaBalancedInitOnTheDigestShapes) {
    struct Case { Index ni, nh, no; double lambda; };
    for (const Case& c : {Case{3, 4, 5, 1.0}, Case{3, 4, 5, 10.0}, Case{5, 4, 3, -1.0}, Case{2, 5, 5, 3.0},
                          Case{5, 5, 5, -10.0}, Case{5, 5, 5, 0.0}, Case{3, 3, 5, -2.0}}) {
        WhitenedRegression task(c.ni, c.no, {1.0}, "random", 1);
        DeepMatrixProduct model(c.no, c.ni, {c.nh}, 2, MatrixInit::LambdaBalanced, 0.3, {}, c.lambda);
        Rng rng(7);
        const Vec theta = model.initialize(rng, task);
        const Mat w1 = w1_of(theta, c.nh, c.ni), w2 = w2_of(theta, c.nh, c.ni, c.no);
        double off = 0;
        const double lam = exact::balance_of(w1, w2, &off);
        EXPECT_NEAR(lam, c.lambda, 1e-12 * (1 + std::abs(c.lambda)));
        EXPECT_LT(off, 1e-12 * (1 + std::abs(c.lambda)));
        const Mat x = w2 * w1;
        const double rms = std::sqrt(x.squaredNorm() / double(std::min(c.ni, c.no)));
        EXPECT_GT(rms, 0.1);
        EXPECT_LT(rms, 0.9);
    }
}

TEST(RectangularProduct, ConstructionsThatDoNotExistAreErrorsNamingTheKey) {
    WhitenedRegression task(3, 5, {1.0}, "random", 1);
    auto key_of = [&](DeepMatrixProduct m) {
        try {
            Rng rng(1);
            m.initialize(rng, task);
        } catch (const ConfigError& e) {
            return e.key() + ": " + e.what();
        }
        return std::string("no error");
    };
    // n_o > n_i with extra hidden directions needs lambda >= 0
    EXPECT_NE(key_of(DeepMatrixProduct(5, 3, {4}, 2, MatrixInit::LambdaBalanced, 0.3, {}, -1.0)).find("model.lambda"), std::string::npos);
    // n_h above max(n_i, n_o)
    EXPECT_NE(key_of(DeepMatrixProduct(5, 3, {6}, 2, MatrixInit::LambdaBalanced, 0.3, {}, 1.0)).find("model.lambda"), std::string::npos);
    // a balanced lift through a hidden width below min(rows, cols)
    EXPECT_NE(key_of(DeepMatrixProduct(5, 3, {2, 4}, 3, MatrixInit::Balanced, 0.3)).find("model.widths"), std::string::npos);
    // a model built for another shape
    EXPECT_NE(key_of(DeepMatrixProduct(3, 3, {3}, 2, MatrixInit::Gaussian, 0.3)).find("model.kind"), std::string::npos);
    try {
        DeepMatrixProduct(5, 3, {4}, 3, MatrixInit::Gaussian, 0.3);
        ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.key(), "model.widths");
    }
}

// L2 through the engine: the adaptive layered flow (rtol 1e-12) of a lambda-balanced 3-4-5 and 5-4-3 network follows
// the exact closed form to 1e-8 relative over t <= 10.
TEST(RectangularProduct, LayeredFlowFollowsTheLambdaBalancedClosedForm) {
    struct Case { Index ni, nh, no; double lambda; };
    for (const Case& c : {Case{3, 4, 5, 1.0}, Case{5, 4, 3, -1.0}, Case{2, 5, 5, 0.5}}) {
        WhitenedRegression task(c.ni, c.no, {2.0, 1.0}, "random", 3);
        DeepMatrixProduct model(c.no, c.ni, {c.nh}, 2, MatrixInit::LambdaBalanced, 0.2, {}, c.lambda);
        Rng rng(5);
        const Vec theta0 = model.initialize(rng, task);
        Vec theta = theta0;
        Objective obj(model, task);
        StopRules stop;
        stop.max_time = 10;
        run_gradient_flow(obj, theta, {1e-12, 1e-15, 1e-4}, stop, nullptr);
        const Mat prod = w2_of(theta, c.nh, c.ni, c.no) * w1_of(theta, c.nh, c.ni);
        const auto cf = exact::lambda_balanced_solution(task.target(), w1_of(theta0, c.nh, c.ni),
                                                        w2_of(theta0, c.nh, c.ni, c.no), 10);
        EXPECT_LT((prod - cf.product).norm() / cf.product.norm(), 1e-8) << c.ni << "-" << c.nh << "-" << c.no;
    }
}

// The end-to-end flow on a rectangular product (A_N with the zero singular values of the longer side) equals the
// layered flow from a balanced init (3 x 5 predictor, widths 4, 3; tolerance 1e-7).
TEST(RectangularProduct, EndToEndFlowEqualsLayeredFlow) {
    WhitenedRegression task(5, 3, {2.0, 1.0}, "random", 8);
    DeepMatrixProduct model(3, 5, {4, 3}, 3, MatrixInit::Balanced, 0.5);
    Rng rng(3);
    const Vec theta0 = model.initialize(rng, task);
    Vec theta = theta0;
    Objective obj(model, task);
    StopRules stop;
    stop.max_time = 5;
    run_gradient_flow(obj, theta, {1e-11, 1e-14, 1e-4}, stop, nullptr);
    Predictor p{Mat::Zero(3, 5), 0.0};
    model.predictor(theta, p);
    const Mat layered = p.beta;
    model.predictor(theta0, p);
    Mat x = p.beta;
    run_end_to_end_flow(task, x, 3, {1e-11, 1e-14, 1e-4}, stop, nullptr);
    EXPECT_LT((layered - x).cwiseAbs().maxCoeff(), 1e-7);
    EXPECT_GT((x - p.beta).norm(), 0.1);
}

// exact_dln.md S1: GD at step eta from a balanced aligned init (W1 = R D V^T, W2 = U D R^T, d = 4, s = (3, 2, 1, 0.5),
// u0 = 1e-3) follows Saxe's sigmoid u(t = k eta) to max_t |du| / s <= 3 eta over t in [0, 8], first order in eta.
// L3: GD from a lambda-balanced init against the closed form, relative error <= 5 eta over t <= 15, halving with eta.
TEST(RectangularProduct, GradientDescentAgainstSaxeAndTheClosedFormToFirstOrder) {
    WhitenedRegression task(4, 4, {3.0, 2.0, 1.0, 0.5}, "random", 9);
    Eigen::JacobiSVD<Mat> svd(task.target(), Eigen::ComputeFullU | Eigen::ComputeFullV);
    const Mat u = svd.matrixU(), v = svd.matrixV(), r = Rng(2).orthogonal(4);
    const Vec s = svd.singularValues();
    auto saxe_error = [&](double eta) {
        DeepMatrixProduct model(4, 2, MatrixInit::Gaussian, 1.0);
        Vec theta(32);
        const double a0 = std::sqrt(1e-3);
        Eigen::Map<Mat>(theta.data(), 4, 4) = a0 * r * v.transpose();
        Eigen::Map<Mat>(theta.data() + 16, 4, 4) = a0 * u * r.transpose();
        Objective obj(model, task);
        StopRules stop;
        stop.max_time = 8;
        double worst = 0;
        run_gradient_descent(obj, theta, eta, stop, [&](const StepView& view) {
            const Mat inner = u.transpose() * view.predictor.beta * v;
            for (int a = 0; a < 4; ++a)
                worst = std::max(worst, std::abs(inner(a, a) - exact::saxe_mode(2, s(a), 1e-3, view.time)) / s(a));
        });
        return worst;
    };
    const double e1 = saxe_error(1e-3), e2 = saxe_error(5e-4);
    RecordProperty("saxe_gd_error_eta_1e-3", std::to_string(e1));
    RecordProperty("saxe_gd_error_eta_5e-4", std::to_string(e2));
    EXPECT_LE(e1, 3e-3);
    EXPECT_LE(e2, 1.5e-3);
    EXPECT_NEAR(e1 / e2, 2.0, 0.3);  // first order

    auto closed_form_error = [&](double eta, double lambda) {
        DeepMatrixProduct model(4, 4, {4}, 2, MatrixInit::LambdaBalanced, 1.0, {}, lambda);
        Rng rng(3);
        const Vec theta0 = model.initialize(rng, task);
        Vec theta = theta0;
        Objective obj(model, task);
        StopRules stop;
        stop.max_time = 15;
        std::vector<std::pair<double, Mat>> states;
        run_gradient_descent(obj, theta, eta, stop, [&](const StepView& view) {
            // the same times for every eta: t = 0, 0.05, 0.1, ...
            if (view.step % std::lround(0.05 / eta) == 0 || view.final) states.emplace_back(view.time, view.predictor.beta);
        });
        double worst = 0;
        for (const auto& [t, x] : states) {
            const auto cf = exact::lambda_balanced_solution(task.target(), Eigen::Map<const Mat>(theta0.data(), 4, 4),
                                                            Eigen::Map<const Mat>(theta0.data() + 16, 4, 4), t);
            worst = std::max(worst, (x - cf.product).norm() / cf.product.norm());
        }
        return worst;
    };
    for (double lambda : {0.0, -10.0}) {
        const double g1 = closed_form_error(1e-3, lambda), g2 = closed_form_error(5e-4, lambda);
        RecordProperty("closed_form_gd_error_lambda_" + std::to_string(int(lambda)), std::to_string(g1) + " " + std::to_string(g2));
        EXPECT_LE(g1, 5e-3) << lambda << " " << g1 << " " << g2;
        EXPECT_NEAR(g1 / g2, 2.0, 0.3) << lambda;
    }
}

// The sparse pull-back of an observed-entry gradient (completion; forced on, at 10% and 50% density) gives the dense
// pull-back's values (1e-13 relative) and central differences, at depths 2-4, square and through hidden widths.
TEST(RectangularProduct, SparsePullbackOfCompletionGradientsEqualsTheDense) {
    for (Index m : {40, 200}) {
        MatrixCompletionSpec spec;
        spec.d = 20;
        spec.measurements = m;
        spec.target_singular_values = {3.0, 2.0};
        auto task = make_matrix_completion(spec, 5);
        for (int depth : {2, 3, 4}) {
            for (bool widths : {false, true}) {
                std::vector<Index> hidden;
                if (widths) hidden.assign(size_t(depth - 1), 25);
                DeepMatrixProduct sparse(20, 20, hidden, depth, MatrixInit::Gaussian, 0.8);
                DeepMatrixProduct dense(20, 20, hidden, depth, MatrixInit::Gaussian, 0.8);
                sparse.set_sparse_pullback(DeepMatrixProduct::SparsePullback::Always);
                dense.set_sparse_pullback(DeepMatrixProduct::SparsePullback::Never);
                Rng rng(7);
                const Vec theta = sparse.initialize(rng, *task);
                Objective os(sparse, *task), od(dense, *task);
                Vec gs(theta.size()), gd(theta.size());
                EXPECT_EQ(os.value_and_gradient(theta, gs), od.value_and_gradient(theta, gd));
                EXPECT_LT((gs - gd).norm() / gd.norm(), 1e-13) << "m " << m << " depth " << depth << " widths " << widths;
                if (depth == 3 && m == 40) {
                    EXPECT_LT(gradient_error(sparse, *task, theta), 1e-7) << widths;
                }
            }
        }
    }
}

// Woodworth's U V^T (k = 2d): beta(0) = 0 exactly, gradients against central differences away from the init, the
// conserved U^T U - V^T V along GD to O(lr^2), and bad input naming the key.
TEST(UvFactorization, InitGradientAndErrors) {
    MatrixCompletionSpec spec;
    spec.d = 6;
    spec.measurements = 20;
    spec.target_singular_values = {3.0};
    auto task = make_matrix_completion(spec, 2);
    UvFactorization model(6, 0.5);
    Rng rng(1);
    const Vec theta0 = model.initialize(rng, *task);
    ASSERT_EQ(theta0.size(), 4 * 36);
    Predictor p{Mat::Zero(6, 6), 0.0};
    model.predictor(theta0, p);
    EXPECT_EQ(p.beta.norm(), 0.0);
    Rng noise(3);
    const Vec theta = theta0 + 0.3 * noise.normal_matrix(theta0.size(), 1, 1.0).col(0);
    EXPECT_LT(gradient_error(model, *task, theta), 1e-7);
    Objective obj(model, *task);
    Vec g(theta0.size()), th = theta0;
    for (int k = 0; k < 200; ++k) {
        obj.value_and_gradient(th, g);
        th -= 1e-3 * g;
    }
    EXPECT_LT(*model.invariant_drift(th, theta0), 1e-5);
    try {
        UvFactorization bad(6, 0.0);
        ADD_FAILURE() << "alpha = 0 accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("model.init_scale"), std::string::npos);
    }
}

// dln_geometry.md claim 1 (GD part) and exact_dln.md 3.1 / K1 (GD part): one GD step changes the balance
// D = W2^T W2 - W1 W1^T by exactly lr^2 (G2^T G2 - G1 G1^T) (the first-order terms cancel), to 1e-13 relative; with
// hidden width 1 this is Kunin's single neuron (W1 = w^T, W2 = a: delta = a^2 - |w|^2 changes by lr^2 ((w.r)^2 -
// a^2 |r|^2)).
TEST(RectangularProduct, GradientDescentChangesTheBalanceByTheLrSquaredLaw) {
    WhitenedRegression task(3, 5, {2.0, 1.0, 0.5}, "random", 4);
    for (Index hidden : {1, 4}) {
        DeepMatrixProduct model(5, 3, {hidden}, 2, MatrixInit::Gaussian, 0.7);
        Rng rng(3);
        const Vec theta = model.initialize(rng, task);
        Objective obj(model, task);
        Vec g(theta.size());
        obj.value_and_gradient(theta, g);
        const double lr = 0.05;
        const Vec next = theta - lr * g;
        const auto balance = [&](const Vec& t) {
            const Mat w1 = model.layer(t, 1), w2 = model.layer(t, 2);
            return Mat(w2.transpose() * w2 - w1 * w1.transpose());
        };
        const Mat g1 = Eigen::Map<const Mat>(g.data(), hidden, 3), g2 = Eigen::Map<const Mat>(g.data() + 3 * hidden, 5, hidden);
        const Mat predicted = lr * lr * (g2.transpose() * g2 - g1 * g1.transpose());
        const Mat change = balance(next) - balance(theta);
        EXPECT_LT((change - predicted).norm(), 1e-13 * balance(theta).norm()) << hidden;
        EXPECT_GT(predicted.norm(), 1e-6) << hidden;  // the law is not vacuous here
    }
}
