// mirror_flow.md's function-space claims on wide shallow networks, through the references of
// analysis/references/mirror_function_space.hpp (the digest's own derivation, 3.2 and 3.3) and the Bregman
// projection (the limit of mirror descent on the output layer, 1.1; claim 1 checks MD reaches it):
//  - claim 5: the ReLU function-space problem (3.2) against the finite-n GD (output-layer min-norm) interpolant;
//  - claim 6: scaled quartic potential on the ReLU output layer: lazy (max |a_k| ~ 1/n) but not kernel;
//  - claim 7: the non-RKHS signature (scaled quartic, abs activation): y -> g(y) is not linear;
//  - 3.3: the scaled absolute-value problem against the finite-n scaled Bregman projections.
// Setting (mirror_flow.md 3.1, 4.1): w = +-1, b ~ U(-3, 3) (init law binary, shape [1, 3]), output layer from 0,
// Fig. 1 data; sup norms over 401 points of [-2, 2].
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "depthbias/analysis/references/mirror_function_space.hpp"
#include "depthbias/analysis/references/mirror_potential.hpp"
#include "depthbias/analysis/references/spline.hpp"
#include "depthbias/core/rng.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/models/model_registry.hpp"
#include "depthbias/models/two_layer_network.hpp"
#include "depthbias/tasks/task_registry.hpp"

using namespace depthbias;

