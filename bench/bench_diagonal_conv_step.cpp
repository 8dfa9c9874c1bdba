// P4: one full gradient-descent step of a depth-3 diagonal network and of a depth-3 circular-convolutional
// network on binary classification, d = 100, n = 200, exponential loss, mean reduction (the Fig. 1c / 1d setting,
// gissin.md 3.3-3.4), float64. Peers: bench/peers/diagonal_conv_numpy.py, bench/peers/diagonal_conv_torch.py.
//
// A step is exactly what run_gradient_descent does per iterate: Objective::value_and_gradient (predictor,
// task loss L = (1/n) sum_n exp(-x~_n^T beta) and dL/dbeta = -(1/n) X~^T exp(-X~ beta), pull-back to theta)
// followed by theta -= lr * grad.
//   diagonal: DiagonalNetwork(d = 100, depth 3, PowerPm): beta = u+^3 - u-^3, theta = [u+; u-] (200 params),
//             u±(0) = 0.01^(1/3) (fig1c: init 0.01, lr 0.01, target (8, 4, 2, 1) in the time domain)
//   conv:     CircularConvNetwork(d = 100, depth 3): beta = w1 (*) w2 (*) v through FFTW, theta = [w1; w2; v]
//             (300 params), Gaussian init with E||beta(0)||^2 = (1.5e-3)^2 (fig1d: lr 1e-3, target in the
//             Fourier domain, rfft bins 0..3 = 3, 4, 6, 12)
// Data: seed 0 (Rng stream kStreamTask), no test set (it plays no part in a step).
//
// Counters:
//   allocs_per_step  heap allocations inside the timed loop / iterations (malloc & co. interposed): should be 0
//   loss_end         loss at the last timed step (finite: the steps stayed meaningful)
//   params           number of trained parameters
// Breakdown "BM_Part/<model>_<part>" (where the step's time goes; same setup, theta fixed at the start):
//   predictor  Model::predictor (diagonal: u+^3 - u-^3 with Eigen's pow; conv: 3 r2c FFTs, product, 1 c2r)
//   task       BinaryClassification::loss_and_gradient (X~ beta, 200 exp, X~^T e: two 200 x 100 matvecs)
//   pullback   Model::pullback (diagonal: 3 u^2 g with pow; conv: 1 r2c, 3 c2r FFTs)
//
// Cross-check with the peers: `bench_diagonal_conv_step --dump=DIR` writes (plain text, np.loadtxt-readable)
//   DIR/xt.txt                        the signed inputs X~ (n x d, rows s_n x_n); the conv task's X~ is
//   DIR/xt_conv.txt                   separate (its w* differs, so do its labels)
//   DIR/{diagonal,conv}_theta0.txt    theta at the start
//   DIR/{diagonal,conv}_trace.txt     kCheckSteps lines "loss_k" of GD from theta0 (the loss before update k)
//   DIR/{diagonal,conv}_theta_end.txt theta after kCheckSteps GD steps
//   DIR/{diagonal,conv}_grad0.txt     dL/dtheta at theta0
//   DIR/meta.txt                      d n lr_diagonal lr_conv steps
// and the peers' --check DIR runs the same steps from the same point and prints their relative differences.
//
// Run: build-p4/bench_diagonal_conv_step [--benchmark_repetitions=5 --benchmark_enable_random_interleaving=true]
// bench/run_p4_p5.sh runs it with the peers side by side.
// GCC 12 false positives: -Wuninitialized inside avx512fintrin.h (_mm512_undefined_pd), -Wrestrict in std::string.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wrestrict"
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "depthbias/core/rng.hpp"
#include "depthbias/dynamics/objective.hpp"
#include "depthbias/models/circular_conv_network.hpp"
#include "depthbias/models/diagonal_network.hpp"
#include "depthbias/tasks/binary_classification.hpp"

#include "alloc_counter.hpp"

