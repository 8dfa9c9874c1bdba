// Exact deep-linear-network oracles (analysis/exact_dln.hpp) against gradient flows simulated here with Boost.Odeint
// (Dormand-Prince 5(4), rtol = atol = 1e-13) and against the digest's numbers (papers/exact_dln.md section 6: S1-S4,
// L1, L2, L4-L7, K1, K2, K4, K5), with the digest's tolerances.
#include <gtest/gtest.h>

#include <boost/numeric/odeint.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>
#include <cmath>
#include <map>
#include <sstream>

#include "depthbias/analysis/exact_dln.hpp"
#include "depthbias/analysis/toy_theory.hpp"
#include "depthbias/core/rng.hpp"

using namespace depthbias;
using namespace depthbias::exact;
namespace odeint = boost::numeric::odeint;

namespace {

template <class Rhs>
Vec integrate(Rhs rhs, Vec x, double t, double tol = 1e-13) {
    if (t == 0) return x;
    using Stepper = odeint::runge_kutta_dopri5<Vec, double, Vec, double, odeint::vector_space_algebra>;
    odeint::integrate_adaptive(odeint::make_controlled(tol, tol, Stepper()), rhs, x, 0.0, t, 1e-4);
    return x;
}

// Two-layer whitened gradient flow on Sigma: W1' = W2^T (Sigma - W2 W1), W2' = (Sigma - W2 W1) W1^T.
Mat two_layer_flow_product(const Mat& sigma, const Mat& w1, const Mat& w2, double t, Mat* w1t = nullptr, Mat* w2t = nullptr) {
    const Index nh = w1.rows(), ni = w1.cols(), no = w2.rows();
    Vec x(w1.size() + w2.size());
    Eigen::Map<Mat>(x.data(), nh, ni) = w1;
    Eigen::Map<Mat>(x.data() + w1.size(), no, nh) = w2;
    auto rhs = [&](const Vec& s, Vec& ds, double) {
        ds.resize(s.size());
        Eigen::Map<const Mat> a(s.data(), nh, ni), b(s.data() + nh * ni, no, nh);
        const Mat r = sigma - b * a;
        Eigen::Map<Mat>(ds.data(), nh, ni) = b.transpose() * r;
        Eigen::Map<Mat>(ds.data() + nh * ni, no, nh) = r * a.transpose();
    };
    const Vec y = integrate(rhs, x, t);
    const Mat a = Eigen::Map<const Mat>(y.data(), nh, ni), b = Eigen::Map<const Mat>(y.data() + nh * ni, no, nh);
    if (w1t) *w1t = a;
    if (w2t) *w2t = b;
    return b * a;
}

Mat orthonormal_columns(Rng& rng, Index n, Index k) { return rng.orthogonal(n).leftCols(k); }

struct Shape { Index ni, nh, no; double lambda; };

LambdaBalancedLayers random_layers(Rng& rng, const Shape& sh, double scale) {
    const Index r = std::min(sh.ni, sh.no);
    std::vector<double> s(static_cast<size_t>(r));
    for (auto& x : s) x = scale * (0.5 + rng.uniform());
    return lambda_balanced_layers(orthonormal_columns(rng, sh.no, r), s, orthonormal_columns(rng, sh.ni, r),
                                  rng.orthogonal(sh.nh), sh.lambda);
}

const std::vector<Shape> kShapes{{5, 5, 5, -10}, {5, 5, 5, -1}, {5, 5, 5, 0},  {5, 5, 5, 0.1}, {5, 5, 5, 1},
                                 {5, 5, 5, 10},  {3, 4, 5, 0},  {3, 4, 5, 0.1}, {3, 4, 5, 1},  {3, 4, 5, 10},
                                 {5, 4, 3, 0},   {5, 4, 3, -0.1}, {5, 4, 3, -1}, {5, 4, 3, -10}, {2, 5, 5, 0.5},
                                 {2, 5, 5, 3}};

}  // namespace

