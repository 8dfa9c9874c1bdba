// Every model x task gradient against central finite differences of the loss (the first test is generated from
// the registries; the others pin particular settings: storages, kernels, depths, shapes).
// Tolerance: central differences with step h = 1e-6 * (1 + |theta_i|) have truncation error O(h^2 * L''')
// and rounding error O(eps_mach * L / h) ~ 1e-10 relative; we assert 1e-6 relative to the gradient norm.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>

#include "depthbias/core/rng.hpp"
#include "depthbias/dynamics/objective.hpp"
#include "depthbias/models/circular_conv_network.hpp"
#include "depthbias/models/model_registry.hpp"
#include "depthbias/tasks/task_registry.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/models/symmetric_factor.hpp"
#include "depthbias/models/diagonal_network.hpp"
#include "depthbias/tasks/binary_classification.hpp"
#include "depthbias/tasks/gaussian_sensing.hpp"
#include "depthbias/tasks/matrix_completion.hpp"
#include "depthbias/tasks/quadratic_sensing.hpp"
#include "depthbias/tasks/sparse_regression.hpp"
#include "depthbias/tasks/toy_task.hpp"

using namespace depthbias;

namespace {

// Largest deviation between the analytic gradient and central differences, relative to the gradient norm,
// over `probes` random coordinates.
double gradient_error(Model& model, const Task& task, const Vec& theta, int probes = 40) {
    Objective obj(model, task);
    Vec g(theta.size()), scratch(theta.size());
    obj.value_and_gradient(theta, g);
    const Vec analytic = g;
    Rng rng(7);
    double worst = 0;
    for (int p = 0; p < probes; ++p) {
        const Index i = Index(rng.next() % std::uint64_t(theta.size()));
        const double h = 1e-6 * (1 + std::abs(theta(i)));
        Vec tp = theta, tm = theta;
        tp(i) += h;
        tm(i) -= h;
        const double fd = (obj.value_and_gradient(tp, scratch) - obj.value_and_gradient(tm, scratch)) / (2 * h);
        worst = std::max(worst, std::abs(fd - analytic(i)));
    }
    return worst / std::max(analytic.norm(), 1e-300);
}

Vec random_theta(Model& m, const Task& t, double scale) {
    Rng rng(3);
    Vec theta = m.initialize(rng, t);
    for (Index i = 0; i < theta.size(); ++i) theta(i) += scale * rng.normal();
    return theta;
}

// Small parameters every registered task accepts.
TaskParams small_task(const std::string& kind) {
    TaskParams p;
    p.kind = kind;
    p.d = 6;
    p.measurements = 24;
    p.target = {2, 1};
    p.test_samples = 8;
    return p;
}

}  // namespace

// Generated from the registries: every registered model on every registered task it fits, built through the
// registries with small parameters. A new model or task is checked here without editing this file.
TEST(Gradients, EveryRegisteredModelOnEveryTaskOfItsShape) {
    int pairs = 0;
    for (const auto& t : TaskRegistry::instance().entries()) {
        const TaskParams tp = small_task(t.name);
        auto task = build_task(tp, {}, 5);
        for (const auto& m : ModelRegistry::instance().entries()) {
            ModelParams mp;
            mp.kind = m.name;
            mp.depth = 3;
            mp.init_scale = 0.3;
            try {
                validate_model(mp, tp, {});
            } catch (const ConfigError&) {
                continue;  // the registration says it does not fit (shape, or its own rule)
            }
            auto model = build_model(mp, {}, *task);
            Rng rng(3);
            Vec theta = model->initialize(rng, *task);
            for (Index i = 0; i < theta.size(); ++i) theta(i) += 0.3 * rng.normal();
            EXPECT_LT(gradient_error(*model, *task, theta, 30), 1e-6) << m.name << " on " << t.name;
            ++pairs;
        }
    }
    // 4 matrix tasks x 2-3 matrix models + 2 vector tasks (toy, regression, classification) x 4 vector models
    EXPECT_GE(pairs, 20);
}


TEST(Gradients, DeepMatrixOnSensingAllDepthsAndStorages) {
    for (const char* storage : {"float64", "float32"}) {
        for (const char* kernel : {"fused", "two_pass"}) {
            GaussianSensingSpec spec;
            spec.d = 6;
            spec.measurements = 30;
            spec.target_singular_values = {3, 2};
            spec.storage = storage;
            spec.kernel = kernel;
            auto task = make_gaussian_sensing(spec, 1);
            for (int depth = 1; depth <= 4; ++depth) {
                DeepMatrixProduct m(6, depth, MatrixInit::Gaussian, 0.5);
                EXPECT_LT(gradient_error(m, *task, random_theta(m, *task, 0.3)), 1e-6)
                    << storage << " " << kernel << " depth " << depth;
            }
        }
    }
}