namespace {
using namespace depthbias;

constexpr Index kD = 100;
constexpr Index kN = 200;
constexpr int kDepth = 3;
constexpr double kLrDiagonal = 0.01;  // fig1c
constexpr double kLrConv = 1e-3;      // fig1d
constexpr double kInitDiagonal = 0.01;
constexpr double kInitConv = 1.5e-3;
constexpr int kCheckSteps = 10;

struct Setup {
    std::unique_ptr<BinaryClassification> task;
    std::unique_ptr<Model> model;
    Vec theta0;
    double lr = 0;
};

Setup make_setup(const std::string& which) {
    ClassificationSpec spec;
    spec.d = kD;
    spec.samples = kN;
    spec.loss = "exponential";
    spec.reduction = "mean";
    spec.test_samples = 0;
    Setup s;
    if (which == "diagonal") {
        spec.target = {8, 4, 2, 1};
        spec.target_domain = "time";
        s.model = std::make_unique<DiagonalNetwork>(kD, kDepth, DiagonalForm::PowerPm, kInitDiagonal);
        s.lr = kLrDiagonal;
    } else {
        spec.target = {3, 4, 6, 12};
        spec.target_domain = "fourier";
        s.model = std::make_unique<CircularConvNetwork>(kD, kDepth, kInitConv);
        s.lr = kLrConv;
    }
    s.task = std::make_unique<BinaryClassification>(spec, 0);
    Rng rng = Rng::stream(0, kStreamInit);
    s.theta0 = s.model->initialize(rng, *s.task);
    return s;
}

void BM_Step(benchmark::State& state, const std::string& which) {
    Setup s = make_setup(which);
    Objective obj(*s.model, *s.task);
    Vec theta = s.theta0;
    Vec grad(theta.size());
    double loss = obj.value_and_gradient(theta, grad);  // warm-up: touch every buffer once
    const long allocs0 = g_allocs.load();
    for (auto _ : state) {
        loss = obj.value_and_gradient(theta, grad);
        theta.noalias() -= s.lr * grad;
        benchmark::DoNotOptimize(loss);
        benchmark::ClobberMemory();
    }
    const long allocs = g_allocs.load() - allocs0;
    state.counters["allocs_per_step"] = double(allocs) / double(state.iterations());
    state.counters["loss_end"] = loss;
    state.counters["params"] = double(theta.size());
}

void BM_Part(benchmark::State& state, const std::string& which, const std::string& part) {
    Setup s = make_setup(which);
    Predictor pred{Mat::Zero(kD, 1), 0.0}, gpred{Mat::Zero(kD, 1), 0.0};
    Vec grad(s.theta0.size());
    s.model->predictor(s.theta0, pred);
    s.task->loss_and_gradient(pred, gpred);
    s.model->pullback(s.theta0, gpred, grad);
    for (auto _ : state) {
        if (part == "predictor") s.model->predictor(s.theta0, pred);
        else if (part == "task") benchmark::DoNotOptimize(s.task->loss_and_gradient(pred, gpred));
        else s.model->pullback(s.theta0, gpred, grad);
        benchmark::ClobberMemory();
    }
}

// ---- --dump=DIR: the data, the start and a short GD run, for the peers' --check ----
void write_matrix(const std::filesystem::path& p, const Mat& m) {
    std::ofstream f(p);
    f.precision(17);
    for (Index i = 0; i < m.rows(); ++i) {
        for (Index j = 0; j < m.cols(); ++j) f << (j ? " " : "") << m(i, j);
        f << "\n";
    }
    if (!f) throw std::runtime_error("cannot write " + p.string());
}

int dump(const std::string& dir) {
    namespace fs = std::filesystem;
    fs::create_directories(dir);
    for (const std::string which : {"diagonal", "conv"}) {
        Setup s = make_setup(which);
        write_matrix(fs::path(dir) / (which == "diagonal" ? "xt.txt" : "xt_conv.txt"), s.task->signed_inputs());
        Objective obj(*s.model, *s.task);
        Vec theta = s.theta0, grad(theta.size());
        Vec trace(kCheckSteps);
        for (int k = 0; k < kCheckSteps; ++k) {
            trace(k) = obj.value_and_gradient(theta, grad);
            if (k == 0) write_matrix(fs::path(dir) / (which + "_grad0.txt"), grad);
            theta.noalias() -= s.lr * grad;
        }
        write_matrix(fs::path(dir) / (which + "_theta0.txt"), s.theta0);
        write_matrix(fs::path(dir) / (which + "_trace.txt"), trace);
        write_matrix(fs::path(dir) / (which + "_theta_end.txt"), theta);
    }
    std::ofstream meta(fs::path(dir) / "meta.txt");
    meta.precision(17);
    meta << kD << " " << kN << " " << kLrDiagonal << " " << kLrConv << " " << kCheckSteps << "\n";
    std::printf("wrote %s/{xt,xt_conv,*_theta0,*_grad0,*_trace,*_theta_end,meta}.txt\n", dir.c_str());
    return 0;
}

}  // namespace

BENCHMARK_CAPTURE(BM_Step, diagonal_d100_n200_depth3, std::string("diagonal"))
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.5);
BENCHMARK_CAPTURE(BM_Step, conv_d100_n200_depth3, std::string("conv"))->Unit(benchmark::kMicrosecond)->MinTime(0.5);
#define PART(model, part)                                                                               \
    BENCHMARK_CAPTURE(BM_Part, model##_##part, std::string(#model), std::string(#part))                 \
        ->Unit(benchmark::kMicrosecond)                                                                  \
        ->MinTime(0.2)
PART(diagonal, predictor);
PART(diagonal, task);
PART(diagonal, pullback);
PART(conv, predictor);
PART(conv, task);
PART(conv, pullback);

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (std::strncmp(argv[i], "--dump=", 7) == 0) return dump(argv[i] + 7);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