// S1/S2: the depth-2 mode is Saxe's sigmoid, and reaches s/2 at t_1/2 = ln((s - u0)/u0) / (2s).
TEST(ExactDln, SaxeSigmoidAndHalfTime) {
    for (double s : {3.0, 2.0, 1.0, 0.5}) {
        const double u0 = 1e-3;
        for (double t : {0.0, 0.5, 2.0, 5.0}) {
            const double sig = s * std::exp(2 * s * t) / (std::exp(2 * s * t) - 1 + s / u0);
            EXPECT_NEAR(saxe_mode(2, s, u0, t), sig, 1e-12 * s) << s << " " << t;
        }
        const double th = std::log((s - u0) / u0) / (2 * s);
        EXPECT_NEAR(saxe_mode(2, s, u0, th), s / 2, 1e-12);
    }
    // S2 regression values: s t_1/2 = 4.003, 3.800, 3.453, 3.106 for s = 3, 2, 1, 0.5 (u0 = 1e-3)
    const std::vector<std::pair<double, double>> st{{3, 4.003}, {2, 3.800}, {1, 3.453}, {0.5, 3.106}};
    for (const auto& [s, v] : st) EXPECT_NEAR(0.5 * std::log((s - 1e-3) / 1e-3), v, 5e-4);
    EXPECT_THROW(saxe_mode(2, 1.0, 1.5, 1.0), std::invalid_argument);
}

// S3: from a decoupled balanced init (W_l = R_{l+1} D R_l^T) the layered flow keeps the product diagonal in (U, V)
// and each mode follows u' = N_w u^{2-2/N_w}(s - u).
TEST(ExactDln, SaxeModesOfADecoupledDeepNetwork) {
    Rng rng(12);
    const Index d = 4;
    const std::vector<double> s{3, 2, 1, 0.5};
    const Mat u = rng.orthogonal(d), v = rng.orthogonal(d);
    const Mat sigma = u * Eigen::Map<const Vec>(s.data(), d).asDiagonal() * v.transpose();
    for (int nw : {2, 3, 4}) {
        std::vector<Mat> frames{v};
        for (int l = 1; l < nw; ++l) frames.push_back(rng.orthogonal(d));
        frames.push_back(u);
        const double u0 = 1e-2, a0 = std::pow(u0, 1.0 / nw);
        Vec x(nw * d * d);
        for (int l = 0; l < nw; ++l)
            Eigen::Map<Mat>(x.data() + l * d * d, d, d) = frames[size_t(l + 1)] * (a0 * Mat::Identity(d, d)) * frames[size_t(l)].transpose();
        auto rhs = [&](const Vec& st, Vec& ds, double) {
            ds.resize(st.size());
            std::vector<Mat> w;
            for (int l = 0; l < nw; ++l) w.push_back(Eigen::Map<const Mat>(st.data() + l * d * d, d, d));
            Mat prod = Mat::Identity(d, d);
            for (int l = 0; l < nw; ++l) prod = w[size_t(l)] * prod;
            const Mat r = sigma - prod;
            for (int l = 0; l < nw; ++l) {
                Mat left = Mat::Identity(d, d), right = Mat::Identity(d, d);
                for (int k = nw - 1; k > l; --k) left = left * w[size_t(k)];
                for (int k = l - 1; k >= 0; --k) right = right * w[size_t(k)];
                Eigen::Map<Mat>(ds.data() + l * d * d, d, d) = left.transpose() * r * right.transpose();
            }
        };
        const double t = 3.0;
        const Vec y = integrate(rhs, x, t, 1e-12);
        Mat prod = Mat::Identity(d, d);
        for (int l = 0; l < nw; ++l) prod = Eigen::Map<const Mat>(y.data() + l * d * d, d, d) * prod;
        const Mat inner = u.transpose() * prod * v;
        const double off = (inner - Mat(inner.diagonal().asDiagonal())).cwiseAbs().maxCoeff();
        EXPECT_LT(off, 1e-10) << "N_w = " << nw;
        for (Index a = 0; a < d; ++a)
            EXPECT_NEAR(inner(a, a), saxe_mode(nw, s[size_t(a)], u0, t), 1e-8) << "N_w = " << nw << " mode " << a;
    }
}

