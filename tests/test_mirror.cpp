// Mirror descent / mirror flow (mirror_flow.md): the one-step update against its closed form for every potential,
// convergence to the Bregman projection argmin D_Phi(theta, theta0) s.t. X theta = y (claim 1), hypentropy between
// min-l2 and basis pursuit (claim 2), and the depth-2 diagonal network as hypentropy mirror flow at 4x time
// (claim 3).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <vector>

#include "depthbias/analysis/references/lp.hpp"
#include "depthbias/analysis/references/mirror_potential.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/core/rng.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/models/model_registry.hpp"
#include "depthbias/tasks/sparse_regression.hpp"

using namespace depthbias;

namespace {

// Linear regression, 10 samples, d = 40, beta* = (1.5, 1, 0.7) on a random support, no noise.
std::unique_ptr<SparseRegression> regression() {
    SparseRegressionSpec s;
    s.d = 40;
    s.samples = 10;
    s.target = {1.5, 1.0, 0.7};
    s.noise_std = 0;
    s.test_samples = 0;
    return std::make_unique<SparseRegression>(s, 3);
}

// beta = theta (diagonal_power, depth 1), starting at theta0 = shape * init_scale.
std::unique_ptr<Model> identity_model(const Task& t, double start) {
    ModelParams p;
    p.kind = "diagonal_power";
    p.depth = 1;
    p.init_scale = 1.0;
    p.shape = {start};
    return build_model(p, {}, t);
}

std::unique_ptr<Dynamics> mirror(const std::string& pot, double beta, double scale, double lr, bool flow) {
    ExtraParams e;
    e.set("dynamics.potential", pot);
    e.set("dynamics.potential_beta", beta);
    e.set("dynamics.potential_scale", scale);
    e.set("dynamics.mirror_flow", flow);
    DynamicsParams p;
    p.kind = "mirror";
    p.lr = lr;
    p.rtol = 1e-11;
    p.atol = 1e-14;
    return DynamicsRegistry::instance().get("dynamics.kind", "mirror").build(p, e);
}

Vec run(Dynamics& d, Model& m, const Task& t, Vec theta, StopRules stop) {
    Objective obj(m, t);
    d.run(obj, theta, stop, [](const StepView&) {});
    return theta;
}

}  // namespace

TEST(Mirror, OneStepIsTheClosedFormDualUpdate) {
    auto task = regression();
    auto m = identity_model(*task, 0.3);
    Rng rng(4);
    const Vec theta0 = m->initialize(rng, *task) + 0.5 * rng.normal_matrix(40, 1).col(0);
    Objective obj(*m, *task);
    Vec g(40);
    obj.value_and_gradient(theta0, g);
    const double lr = 0.01;
    for (const double scale : {1.0, 7.0}) {
        const auto step = [&](const std::string& pot, double beta) {
            StopRules s;
            s.max_steps = 1;
            auto d = mirror(pot, beta, scale, lr, false);
            return run(*d, *m, *task, theta0, s);
        };
        const Vec q = step("quadratic", 1);
        const Vec h = step("hypentropy", 0.2);
        const Vec c = step("cubic", 1);
        const Vec f = step("quartic", 1);
        for (Index i = 0; i < 40; ++i) {
            const double t0 = scale * theta0(i), dz = lr * g(i);
            EXPECT_NEAR(scale * q(i), t0 - dz, 1e-13) << i;
            EXPECT_NEAR(scale * h(i), 0.2 * std::sinh(std::asinh(t0 / 0.2) - dz), 1e-12) << i;
            const double zc = 3 * t0 * std::abs(t0) + 2 * t0 - dz;
            EXPECT_NEAR(scale * c(i), std::copysign((-2 + std::sqrt(4 + 12 * std::abs(zc))) / 6, zc), 1e-12) << i;
            const double a = scale * f(i);
            const double zq = 4 * t0 * t0 * t0 + 2 * t0 - dz;
            EXPECT_NEAR(4 * a * a * a + 2 * a, zq, 1e-13 * std::max(1.0, std::abs(zq))) << i;
        }
    }
    // the quartic's inverse (Cardano + Newton) and the generic safeguarded Newton are exact to rounding over many
    // magnitudes
    const MirrorPotential qp("quartic", 1, 1);
    const auto dq = [](double a) { return 4 * a * a * a + 2 * a; };
    const auto d2q = [](double a) { return 12 * a * a + 2; };
    for (double z : {-1e8, -3.0, -1e-9, 0.0, 2e-7, 1e-3, 0.5, 40.0, 1e12}) {
        const double a = qp.inverse(z), b = invert_monotone(dq, d2q, z);
        EXPECT_NEAR(dq(a), z, 1e-14 * std::max(1.0, std::abs(z))) << z;
        EXPECT_NEAR(dq(b), z, 1e-14 * std::max(1.0, std::abs(z))) << z;
        EXPECT_NEAR(a, b, 1e-14 * std::max(1e-300, std::abs(a))) << z;
    }
}