TEST(Gradients, DeepMatrixOnCompletion) {
    MatrixCompletionSpec spec;
    spec.d = 7;
    spec.measurements = 25;
    spec.target_singular_values = {2, 1};
    auto task = make_matrix_completion(spec, 2);
    DeepMatrixProduct m(7, 3, MatrixInit::Orthogonal, 0.3);
    EXPECT_LT(gradient_error(m, *task, random_theta(m, *task, 0.2)), 1e-6);
}

TEST(Gradients, SymmetricFactorWithAndWithoutBias) {
    QuadraticSensingSpec spec;
    spec.d = 5;
    spec.measurements = 20;
    spec.target_eigenvalues = {1, 0.5};
    spec.test_samples = 10;
    auto task = make_quadratic_sensing(spec, 3);
    for (bool bias : {false, true}) {
        SymmetricFactor m(5, MatrixInit::Orthogonal, 0.2, bias);
        EXPECT_LT(gradient_error(m, *task, random_theta(m, *task, 0.2)), 1e-6) << "bias " << bias;
    }
}

TEST(Gradients, ToyForms) {
    ToyTask task({3, 2, 1});
    for (DiagonalForm form : {DiagonalForm::PowerPm, DiagonalForm::Power, DiagonalForm::Product}) {
        for (int depth : {1, 2, 3, 5}) {
            DiagonalNetwork m(3, depth, form, 0.3);
            Vec theta = random_theta(m, task, 0.1);
            theta = theta.cwiseAbs();  // the power form needs u > 0 for non-integer... keep positive factors
            EXPECT_LT(gradient_error(m, task, theta, 20), 1e-6) << m.name() << " depth " << depth;
        }
    }
}

TEST(Gradients, FusedAndTwoPassKernelsAgree) {
    // The fused kernel (tasks/sensing_kernel.hpp) works on blocks of 8 rows and SIMD lanes of 4 or 8 doubles:
    // m = 41 leaves a tail of 1 row, d = 9 (n = 81) a tail of 1 column; d = 12, m = 48 has no tails.
    for (const char* storage : {"float64", "float32"}) {
        for (auto [d, m] : {std::pair<Index, Index>{9, 41}, {12, 48}}) {
            GaussianSensingSpec spec;
            spec.d = d;
            spec.measurements = m;
            spec.storage = storage;
            auto fused = make_gaussian_sensing(spec, 5);
            spec.kernel = "two_pass";
            auto two = make_gaussian_sensing(spec, 5);
            Rng rng(1);
            Predictor p{rng.normal_matrix(d, d), 0.3}, g1{Mat::Zero(d, d), 0}, g2{Mat::Zero(d, d), 0};
            const double l1 = fused->loss_and_gradient(p, g1), l2 = two->loss_and_gradient(p, g2);
            // Both accumulate in float64 from the same stored entries: only the summation order differs.
            EXPECT_NEAR(l1, l2, 1e-12 * l1) << storage << " d " << d;
            EXPECT_LT((g1.beta - g2.beta).norm(), 1e-12 * g1.beta.norm()) << storage << " d " << d;
            EXPECT_NEAR(g1.offset, g2.offset, 1e-12 * std::abs(g1.offset) + 1e-14) << storage << " d " << d;
            EXPECT_NEAR(fused->loss(p), l1, 1e-12 * l1) << storage << " d " << d;
        }
    }
}

TEST(Gradients, DiagonalNetworksOnClassificationBothLossesAndShapes) {
    for (const char* loss : {"exponential", "logistic"}) {
        for (const char* red : {"mean", "sum"}) {
            ClassificationSpec spec;
            spec.d = 12;
            spec.samples = 15;
            spec.loss = loss;
            spec.reduction = red;
            spec.test_samples = 5;
            auto task = make_classification(spec, 4);
            for (int depth : {1, 2, 3}) {
                DiagonalNetwork pm(12, depth, DiagonalForm::PowerPm, 0.3, {1.5, 0.5});
                EXPECT_LT(gradient_error(pm, *task, random_theta(pm, *task, 0.1).cwiseAbs()), 1e-6)
                    << loss << " " << red << " depth " << depth;
                DiagonalNetwork prod(12, depth, DiagonalForm::Product, 0.3);
                EXPECT_LT(gradient_error(prod, *task, random_theta(prod, *task, 0.2)), 1e-6)
                    << loss << " " << red << " product depth " << depth;
            }
        }
    }
}

