// P1: one full gradient-descent step of the depth-4 deep matrix product on Gaussian matrix sensing,
// d = 100, m = 1000 (the measurement matrix A is m x d^2 = 1000 x 10000: 80 MB in float64, 40 MB in float32),
// for kernel {fused, two_pass} x storage {float64, float32}; plus a memory read-bandwidth probe.
//
// A step is exactly what run_gradient_descent does per iterate: Objective::value_and_gradient (predictor
// W = W4 W3 W2 W1, loss L = (1/m) sum (<A_i, W> - y_i)^2 and dL/dW from the task kernel, pull-back to the
// four factors) followed by theta -= lr * grad.
//
// Counters:
//   bytes_per_step   bytes of A the kernel reads from memory per step (fused: m d^2 sizeof(S); two_pass: 2x)
//   GB/s             bytes_per_step / step time (decimal GB)
//   allocs_per_step  heap allocations (malloc/calloc/realloc/memalign, operator new goes through malloc)
//                    counted inside the timed loop, divided by the iterations: should be 0
//   loss_end         loss after the timed steps (a finite number shows the steps stayed meaningful)
// Bandwidth probe "ReadBandwidth/<MB>": sums a float64 array of that size (Eigen's vectorized sum, several
// passes); GB/s = bytes read / time. Sizes: 20 MB (= A at d = 50), 80 MB (= A at d = 100, float64),
// 1024 MB (larger than any cache).
//   rel_diff_vs_f64  max relative difference of (loss, gradient) vs the engine's float64 two_pass step at the
//                    starting point (float32 storage shows its rounding of A here)
//
// Run: build/bench_sensing_step [--benchmark_repetitions=5 --benchmark_enable_random_interleaving=true]
// GCC 12 false positives: -Wuninitialized inside avx512fintrin.h (_mm512_undefined_pd), -Wrestrict in std::string.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wrestrict"
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "depthbias/core/rng.hpp"
#include "depthbias/dynamics/objective.hpp"
#include "depthbias/models/deep_matrix_product.hpp"
#include "depthbias/tasks/gaussian_sensing.hpp"

#include "alloc_counter.hpp"

namespace {
using namespace depthbias;

constexpr Index kM = 1000;
constexpr int kDepth = 4;
constexpr double kLr = 1e-3;
constexpr double kInit = 1e-4;

struct Setup {
    std::unique_ptr<Task> task;
    std::unique_ptr<DeepMatrixProduct> model;
    Vec theta0;
};

// One task per (d, storage, kernel), built once (drawing 10^7 normals takes a while), kept for all repetitions.
Setup& setup(Index d, const std::string& storage, const std::string& kernel) {
    static std::map<std::string, Setup> cache;
    const std::string key = std::to_string(d) + "/" + storage + "/" + kernel;
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    GaussianSensingSpec spec;
    spec.d = d;
    spec.measurements = kM;
    spec.storage = storage;
    spec.kernel = kernel;
    spec.test_samples = 0;
    Setup s;
    s.task = make_gaussian_sensing(spec, 0);
    s.model = std::make_unique<DeepMatrixProduct>(d, kDepth, MatrixInit::Gaussian, kInit);
    Rng rng = Rng::stream(0, kStreamInit);
    s.theta0 = s.model->initialize(rng, *s.task);
    return cache.emplace(key, std::move(s)).first->second;
}

// Relative difference of (loss, gradient) between this setup and the engine's float64 two_pass reference
// at the benchmark's starting point (a check that every variant computes the same step).
double rel_diff_vs_reference(Index d, Setup& s) {
    Setup& ref = setup(d, "float64", "two_pass");
    Objective a(*s.model, *s.task), b(*ref.model, *ref.task);
    Vec ga(s.theta0.size()), gb(s.theta0.size());
    const double la = a.value_and_gradient(s.theta0, ga), lb = b.value_and_gradient(ref.theta0, gb);
    return std::max(std::abs(la - lb) / std::abs(lb), (ga - gb).norm() / gb.norm());
}

void BM_SensingStep(benchmark::State& state, const std::string& kernel, const std::string& storage, Index d) {
    Setup& s = setup(d, storage, kernel);
    const double check = rel_diff_vs_reference(d, s);
    Objective obj(*s.model, *s.task);
    Vec theta = s.theta0;
    Vec grad(theta.size());
    double loss = obj.value_and_gradient(theta, grad);  // warm-up: touch every buffer once
    const long allocs0 = g_allocs.load();
    for (auto _ : state) {
        loss = obj.value_and_gradient(theta, grad);
        theta.noalias() -= kLr * grad;
        benchmark::DoNotOptimize(loss);
        benchmark::ClobberMemory();
    }
    const long allocs = g_allocs.load() - allocs0;
    const double elem = storage == "float32" ? 4.0 : 8.0;
    const double bytes = double(kM) * double(d * d) * elem * (kernel == "two_pass" ? 2.0 : 1.0);
    state.counters["bytes_per_step"] = bytes;
    state.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["allocs_per_step"] = double(allocs) / double(state.iterations());
    state.counters["loss_end"] = loss;
    state.counters["rel_diff_vs_f64"] = check;
}

// Shows that the allocation counter counts: one Eigen vector allocated per iteration -> allocs_per_step = 1.
void BM_AllocCounterSelfTest(benchmark::State& state) {
    const long allocs0 = g_allocs.load();
    for (auto _ : state) {
        Vec v(1000);
        benchmark::DoNotOptimize(v.data());
    }
    state.counters["allocs_per_step"] = double(g_allocs.load() - allocs0) / double(state.iterations());
}

void BM_ReadBandwidth(benchmark::State& state) {
    const Index n = Index(state.range(0)) * 1024 * 1024 / 8;
    static std::map<Index, std::unique_ptr<Vec>> arrays;  // built (and first-touched) once per size
    auto& a = arrays[n];
    if (!a) a = std::make_unique<Vec>(Vec::Constant(n, 1.0));
    constexpr int kPasses = 4;
    for (auto _ : state) {
        double s = 0;
        for (int p = 0; p < kPasses; ++p) s += a->sum();
        benchmark::DoNotOptimize(s);
    }
    const double bytes = double(n) * 8.0 * kPasses;
    state.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

#define STEP(name, kernel, storage, d)                                                              \
    BENCHMARK_CAPTURE(BM_SensingStep, name, std::string(kernel), std::string(storage), Index(d)) \
        ->Unit(benchmark::kMillisecond)                                                        \
        ->MinTime(0.5)
// P1: d = 100 (A: 80 MB in float64)
STEP(d100_fused_float64, "fused", "float64", 100);
STEP(d100_two_pass_float64, "two_pass", "float64", 100);
STEP(d100_fused_float32, "fused", "float32", 100);
STEP(d100_two_pass_float32, "two_pass", "float32", 100);
// the fig1a size (d = 50, A: 20 MB in float64), for P2
STEP(d50_fused_float64, "fused", "float64", 50);
STEP(d50_fused_float32, "fused", "float32", 50);
BENCHMARK(BM_ReadBandwidth)->Arg(20)->Arg(80)->Arg(1024)->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(BM_AllocCounterSelfTest);

BENCHMARK_MAIN();