// S4: N t_N -> Saxe eq. 17 (s = 1, u0 = 0.05, uf = 0.9): 16.53, 23.12, 23.94, 24.02 against 24.031.
TEST(ExactDln, SaxeInfiniteDepthTime) {
    const double lim = saxe_infinite_depth_time(1, 0.05, 0.9);
    EXPECT_NEAR(lim, 24.031, 1e-3);
    const std::vector<std::pair<int, double>> nt{{10, 16.53}, {100, 23.12}, {1000, 23.94}, {10000, 24.02}};
    double prev = INFINITY;
    for (const auto& [n, v] : nt) {
        const double t = n * theory::learning_time(n, 1.0, 0.05, 0.9, double(n));
        EXPECT_NEAR(t, v, 6e-3) << "N = " << n;
        EXPECT_LT(std::abs(t - lim), prev);
        prev = std::abs(t - lim);
    }
}

// L1: the constructor is exactly lambda-balanced (<= 1e-13) with the prescribed product; shapes where it does not
// exist are errors that say why.
TEST(ExactDln, LambdaBalancedConstructor) {
    Rng rng(1);
    for (const auto& sh : kShapes) {
        const Index r = std::min(sh.ni, sh.no);
        std::vector<double> s{2.0, 1.0, 0.5, 0.25, 0.1};
        s.resize(size_t(r));
        const Mat u = orthonormal_columns(rng, sh.no, r), v = orthonormal_columns(rng, sh.ni, r);
        const auto l = lambda_balanced_layers(u, s, v, rng.orthogonal(sh.nh), sh.lambda);
        double off = 0;
        EXPECT_NEAR(balance_of(l.w1, l.w2, &off), sh.lambda, 1e-13 * (1 + std::abs(sh.lambda)));
        EXPECT_LT(off, 1e-13 * (1 + std::abs(sh.lambda)));
        const Mat target = u * Eigen::Map<const Vec>(s.data(), r).asDiagonal() * v.transpose();
        EXPECT_LT((l.w2 * l.w1 - target).norm(), 1e-13);
    }
    const Mat u5 = orthonormal_columns(rng, 5, 3), v3 = orthonormal_columns(rng, 3, 3);
    EXPECT_THROW(lambda_balanced_layers(u5, {1, 1, 1}, v3, rng.orthogonal(6), 1.0), std::invalid_argument);  // n_h > max
    EXPECT_THROW(lambda_balanced_layers(u5, {1, 1, 1}, v3, rng.orthogonal(2), 1.0), std::invalid_argument);  // n_h < min
    try {
        lambda_balanced_layers(u5, {1, 1, 1}, v3, rng.orthogonal(4), -1.0);  // n_o > n_i with lambda < 0
        ADD_FAILURE() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("lambda >= 0"), std::string::npos) << e.what();
    }
    EXPECT_THROW(lambda_balanced_layers(v3, {1, 1, 1}, u5, rng.orthogonal(4), 1.0), std::invalid_argument);
}

