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
// passes); GB/s = bytes read / time. Sizes: 80 MB (= A in float64), 1024 MB (larger than any cache).
//
// Run: build/bench_sensing_step [--benchmark_repetitions=5 --benchmark_enable_random_interleaving=true]
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

// ---- allocation counter: interpose glibc's allocator entry points (forwarding to the __libc_ versions) ----
namespace {
std::atomic<long> g_allocs{0};
}
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void* malloc(size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_malloc(n);
}
void* calloc(size_t k, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_calloc(k, n);
}
void* realloc(void* p, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_realloc(p, n);
}
void* memalign(size_t a, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(a, n);
}
void* aligned_alloc(size_t a, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(a, n);
}
int posix_memalign(void** p, size_t a, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;  // ENOMEM
}
}

namespace {
using namespace depthbias;

constexpr Index kD = 100;
constexpr Index kM = 1000;
constexpr int kDepth = 4;
constexpr double kLr = 1e-3;
constexpr double kInit = 1e-4;

struct Setup {
    std::unique_ptr<Task> task;
    std::unique_ptr<DeepMatrixProduct> model;
    Vec theta0;
};

// One task per (storage, kernel), built once (drawing 10^7 normals takes a while) and kept for all repetitions.
Setup& setup(const std::string& storage, const std::string& kernel) {
    static std::map<std::string, Setup> cache;
    auto it = cache.find(storage + "/" + kernel);
    if (it != cache.end()) return it->second;
    GaussianSensingSpec spec;
    spec.d = kD;
    spec.measurements = kM;
    spec.storage = storage;
    spec.kernel = kernel;
    spec.test_samples = 0;
    Setup s;
    s.task = make_gaussian_sensing(spec, 0);
    s.model = std::make_unique<DeepMatrixProduct>(kD, kDepth, MatrixInit::Gaussian, kInit);
    Rng rng = Rng::stream(0, kStreamInit);
    s.theta0 = s.model->initialize(rng, *s.task);
    return cache.emplace(storage + "/" + kernel, std::move(s)).first->second;
}

void BM_SensingStep(benchmark::State& state, const std::string& kernel, const std::string& storage) {
    Setup& s = setup(storage, kernel);
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
    const double bytes = double(kM) * double(kD * kD) * elem * (kernel == "two_pass" ? 2.0 : 1.0);
    state.counters["bytes_per_step"] = bytes;
    state.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["allocs_per_step"] = double(allocs) / double(state.iterations());
    state.counters["loss_end"] = loss;
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

BENCHMARK_CAPTURE(BM_SensingStep, fused_float64, std::string("fused"), std::string("float64"))
    ->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK_CAPTURE(BM_SensingStep, two_pass_float64, std::string("two_pass"), std::string("float64"))
    ->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK_CAPTURE(BM_SensingStep, fused_float32, std::string("fused"), std::string("float32"))
    ->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK_CAPTURE(BM_SensingStep, two_pass_float32, std::string("two_pass"), std::string("float32"))
    ->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(BM_ReadBandwidth)->Arg(80)->Arg(1024)->Unit(benchmark::kMillisecond)->MinTime(0.5);

BENCHMARK_MAIN();