TEST(Mirror, BadPotentialsAreErrorsNamingTheKey) {
    const auto key_of = [](auto f) {
        try {
            f();
        } catch (const ConfigError& e) {
            return e.key();
        }
        return std::string("no error");
    };
    EXPECT_EQ(key_of([] { MirrorPotential("entropy", 1, 1); }), "dynamics.potential");
    EXPECT_EQ(key_of([] { MirrorPotential("hypentropy", 0, 1); }), "dynamics.potential_beta");
    EXPECT_EQ(key_of([] { MirrorPotential("cubic", 1, -1); }), "dynamics.potential_scale");
}

// Claim 1: mirror descent converges to argmin D_Phi(theta, theta0) s.t. X theta = y, relative 1e-9, for every
// potential and two step sizes (the limit does not depend on the step).
TEST(Claims, Mirror1DescentConvergesToTheBregmanProjection) {
    auto task = regression();
    auto m = identity_model(*task, 0.05);
    Rng rng(1);
    const Vec theta0 = m->initialize(rng, *task);
    struct Case {
        const char* pot;
        double beta;
    };
    double worst = 0;
    for (const Case c : {Case{"quadratic", 1}, Case{"hypentropy", 0.1}, Case{"hypentropy", 10}, Case{"quartic", 1},
                         Case{"cubic", 1}}) {
        const MirrorPotential pot(c.pot, c.beta, 1);
        const Vec ref = refs::bregman_projection(pot, task->inputs(), task->labels(), theta0);
        EXPECT_LT((task->inputs() * ref - task->labels()).lpNorm<Eigen::Infinity>(), 1e-11);
        for (double lr0 : {0.01, 0.02}) {
            const double lr = lr0 / std::max(1.0, c.beta);  // effective step lr sqrt(theta^2 + beta^2)
            StopRules s;
            s.loss_threshold = 1e-26;
            s.max_steps = 2'000'000;
            auto d = mirror(c.pot, c.beta, 1, lr, false);
            const Vec th = run(*d, *m, *task, theta0, s);
            EXPECT_LT((th - ref).norm(), 1e-9 * ref.norm()) << c.pot << " beta " << c.beta << " lr " << lr;
            worst = std::max(worst, (th - ref).norm() / ref.norm());
        }
        // any other interpolant has a larger divergence
        const Vec other = ref + (Mat::Identity(40, 40) - task->inputs().transpose() *
                                     (task->inputs() * task->inputs().transpose()).ldlt().solve(task->inputs())) *
                                    Vec::Constant(40, 0.01);
        EXPECT_GT(pot.bregman(other, theta0), pot.bregman(ref, theta0)) << c.pot;
    }
    std::cout << "mirror claim 1: worst relative distance of MD to the Bregman projection " << worst << "\n";
}

// Claim 2: hypentropy interpolates min-l2 (beta >= 10 max|w*|: within 1e-3) and basis pursuit (||w_beta||_1
// decreases as beta decreases, above the LP's minimum).
TEST(Claims, Mirror2HypentropyInterpolatesMinL2AndBasisPursuit) {
    auto task = regression();
    const Mat& x = task->inputs();
    const Vec& y = task->labels();
    const Vec zero = Vec::Zero(40);
    const Vec l2 = x.transpose() * (x * x.transpose()).ldlt().solve(y);
    const Vec big = refs::bregman_projection(MirrorPotential("hypentropy", 15, 1), x, y, zero);
    EXPECT_LT((big - l2).norm(), 1e-3 * l2.norm());
    std::cout << "mirror claim 2: beta = 15: relative distance to min-l2 " << (big - l2).norm() / l2.norm() << "\n";
    const double bp = refs::basis_pursuit(x, y).lpNorm<1>();
    double prev = INFINITY;
    for (double beta : {10.0, 1.0, 0.1, 1e-2, 1e-3, 1e-4}) {
        const double l1 = refs::bregman_projection(MirrorPotential("hypentropy", beta, 1), x, y, zero).lpNorm<1>();
        EXPECT_LT(l1, prev) << beta;
        EXPECT_GE(l1, bp * (1 - 1e-9)) << beta;
        prev = l1;
    }
    EXPECT_LT(prev, 1.1 * bp);
    std::cout << "mirror claim 2: ||w||_1 at beta = 1e-4: " << prev << ", basis pursuit " << bp << "\n";
}