// L2: the factor stepping matches the flow (rtol 1e-13) to <= 1e-10 relative (Frobenius on Q Q^T's product block
// and both representations) for t <= 30, 16 shapes x lambda, 2 init scales. Unbalanced layers are refused.
TEST(ExactDln, LambdaBalancedClosedFormMatchesTheFlow) {
    Rng rng(7);
    double worst = 0;
    for (const auto& sh : kShapes)
        for (double scale : {0.05, 1.0}) {
            const Mat sigma = rng.normal_matrix(sh.no, sh.ni);
            const auto l = random_layers(rng, sh, scale);
            for (double t : {4.0, 30.0}) {
                Mat w1t, w2t;
                const Mat prod = two_layer_flow_product(sigma, l.w1, l.w2, t, &w1t, &w2t);
                const auto cf = lambda_balanced_solution(sigma, l.w1, l.w2, t);
                const double e1 = (cf.product - prod).norm() / prod.norm();
                const double e2 = (cf.w1tw1 - w1t.transpose() * w1t).norm() / (w1t.squaredNorm() + 1e-300);
                const double e3 = (cf.w2w2t - w2t * w2t.transpose()).norm() / w2t.squaredNorm();
                worst = std::max({worst, e1, e2, e3});
                EXPECT_LT(std::max({e1, e2, e3}), 1e-10) << sh.ni << "-" << sh.nh << "-" << sh.no << " lambda "
                                                          << sh.lambda << " scale " << scale << " t " << t;
            }
        }
    std::ostringstream w;
    w << worst;
    RecordProperty("worst_relative_error", w.str());
    Mat w1 = Mat::Identity(3, 3), w2 = 2 * Mat::Identity(3, 3);
    w2(0, 1) = 0.5;
    EXPECT_THROW(lambda_balanced_solution(Mat::Identity(3, 3), w1, w2, 1.0), std::invalid_argument);
}

// L4: at t = 200 the representations reach U diag((K + lambda)/2) U^T, V diag((K - lambda)/2) V^T (<= 1e-12) and
// the product reaches Sigma.
TEST(ExactDln, LambdaBalancedConvergedRepresentations) {
    Rng rng(3);
    for (double lambda : {-10.0, -1.0, 0.0, 1.0, 10.0}) {
        const Mat u = rng.orthogonal(4), v = rng.orthogonal(4);
        const Vec s = (Vec(4) << 2.0, 1.5, 1.0, 0.5).finished();
        const Mat sigma = u * s.asDiagonal() * v.transpose();
        const auto l = random_layers(rng, {4, 4, 4, lambda}, 0.3);
        const auto cf = lambda_balanced_solution(sigma, l.w1, l.w2, 200);
        Vec kp(4), km(4);
        for (int a = 0; a < 4; ++a) {
            const double k = std::sqrt(lambda * lambda + 4 * s(a) * s(a));
            kp(a) = (k + lambda) / 2;
            km(a) = (k - lambda) / 2;
        }
        EXPECT_LT((cf.w2w2t - u * kp.asDiagonal() * u.transpose()).cwiseAbs().maxCoeff(), 1e-12) << lambda;
        EXPECT_LT((cf.w1tw1 - v * km.asDiagonal() * v.transpose()).cwiseAbs().maxCoeff(), 1e-12) << lambda;
        EXPECT_LT((cf.product - sigma).cwiseAbs().maxCoeff(), 1e-12) << lambda;
    }
}

// L5: the aligned mode matches a' = sqrt(lambda^2 + 4 a^2)(s - a) to <= 1e-9 (s = 1.5, t <= 7.8); L6: |lambda| t_90
// -> ln((s - a0)/(0.1 s)) (tolerance 1e-3 at |lambda| = 100) and the section 3.5 table of t_90.
TEST(ExactDln, LambdaBalancedAlignedModeAndLazySpeed) {
    const double s = 1.5;
    for (double lambda : {-10.0, -1.0, -0.1, 0.1, 1.0, 10.0})
        for (double a0 : {1e-3, 0.3, 2.0})
            for (double t : {0.5, 3.0, 7.8}) {
                auto rhs = [&](const Vec& x, Vec& dx, double) {
                    dx.resize(1);
                    dx(0) = std::sqrt(lambda * lambda + 4 * x(0) * x(0)) * (s - x(0));
                };
                const double ode = integrate(rhs, Vec::Constant(1, a0), t)(0);
                EXPECT_NEAR(lambda_balanced_mode(lambda, s, a0, t), ode, 1e-9) << lambda << " " << a0 << " " << t;
            }
    auto t90 = [](double lambda) {
        double lo = 0, hi = 50;
        for (int i = 0; i < 200; ++i) {
            const double mid = 0.5 * (lo + hi);
            (lambda_balanced_mode(lambda, 1.0, 1e-3, mid) < 0.9 ? lo : hi) = mid;
        }
        return 0.5 * (lo + hi);
    };
    const std::vector<std::pair<double, double>> table{{0, 4.552}, {0.1, 2.906}, {1, 1.496}, {10, 0.2282}, {100, 0.02301}};
    for (const auto& [lambda, v] : table) EXPECT_NEAR(t90(lambda), v, 1e-3 * std::max(1.0, v)) << lambda;
    EXPECT_NEAR(100 * t90(100), std::log((1 - 1e-3) / 0.1), 1e-3);
    EXPECT_NEAR(100 * t90(-100), std::log((1 - 1e-3) / 0.1), 1e-3);
}