namespace {

const Vec kX = (Vec(5) << -2, -1, 0, 1, 2).finished();
const Vec kY = (Vec(5) << 1.5, 0.5, 1.5, 0.5, 1.5).finished();
const Vec kGrid = Vec::LinSpaced(401, -2, 2);

std::unique_ptr<Task> points_task() {
    TaskParams p;
    p.kind = "points";
    return build_task(p, {}, 1);
}

// The digest's network: binary law w = +-1, b ~ U(-3, 3), output layer at 0, input layer frozen.
std::unique_ptr<Model> network(const Task& t, Index n, const std::string& act) {
    ModelParams p;
    p.kind = "two_layer";
    p.init = "binary";
    p.shape = {1.0, 3.0};
    ExtraParams e;
    e.set("model.width", std::int64_t(n));
    e.set("model.activation", act);
    e.set("model.asi", false);
    e.set("model.output_init", std::string("zero"));
    e.set("model.train_input", false);
    validate_model(p, TaskParams{.kind = "points"}, e);
    return build_model(p, e, t);
}

double sup(const Vec& a, const Vec& b) { return (a - b).lpNorm<Eigen::Infinity>(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t k = v.size();
    return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

// Least-squares slope of log y against log x.
double loglog_slope(const std::vector<double>& x, const std::vector<double>& y) {
    double mx = 0, my = 0;
    for (size_t i = 0; i < x.size(); ++i) mx += std::log(x[i]), my += std::log(y[i]);
    mx /= double(x.size()), my /= double(y.size());
    double sxy = 0, sxx = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        sxy += (std::log(x[i]) - mx) * (std::log(y[i]) - my);
        sxx += (std::log(x[i]) - mx) * (std::log(x[i]) - mx);
    }
    return sxy / sxx;
}

// The output layer's limit under a potential: the Bregman projection from 0 over the output features (the first
// `hidden` weights only when bias = false), evaluated on the grid. Returns f and max |a_k|.
struct Fit {
    Vec f;
    double max_change;
};
Fit bregman_fit(Model& m, const Vec& theta0, const Vec& y, const MirrorPotential& pot, bool bias) {
    auto& net = static_cast<TwoLayerNetwork&>(m);
    const Index p = bias ? net.output_size() : net.hidden();
    Mat f(kX.size(), net.output_size());
    for (Index j = 0; j < kX.size(); ++j) {
        Vec row(net.output_size());
        net.output_features(theta0, kX(j), row);
        f.row(j) = row.transpose();
    }
    const Vec a = refs::bregman_projection(pot, f.leftCols(p), y, Vec::Zero(p));
    Vec theta = theta0;
    theta.segment(net.output_offset(), p) = a;
    Fit out;
    net.evaluate(theta, kGrid, out.f);
    out.max_change = a.cwiseAbs().maxCoeff();
    return out;
}

}  // namespace

// Claim 5: the ReLU function-space problem of 3.2 (g'' on 3000 cells of [-3, 3], affine part penalized by
// 4u^2 + 4v^2/sigma_B^2) has the digest's values g(+-1.5) = 0.74259, g(+-0.5) = 1.05148 (+-1e-4), and the
// finite-n GD limit (output-layer min-norm interpolant, output bias included) approaches it: median sup gap over 11
// seeds x sqrt(n) in [0.2, 1.5] for n = 4000, 16000, 64000 (the digest took 5 seeds; the median of 5 landed at 1.48
// at n = 64000, one draw from the bound, so the test takes 11: the same bound on a steadier statistic).
TEST(Claims, Mirror5ReluFunctionSpaceProblemMatchesTheFiniteWidthGdInterpolant) {
    const int kSeeds = 11;
    const refs::ReluFunctionSpace g(kX, kY, refs::BiasDensity::uniform(3.0), 3000);
    for (double s : {-1.0, 1.0}) {
        EXPECT_NEAR(g(1.5 * s), 0.74259, 1e-4);
        EXPECT_NEAR(g(0.5 * s), 1.05148, 1e-4);
    }
    EXPECT_NEAR(g(0.0), 1.5, 1e-10);
    EXPECT_NEAR(g.slope(), 0.0, 1e-10);
    EXPECT_NEAR(g.offset(), -1.05347, 1e-4);
    for (Index j = 0; j < 5; ++j) EXPECT_NEAR(g(kX(j)), kY(j), 1e-10);
    // the affine penalty changes the fit: not the natural spline (0.73214 at 1.5)
    EXPECT_GT(std::abs(g(1.5) - 0.732143), 5e-3);
    const Vec ref = g(kGrid);
    auto task = points_task();
    for (Index n : {4000, 16000, 64000}) {
        auto m = network(*task, n, "relu");
        std::vector<double> gaps;
        for (int seed = 1; seed <= kSeeds; ++seed) {
            Rng rng(seed);
            const Vec theta0 = m->initialize(rng, *task);
            const auto& net = static_cast<const TwoLayerNetwork&>(*m);
            gaps.push_back(sup(refs::min_norm_interpolant(net, theta0, kX, kY, kGrid, false), ref));
        }
        const double md = median(gaps);
        std::cout << "claim 5: n = " << n << ": median sup gap " << md << ", x sqrt(n) = " << md * std::sqrt(double(n))
                  << "\n";
        EXPECT_GE(md * std::sqrt(double(n)), 0.2) << n;
        EXPECT_LE(md * std::sqrt(double(n)), 1.5) << n;
    }
}

// Claim 6 in the limit of mirror descent (the Bregman projection, 1.1): the scaled quartic potential
// (potential_scale = n) on the ReLU output layer is lazy, max |a_k - a_k(0)| ~ 1/n (log-log slope -1 +- 0.1 over
// n = 400..6400), and not kernel: its function stays more than 0.03 from the quadratic-potential (GD) solution for
// every n >= 100 (digest: 0.083-0.101).
TEST(Claims, Mirror6ScaledQuarticIsLazyButNotKernel) {
    auto task = points_task();
    std::vector<double> ns, changes;
    for (Index n : {100, 400, 1600, 6400}) {
        auto m = network(*task, n, "relu");
        Rng rng(5);
        const Vec theta0 = m->initialize(rng, *task);
        const Fit q = bregman_fit(*m, theta0, kY, MirrorPotential("quartic", 1, double(n)), true);
        const Fit l2 = bregman_fit(*m, theta0, kY, MirrorPotential("quadratic", 1, 1), true);
        const double gap = sup(q.f, l2.f);
        std::cout << "claim 6: n = " << n << ": sup gap to GD " << gap << ", max |a_k| " << q.max_change << "\n";
        EXPECT_GT(gap, 0.03) << n;
        if (n >= 400) ns.push_back(double(n)), changes.push_back(q.max_change);
    }
    const double slope = loglog_slope(ns, changes);
    std::cout << "claim 6: laziness slope " << slope << "\n";
    EXPECT_GE(slope, -1.1);
    EXPECT_LE(slope, -0.9);
}

// Claim 7: the non-RKHS signature. Absolute-value network without output bias, n = 6400, scaled quartic: train on
// s y and rescale by 1/s; the fits at s = 0.01 and s = 1 differ by more than 0.05 (y -> g(y) is not linear). For
// the quadratic potential they agree to 1e-12 (a linear map). The same on the function-space problem of 3.3.
TEST(Claims, Mirror7ScaledPotentialBiasIsNotLinearInTheTargets) {
    auto task = points_task();
    const Index n = 6400;
    auto m = network(*task, n, "abs");
    Rng rng(7);
    const Vec theta0 = m->initialize(rng, *task);
    const auto rescaled = [&](const std::string& pot, double s) {
        return Vec(bregman_fit(*m, theta0, s * kY, MirrorPotential(pot, 1, double(n)), false).f / s);
    };
    const Vec q1 = rescaled("quartic", 1), q001 = rescaled("quartic", 0.01), l2 = rescaled("quadratic", 1);
    std::cout << "claim 7 (n = 6400): sup|g_0.01 - g_1| = " << sup(q001, q1) << "; to the quadratic fit: s = 0.01 "
              << sup(q001, l2) << ", s = 1 " << sup(q1, l2) << " (digest: 2.8e-3, 0.095)\n";
    EXPECT_GT(sup(q001, q1), 0.05);
    EXPECT_LE(sup(rescaled("quadratic", 0.01), l2), 1e-12);
    // function space (3.3, 4000 equal-mass nodes)
    const auto p = refs::BiasDensity::uniform(3.0);
    const auto fs = [&](const std::string& pot, double s) {
        return Vec(refs::ScaledAbsFunctionSpace(kX, s * kY, p, pot, 1, 4000)(kGrid) / s);
    };
    const Vec g1 = fs("quartic", 1), g001 = fs("quartic", 0.01), gl2 = fs("quadratic", 1);
    std::cout << "claim 7 (function space): sup|g_0.01 - g_1| = " << sup(g001, g1) << "\n";
    EXPECT_GT(sup(g001, g1), 0.05);
    EXPECT_LE(sup(fs("quadratic", 0.01), gl2), 1e-12);
}

// 3.3: the scaled absolute-value problem in function space is the n -> infinity limit of the scaled Bregman
// projections of finite random networks (the digest gives no rate; measured: the median sup gap over 5 seeds
// decays, log-log slope over n = 400..6400 at most -0.35, and is below 0.05 at n = 6400). Also for the quadratic
// potential, where the problem is the RKHS norm int (g'')^2 / (4 p_B).
TEST(MirrorFunctionSpace, ScaledAbsProblemIsTheWideLimitOfScaledMirrorDescent) {
    auto task = points_task();
    const auto p = refs::BiasDensity::uniform(3.0);
    for (const std::string pot : {"quartic", "quadratic"}) {
        const Vec ref = refs::ScaledAbsFunctionSpace(kX, kY, p, pot, 1, 8000)(kGrid);
        std::vector<double> ns, gaps;
        for (Index n : {400, 1600, 6400}) {
            auto m = network(*task, n, "abs");
            std::vector<double> g;
            for (int seed = 1; seed <= 5; ++seed) {
                Rng rng(seed);
                const Vec theta0 = m->initialize(rng, *task);
                g.push_back(sup(bregman_fit(*m, theta0, kY, MirrorPotential(pot, 1, double(n)), false).f, ref));
            }
            ns.push_back(double(n)), gaps.push_back(median(g));
            std::cout << "3.3 " << pot << ": n = " << n << ": median sup gap " << gaps.back() << "\n";
        }
        EXPECT_LE(loglog_slope(ns, gaps), -0.35) << pot;
        EXPECT_LT(gaps.back(), 0.05) << pot;
    }
    // the quadrature converges: 4000 vs 8000 nodes
    EXPECT_LT(sup(refs::ScaledAbsFunctionSpace(kX, kY, p, "quartic", 1, 4000)(kGrid),
                  refs::ScaledAbsFunctionSpace(kX, kY, p, "quartic", 1, 8000)(kGrid)),
              1e-4);
}

// The 3.2 QP converges in its grid and rejects duplicate x.
TEST(MirrorFunctionSpace, ReluProblemConvergesInTheGridAndRejectsDuplicates) {
    const auto p = refs::BiasDensity::uniform(3.0);
    EXPECT_LT(sup(refs::ReluFunctionSpace(kX, kY, p, 1500)(kGrid), refs::ReluFunctionSpace(kX, kY, p, 3000)(kGrid)), 1e-5);
    const Vec dup = (Vec(3) << 0, 1, 1).finished();
    EXPECT_THROW(refs::ReluFunctionSpace(dup, Vec::Ones(3), p, 100), std::runtime_error);
}

// Bad input: a step that diverges gives status diverged (not an exception, not a converged run) for GD on the
// two-layer network and for mirror descent with each potential.
TEST(MirrorFunctionSpace, DivergingStepsEndAsDiverged) {
    auto task = points_task();
    auto m = network(*task, 200, "relu");
    Rng rng(1);
    const Vec theta0 = m->initialize(rng, *task);
    StopRules s;
    s.max_steps = 10000;
    DynamicsParams gp;
    gp.kind = "gd";
    gp.lr = 10.0;  // lambda_max of the output-layer Hessian ~ 2.2 n / M: stable below ~0.01
    auto gd = DynamicsRegistry::instance().get("dynamics.kind", "gd").build(gp, {});
    {
        Objective obj(*m, *task);
        Vec th = theta0;
        EXPECT_EQ(gd->run(obj, th, s, [](const StepView&) {}).status, RunStatus::Diverged);
    }
    for (const std::string pot : {"quadratic", "hypentropy", "quartic", "cubic"}) {
        ExtraParams e;
        e.set("dynamics.potential", pot);
        e.set("dynamics.potential_beta", 1.0);
        e.set("dynamics.potential_scale", 1.0);
        e.set("dynamics.mirror_flow", false);
        DynamicsParams p;
        p.kind = "mirror";
        p.lr = 10.0;
        auto md = DynamicsRegistry::instance().get("dynamics.kind", "mirror").build(p, e);
        Objective obj(*m, *task);
        Vec th = theta0;
        EXPECT_EQ(md->run(obj, th, s, [](const StepView&) {}).status, RunStatus::Diverged) << pot;
    }
}