TEST(Gradients, CircularConvNetworkEveryDepthEvenAndOddLength) {
    for (Index d : {10, 11}) {
        ClassificationSpec spec;
        spec.d = d;
        spec.samples = 9;
        spec.target = {1, 2, 3};
        spec.target_domain = "fourier";
        spec.test_samples = 3;
        auto task = make_classification(spec, 5);
        for (int depth : {1, 2, 3, 4}) {
            CircularConvNetwork m(d, depth, 0.5);
            EXPECT_LT(gradient_error(m, *task, random_theta(m, *task, 0.3)), 1e-6) << "d " << d << " depth " << depth;
        }
    }
}

TEST(Gradients, CircularConvComputesTheCircularConvolution) {
    // Depth 2: beta = w (*) v, checked against the direct O(d^2) sum beta_i = sum_j w_j v_{(i-j) mod d}.
    const Index d = 7;
    CircularConvNetwork m(d, 2, 1.0);
    Rng rng(9);
    Vec theta = rng.normal_matrix(2 * d, 1).col(0);
    Predictor p{Mat::Zero(d, 1), 0};
    m.predictor(theta, p);
    for (Index i = 0; i < d; ++i) {
        double s = 0;
        for (Index j = 0; j < d; ++j) s += theta(j) * theta(d + (i - j + d) % d);
        EXPECT_NEAR(p.beta(i, 0), s, 1e-12);
    }
}

TEST(Gradients, DiagonalNetworkOnSparseRegression) {
    SparseRegressionSpec spec;
    spec.d = 30;
    spec.samples = 10;
    spec.target = {1, 0.5};
    spec.test_samples = 5;
    auto task = make_sparse_regression(spec, 6);
    DiagonalNetwork m(30, 2, DiagonalForm::PowerPm, 0.1);
    EXPECT_LT(gradient_error(m, *task, random_theta(m, *task, 0.2).cwiseAbs()), 1e-6);
}

// moroshko_woodworth.md section 4, claim 4: the tangent kernel at the unbiased init u+(0) = u-(0) = alpha of
// beta = u+^D - u-^D is K(x, x') = 2 D^2 alpha^(2D-2) <x, x'> counting both branches (D^2 alpha^(2D-2) per
// branch: 4 alpha^2 at D = 2, Woodworth's form). From a central finite-difference Jacobian of the model's
// predictor (step 1e-6 alpha: truncation error ~1e-12 relative), tolerance 1e-6 relative as the digest gives.
TEST(Claims, TangentKernelAtInitMatchesTheClosedForm) {
    const Index d = 7, n = 5;
    Rng rng(11);
    const Mat X = rng.normal_matrix(n, d);
    for (int D : {2, 3, 4}) {
        for (double alpha : {0.05, 0.7, 2.0}) {
            DiagonalNetwork m(d, D, DiagonalForm::PowerPm, std::pow(alpha, D));
            ToyTask shape_only(std::vector<double>(size_t(d), 1.0));  // a length-d vector task, for initialize()
            Rng r0(0);
            const Vec theta0 = m.initialize(r0, shape_only);
            ASSERT_NEAR(theta0(0), alpha, 1e-14 * alpha);
            Mat J(d, m.num_params());  // d beta / d theta
            const double h = 1e-6 * alpha;
            Predictor plus{Mat::Zero(d, 1), 0.0}, minus{Mat::Zero(d, 1), 0.0};
            for (Index k = 0; k < m.num_params(); ++k) {
                Vec t = theta0;
                t(k) += h;
                m.predictor(t, plus);
                t(k) -= 2 * h;
                m.predictor(t, minus);
                J.col(k) = (plus.beta.col(0) - minus.beta.col(0)) / (2 * h);
            }
            const Mat K = (X * J) * (X * J).transpose();  // K(x_a, x_b) = <d f(x_a)/d theta, d f(x_b)/d theta>
            const Mat expected = 2.0 * D * D * std::pow(alpha, 2 * D - 2) * (X * X.transpose());
            EXPECT_LT((K - expected).norm(), 1e-6 * expected.norm()) << "D " << D << " alpha " << alpha;
        }
    }
}