// L7: the final kernel distance S(K0, K_inf) decreases in |lambda| and is below 1e-5 at |lambda| = 100 (5-5-5,
// isotropic product init, random Sigma), symmetric in lambda <-> -lambda.
TEST(ExactDln, LambdaBalancedKernelDistanceFallsWithLambda) {
    Rng rng(5);
    const Mat sigma = rng.normal_matrix(5, 5);
    const Mat u = rng.orthogonal(5), v = rng.orthogonal(5), r = rng.orthogonal(5);
    std::vector<double> dist;
    for (double lambda : {0.0, 1.0, 10.0, 100.0}) {
        double sym = 0;
        for (double sign : {1.0, -1.0}) {
            const auto l = lambda_balanced_layers(u, std::vector<double>(5, 0.1), v, r, sign * lambda);
            const auto cf = lambda_balanced_solution(sigma, l.w1, l.w2, 60);
            const double s = two_layer_kernel_distance(l.w1.transpose() * l.w1, l.w2 * l.w2.transpose(), cf.w1tw1, cf.w2w2t);
            if (sign > 0) dist.push_back(s);
            else sym = s;
        }
        EXPECT_NEAR(sym, dist.back(), 1e-9 + 1e-6 * dist.back()) << lambda;
    }
    for (size_t i = 1; i < dist.size(); ++i) EXPECT_LT(dist[i], dist[i - 1]);
    EXPECT_LT(dist.back(), 1e-5);
    EXPECT_GT(dist.front(), 1e-2);
}

// K1/K2: the v-form matches the single-neuron flow to <= 1e-9 (delta of every sign, a crossing zero included) and
// delta stays conserved; also d = 6 random draws.
TEST(ExactDln, SingleNeuronClosedFormMatchesTheFlow) {
    const Vec beta = (Vec(2) << 0.5, 0.5).finished();
    double worst = 0;
    for (const Vec& dir : {Vec((Vec(2) << 0.0, -1.0).finished()), Vec((Vec(2) << 1.0, 0.0).finished()),
                           Vec((Vec(2) << -0.6, 0.8).finished()), Vec((Vec(2) << 0.7, 0.7).finished())})
        for (double delta : {-2.0, -1.0, -0.2, 0.0, 0.02, 0.2, 1.0, 2.0}) {
            const auto init = single_neuron_init(0.3, delta, dir);
            auto rhs = [&](const Vec& x, Vec& dx, double) {
                const Vec w = x.tail(2);
                const Vec r = x(0) * w - beta;
                dx.resize(3);
                dx(0) = -w.dot(r);
                dx.tail(2) = -x(0) * r;
            };
            Vec x0(3);
            x0 << init.a, init.w;
            for (double t : {1.0, 5.0, 20.0}) {
                const Vec y = integrate(rhs, x0, t);
                const auto cf = single_neuron(beta, init.a, init.w, t);
                const double e = std::max(std::abs(cf.a - y(0)), (cf.w - y.tail(2)).cwiseAbs().maxCoeff());
                worst = std::max(worst, e);
                EXPECT_LT(e, 1e-9) << "delta " << delta << " t " << t;
                EXPECT_NEAR(y(0) * y(0) - y.tail(2).squaredNorm(), delta, 1e-11);
            }
        }
    Rng rng(4);
    for (int k = 0; k < 5; ++k) {
        const Vec b = rng.normal_matrix(6, 1).col(0), w0 = rng.normal_matrix(6, 1).col(0);
        const double a0 = rng.normal();
        auto rhs = [&](const Vec& x, Vec& dx, double) {
            const Vec w = x.tail(6);
            const Vec r = x(0) * w - b;
            dx.resize(7);
            dx(0) = -w.dot(r);
            dx.tail(6) = -x(0) * r;
        };
        Vec x0(7);
        x0 << a0, w0;
        const Vec y = integrate(rhs, x0, 10.0);
        const auto cf = single_neuron(b, a0, w0, 10.0);
        EXPECT_LT(std::max(std::abs(cf.a - y(0)), (cf.w - y.tail(6)).cwiseAbs().maxCoeff()), 1e-9);
    }
    // Long horizons do not overflow (the e^{-k1 t} rescaling): the state converges to a w = beta*.
    const auto late = single_neuron(beta, 3.5, Vec::Constant(2, 0.1), 400.0);
    EXPECT_TRUE(std::isfinite(late.a));
    EXPECT_LT((late.a * late.w - beta).norm(), 1e-12);
    EXPECT_THROW(single_neuron(Vec::Zero(2), 1.0, Vec::Ones(2), 1.0), std::invalid_argument);
}