// Claim 2, the rate: the l1 excess of the hypentropy projection against 1/log(1/beta). Theory (D = 2,
// moroshko_woodworth.md 1.2, with beta = 2 alpha^2): psi_beta(w) = ln(1/beta) ||w||_1 + O(||w||_1), i.e. a relative
// excess of order 1/ln(1/beta): slope ||w_BP||_1 of the excess against 1/ln(1/beta). Checked: the least-squares
// slope over beta = 0.1 .. 1e-3 (the digest's range) is positive and within a factor 2 of ||w_BP||_1.
TEST(Claims, Mirror2HypentropyExcessSlopeAgainstInverseLogBeta) {
    auto task = regression();
    const Mat& x = task->inputs();
    const Vec& y = task->labels();
    const double bp = refs::basis_pursuit(x, y).lpNorm<1>();
    std::vector<double> u, excess;
    for (double beta : {0.1, 0.03, 0.01, 3e-3, 1e-3}) {
        const double l1 = refs::bregman_projection(MirrorPotential("hypentropy", beta, 1), x, y, Vec::Zero(40)).lpNorm<1>();
        u.push_back(1.0 / std::log(1.0 / beta));
        excess.push_back(l1 - bp);
    }
    double mu = 0, me = 0;
    for (size_t i = 0; i < u.size(); ++i) mu += u[i] / double(u.size()), me += excess[i] / double(u.size());
    double sue = 0, suu = 0;
    for (size_t i = 0; i < u.size(); ++i) sue += (u[i] - mu) * (excess[i] - me), suu += (u[i] - mu) * (u[i] - mu);
    const double slope = sue / suu;
    std::cout << "claim 2: slope of the l1 excess vs 1/ln(1/beta) = " << slope << ", theory ||w_BP||_1 = " << bp
              << ", ratio " << slope / bp << "\n";
    EXPECT_GT(slope, 0.0);
    EXPECT_GT(slope / bp, 0.5);
    EXPECT_LT(slope / bp, 2.0);
}

// Claim 3 with plain GD: GD on (u+, u-) at step eta and mirror descent with psi_{2 alpha^2} at step 4 eta are two
// discretizations of the same flow: at matched times (step k) they agree within 1e-3 relative (eta = 1e-3).
TEST(Claims, Mirror3DiagonalGdMatchesHypentropyMirrorDescent) {
    auto task = regression();
    const double alpha = 0.3, eta = 1e-3;
    ModelParams dp;
    dp.kind = "diagonal";
    dp.depth = 2;
    dp.init_scale = alpha * alpha;
    auto diag = build_model(dp, {}, *task);
    auto ident = identity_model(*task, 0.0);
    Rng rng(1);
    const Vec u0 = diag->initialize(rng, *task);
    DynamicsParams gp;
    gp.kind = "gd";
    gp.lr = eta;
    for (long k : {50L, 500L, 3000L}) {
        auto gd = DynamicsRegistry::instance().get("dynamics.kind", "gd").build(gp, {});
        StopRules s;
        s.max_steps = k;
        const Vec u = run(*gd, *diag, *task, u0, s);
        const Vec beta = u.head(40).array().square() - u.tail(40).array().square();
        auto md = mirror("hypentropy", 2 * alpha * alpha, 1, 4 * eta, false);
        const Vec b = run(*md, *ident, *task, Vec::Zero(40), s);
        EXPECT_LT((beta - b).norm(), 1e-3 * b.norm()) << "step " << k;
        std::cout << "mirror claim 3 (GD): step " << k << ": relative gap " << (beta - b).norm() / b.norm() << "\n";
    }
}

// Claim 3: the depth-2 diagonal network beta = u+^2 - u-^2 from u+- = alpha under gradient flow is hypentropy
// mirror flow at scale 2 alpha^2, 4x faster: beta_diag(t) = beta_mirror(4t), 1e-6 relative with tight tolerances.
TEST(Claims, Mirror3DiagonalNetworkIsHypentropyMirrorFlow) {
    auto task = regression();
    const double alpha = 0.3;
    ModelParams dp;
    dp.kind = "diagonal";
    dp.depth = 2;
    dp.init_scale = alpha * alpha;
    auto diag = build_model(dp, {}, *task);
    auto ident = identity_model(*task, 0.0);
    Rng rng(1);
    const Vec u0 = diag->initialize(rng, *task);
    DynamicsParams fp;
    fp.kind = "flow";
    fp.rtol = 1e-11;
    fp.atol = 1e-14;
    fp.lr = 1e-3;
    auto flow = DynamicsRegistry::instance().get("dynamics.kind", "flow").build(fp, {});
    for (double t : {0.05, 0.5, 3.0}) {
        StopRules s;
        s.max_time = t;
        const Vec u = run(*flow, *diag, *task, u0, s);
        const Vec beta = u.head(40).array().square() - u.tail(40).array().square();
        StopRules s4;
        s4.max_time = 4 * t;
        auto md = mirror("hypentropy", 2 * alpha * alpha, 1, 1e-3, true);
        const Vec b = run(*md, *ident, *task, Vec::Zero(40), s4);
        EXPECT_LT((beta - b).norm(), 1e-6 * b.norm()) << "t = " << t;
        std::cout << "mirror claim 3 (flow): t = " << t << ": relative gap " << (beta - b).norm() / b.norm() << "\n";
    }
}
