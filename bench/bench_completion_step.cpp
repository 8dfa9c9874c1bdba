// P8 (issue 13): one GroupRMSprop step of the completion-depth preset's model, as run_group_rmsprop performs it:
// Objective::value_and_gradient (W = W3 W2 W1, n = 100, loss (1/m) sum_observed (W_ij - y)^2, dL/dW on the m
// observed entries, pull-back to the layers) and theta -= lr grad / (sqrt(EMA ||grad||^2 / (1 - alpha^k)) + eps).
// Instance: completion n = 100, m = 2000 (first arg: m; 500 for a sparse regime), rank 5 (singular values of the completion-depth preset), depth 3,
// Gaussian init 1e-3, lr 1e-3, alpha 0.99, eps 1e-4: the preset's GroupRMSprop runs.
//   BM_CompletionStep/<m>/0   the engine's step (pull-back path chosen by G's density: sparse below 1/8)
//   BM_CompletionStep/<m>/1   the same step with the sparse pull-back forced (one axpy pair per observed entry)
//   BM_CompletionStep/<m>/2   the same step with the pull-back forced dense (DeepMatrixProduct::set_sparse_pullback)
//   BM_ProductFloor           the 3 (N - 1) = 6 dense 100 x 100 products a step that forms every product needs
//                             (Eigen, the engine's GEMM): the matrix-product floor of the dense step
// Counters: allocs_per_step (heap allocations inside the timed loop / iterations: 0), loss_end.
// --dump=DIR writes the instance (observed.txt: index value per line, column-major index row + 100 col; theta0.txt;
// losses.txt: the loss before each of the first 5 steps) for the PyTorch port's --check (bench/completion/).
// One thread (Eigen's GEMM is single-threaded here; no BLAS in this step).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wrestrict"
#include <benchmark/benchmark.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <memory>
#include <string>

#include "depthbias/core/rng.hpp"
#include "depthbias/dynamics/objective.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/tasks/matrix_completion.hpp"

#include "alloc_counter.hpp"

namespace {
using namespace depthbias;

constexpr Index kN = 100;
constexpr int kDepth = 3;
constexpr double kLr = 1e-3, kAlpha = 0.99, kEps = 1e-4, kInit = 1e-3;

struct Setup {
    std::unique_ptr<Task> task;
    std::unique_ptr<DeepMatrixProduct> model;
    Vec theta;
    explicit Setup(Index m) {
        MatrixCompletionSpec spec;
        spec.d = kN;
        spec.measurements = m;
        spec.target_singular_values = {56.133, 50.635, 42.515, 36.848, 33.465};
        task = make_matrix_completion(spec, 1);
        model = std::make_unique<DeepMatrixProduct>(kN, kDepth, MatrixInit::Gaussian, kInit);
        Rng rng = Rng::stream(1, kStreamInit);
        theta = model->initialize(rng, *task);
    }
};

// The step of run_group_rmsprop (dynamics/group_rmsprop.cpp).
struct Rms {
    double second = 0, power = 1;
    void step(Vec& theta, const Vec& grad) {
        second = kAlpha * second + (1 - kAlpha) * grad.squaredNorm();
        power *= kAlpha;
        theta.noalias() -= (kLr / (std::sqrt(second / (1 - power)) + kEps)) * grad;
    }
};

void BM_CompletionStep(benchmark::State& state) {
    Setup s(state.range(0));
    using Mode = DeepMatrixProduct::SparsePullback;
    s.model->set_sparse_pullback(state.range(1) == 0 ? Mode::Automatic : state.range(1) == 1 ? Mode::Always : Mode::Never);
    Objective obj(*s.model, *s.task);
    Vec grad(s.theta.size());
    Rms rms;
    for (int k = 0; k < 20; ++k) {  // warm-up
        obj.value_and_gradient(s.theta, grad);
        rms.step(s.theta, grad);
    }
    double loss = 0;
    const long a0 = g_allocs.load();
    for (auto _ : state) {
        loss = obj.value_and_gradient(s.theta, grad);
        rms.step(s.theta, grad);
        benchmark::DoNotOptimize(s.theta.data());
    }
    state.counters["allocs_per_step"] = double(g_allocs.load() - a0) / double(state.iterations());
    state.counters["loss_end"] = loss;
}
BENCHMARK(BM_CompletionStep)->Args({2000, 0})->Args({2000, 1})->Args({2000, 2})->Args({500, 0})->Args({500, 2});

void BM_ProductFloor(benchmark::State& state) {
    Rng rng = Rng::stream(2, kStreamInit);
    const Mat a = rng.normal_matrix(kN, kN, 1.0), b = rng.normal_matrix(kN, kN, 1.0);
    Mat c(kN, kN);
    for (auto _ : state) {
        for (int k = 0; k < 3 * (kDepth - 1); ++k) {
            c.noalias() = a * b;
            benchmark::DoNotOptimize(c.data());
        }
    }
}
BENCHMARK(BM_ProductFloor);

void dump(const std::string& dir) {
    Setup s(2000);
    const auto obs = *completion_observations(*s.task);
    std::ofstream o(dir + "/observed.txt"), t(dir + "/theta0.txt"), l(dir + "/losses.txt");
    o << std::setprecision(17);
    t << std::setprecision(17);
    l << std::setprecision(17);
    for (size_t k = 0; k < obs.indices.size(); ++k) o << obs.indices[k] << ' ' << obs.values[k] << '\n';
    for (Index k = 0; k < s.theta.size(); ++k) t << s.theta(k) << '\n';
    Objective obj(*s.model, *s.task);
    Vec grad(s.theta.size());
    Rms rms;
    for (int k = 0; k < 5; ++k) {
        l << obj.value_and_gradient(s.theta, grad) << '\n';
        rms.step(s.theta, grad);
    }
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (std::strncmp(argv[i], "--dump=", 7) == 0) {
            dump(argv[i] + 7);
            return 0;
        }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