// K4/K5: the Frobenius kernel distance (0.084706 in the section 4.3 setup; the notebook's variant gives -0.141103)
// and regression values of the section 4.5 table (+-1e-3).
TEST(ExactDln, SingleNeuronKernelDistance) {
    const Vec bstar = (Vec(2) << 1.0, 0.25).finished();
    const Vec b0 = (Vec(2) << 0.1, -0.05).finished();
    const double a0 = std::sqrt(b0.norm());
    const Vec w0 = b0 / a0;
    const auto st = single_neuron(bstar, a0, w0, 20);
    EXPECT_NEAR(single_neuron_kernel_distance(a0, w0, st.a, st.w), 0.084706, 1e-6);
    const Vec dir = (Vec(2) << 0.6, -0.8).finished();
    struct Cell { double tau, delta, s; };
    for (const Cell& c : {Cell{0.03, -10, 0.841}, Cell{0.03, 0, 0.170}, Cell{0.03, 10, 0.000}, Cell{1, -1, 0.410},
                          Cell{1, 1, 0.044}, Cell{3, -10, 0.634}, Cell{3, 10, 0.011}, Cell{0.3, -0.1, 0.308}}) {
        const auto init = single_neuron_init(c.tau, c.delta, dir);
        EXPECT_NEAR(init.delta, c.delta, 1e-12 * (1 + std::abs(c.delta)));
        const auto fin = single_neuron(bstar, init.a, init.w, 200);
        EXPECT_NEAR(single_neuron_kernel_distance(init.a, init.w, fin.a, fin.w), c.s, 1e-3) << c.tau << " " << c.delta;
    }
}

// K3: the implicit-bias formula for a rank-1 XX (one sample x = (0.5, 1), XY = 1.1 x, beta0 = 0.5 (0.6 (x2, -x1) +
// 0.4 x)) equals the gradient-flow limit at t = 400 to <= 1e-10 for delta in {-4, -2, -1, 0, 1, 2, 4}, with the
// digest's example limits, and its delta -> +-inf extremes (the lazy interpolant (0.74, 0.73), the rescaled beta0
// (1.76, 0.22)) at delta = +-400.
TEST(ExactDln, SingleNeuronImplicitBiasOfARankOneProblem) {
    const Vec x = (Vec(2) << 0.5, 1.0).finished();
    const Vec b0 = 0.5 * (0.6 * Vec((Vec(2) << 1.0, -0.5).finished()) + 0.4 * x);
    const std::map<double, std::pair<double, double>> digest{
        {0.0, {0.943004, 0.628498}}, {-4.0, {1.551077, 0.324462}}, {4.0, {0.747883, 0.726059}}};
    for (double delta : {-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0}) {
        const double a0 = std::sqrt(delta / 2 + std::sqrt(delta * delta / 4 + b0.squaredNorm()));
        const Vec w0 = b0 / a0;
        auto rhs = [&](const Vec& st, Vec& ds, double) {
            const Vec w = st.tail(2);
            const Vec r = x * (x.dot(st(0) * w) - 1.1);  // XX beta - XY
            ds.resize(3);
            ds(0) = -w.dot(r);
            ds.tail(2) = -st(0) * r;
        };
        Vec s0(3);
        s0 << a0, w0;
        const Vec y = integrate(rhs, s0, 400.0);
        const Vec flow = y(0) * y.tail(2);
        const Vec lim = single_neuron_rank_one_limit(x, 1.1, a0, w0);
        EXPECT_LT((flow - lim).cwiseAbs().maxCoeff(), 1e-10) << "delta " << delta;
        if (digest.count(delta)) {
            EXPECT_NEAR(lim(0), digest.at(delta).first, 1e-6) << delta;
            EXPECT_NEAR(lim(1), digest.at(delta).second, 1e-6) << delta;
        }
    }
    for (double delta : {400.0, -400.0}) {
        const double a0 = std::sqrt(delta / 2 + std::sqrt(delta * delta / 4 + b0.squaredNorm()));
        const Vec lim = single_neuron_rank_one_limit(x, 1.1, a0, b0 / a0);
        const Vec expect = delta > 0 ? Vec((Vec(2) << 0.74, 0.73).finished()) : Vec((Vec(2) << 1.76, 0.22).finished());
        EXPECT_LT((lim - expect).cwiseAbs().maxCoeff(), 0.01) << delta << ": " << lim.transpose();
    }
}

// K5 (times): the time for the loss 1/2 ||a w - beta*||^2 to fall to 1e-3 of its start, from the closed form by
// bisection (the loss decreases along the flow), against the section 4.5 table (+-0.05; the digest used dt = 0.01),
// and the fit time at delta = -10 at least 5x that at delta = 0. One documented deviation: tau = 1, delta = 0 measures
// 3.548 against the table's 3.6 (0.052; every other cell is within 0.05), asserted at 0.06.
TEST(ExactDln, SingleNeuronFitTimes) {
    const Vec bstar = (Vec(2) << 1.0, 0.25).finished();
    const Vec dir = (Vec(2) << 0.6, -0.8).finished();
    auto fit_time = [&](double tau, double delta) {
        const auto init = single_neuron_init(tau, delta, dir);
        const double l0 = (init.a * init.w - bstar).squaredNorm();
        double lo = 0, hi = 200;
        for (int i = 0; i < 100; ++i) {
            const double mid = 0.5 * (lo + hi);
            const auto st = single_neuron(bstar, init.a, init.w, mid);
            ((st.a * st.w - bstar).squaredNorm() > 1e-3 * l0 ? lo : hi) = mid;
        }
        return 0.5 * (lo + hi);
    };
    struct Cell { double tau, delta, t; };
    for (const Cell& c : {Cell{0.03, -10, 41.2}, Cell{0.03, -1, 7.2}, Cell{0.03, -0.1, 5.1}, Cell{0.03, 0, 5.4},
                          Cell{0.03, 0.1, 3.4}, Cell{0.03, 1, 2.0}, Cell{0.03, 10, 0.35}, Cell{1, -10, 40.1},
                          Cell{1, 0, 3.6}, Cell{3, -10, 19.2}, Cell{3, 1, 1.1}, Cell{3, 10, 0.30}})
        EXPECT_NEAR(fit_time(c.tau, c.delta), c.t, c.tau == 1 && c.delta == 0 ? 0.06 : 0.05)
            << "tau " << c.tau << " delta " << c.delta;
    for (double tau : {0.03, 1.0, 3.0}) EXPECT_GE(fit_time(tau, -10), 5 * fit_time(tau, 0)) << tau;
}
