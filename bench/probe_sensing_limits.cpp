// The machine limits of the fig1a sensing step (issue 10, "fig1a bandwidth floor"): at d = 50 the float32 A
// (1000 x 2500, 10 MB) sits in the last-level cache and the fused kernel (tasks/sensing_kernel.hpp) makes two
// passes over it, each widening every float32 to float64 (vcvtps2pd) for float64 accumulation:
//   pass 1  dots8 over all rows (read from the LLC)             -> measured alone here
//   pass 2  axpy8 over the 8 rows just read (from L2)          -> fused step minus pass 1
// and three throughputs from L1 (no memory effect): widen + FMA (float32 in), FMA alone (float64 in), and the
// FMA peak. The widening is the compute limit: 2 m n elements per step / (widen + FMA rate) is a floor for any
// kernel that widens each element in both passes, next to the read floor m n * 4 bytes / (LLC read rate).
// Build and run (x86-64 with AVX-512 or AVX2+FMA; not part of the CMake build):
//   g++ -O3 -march=native -std=c++20 -Isrc -I/usr/include/eigen3 bench/probe_sensing_limits.cpp -o /tmp/probe
//   nice -n 10 /tmp/probe
// Timings are the best of many short repetitions (robust to a loaded machine); one thread.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "depthbias/tasks/sensing_kernel.hpp"

using depthbias::Index;
namespace sk = depthbias::sensing_kernel;

namespace {

double best_seconds(int reps, const std::function<double()>& f, double& sink) {
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        sink += f();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

// sum of x[k] * 0.5 over `sweeps` passes of x[0..len), in 8 independent chains of the kernel's packets.
template <class S>
double chains(const S* x, Index len, Index sweeps) {
    using namespace sk::detail;
    constexpr Index L = kLanes;
    Packet acc[8];
    for (auto& p : acc) p = zero();
    const Packet h = broadcast(0.5);
    for (Index q = 0; q < sweeps; ++q)
        for (Index k = 0; k + 8 * L <= len; k += 8 * L)
            for (Index b = 0; b < 8; ++b) acc[b] = fmadd(load(x + k + b * L), h, acc[b]);
    double s = 0;
    for (auto& p : acc) s += sum(p);
    return s;
}

}  // namespace

int main() {
    const Index m = 1000, n = 2500;
    std::vector<float> a(static_cast<size_t>(m * n));
    std::vector<double> w(static_cast<size_t>(n)), g(static_cast<size_t>(n)), y(static_cast<size_t>(m));
    std::mt19937_64 rng(1);
    std::normal_distribution<double> normal;
    for (auto& v : a) v = float(normal(rng));
    for (auto& v : w) v = 0.01 * normal(rng);
    for (auto& v : y) v = normal(rng);
    double sink = 0;

    const double t_step = best_seconds(300, [&] {
        std::fill(g.begin(), g.end(), 0.0);
        double loss = 0;
        for (Index i = 0; i + sk::kBlock <= m; i += sk::kBlock) {
            const float* rows = a.data() + i * n;
            double r[sk::kBlock];
            sk::dots8(rows, n, w.data(), r);
            for (Index k = 0; k < sk::kBlock; ++k) {
                r[k] -= y[size_t(i + k)];
                loss += r[k] * r[k];
                r[k] *= 2.0 / double(m);
            }
            sk::axpy8(rows, n, r, g.data());
        }
        return loss + g[0];
    }, sink);
    const double t_pass1 = best_seconds(300, [&] {
        double s = 0;
        for (Index i = 0; i + sk::kBlock <= m; i += sk::kBlock) {
            double r[sk::kBlock];
            sk::dots8(a.data() + i * n, n, w.data(), r);
            s += r[0];
        }
        return s;
    }, sink);

    // L1-resident throughputs over a 16 KB float32 / 32 KB float64 buffer, 8 independent FMA chains as in dots8:
    // widen + FMA against FMA alone (the same loop on float64 input).
    // (64-byte aligned: a misaligned 64-byte load costs two.)
    constexpr Index len = 4096, sweeps = 16;
    alignas(64) static float bf[len];
    alignas(64) static double bd[len];
    for (Index k = 0; k < len; ++k) bd[k] = bf[k] = a[size_t(k)];
    const double t_widen = best_seconds(3000, [&] { return chains(bf, len, sweeps); }, sink);
    const double t_f64 = best_seconds(3000, [&] { return chains(bd, len, sweeps); }, sink);
    const double elems = double(len * sweeps);

    const double mn = double(m) * double(n);
    std::printf("# probe_sensing_limits: m = %ld, n = %ld (fig1a d = 50), float32 A %.1f MB, kernel %s\n", long(m),
                long(n), mn * 4 / 1e6, sk::kernel_isa());
    std::printf("fused step (dots8 + axpy8):            %7.1f us\n", t_step * 1e6);
    std::printf("  pass 1 (dots8 alone, A from the LLC):  %7.1f us  = %.1f GB/s of float32\n", t_pass1 * 1e6,
                mn * 4 / t_pass1 / 1e9);
    std::printf("  pass 2 (step - pass 1, rows from L2):  %7.1f us\n", (t_step - t_pass1) * 1e6);
    std::printf("widen + FMA from L1 (float32 in):       %7.2f elements/ns\n", elems / t_widen / 1e9);
    std::printf("FMA from L1 (float64 in, no widening):  %7.2f elements/ns\n", elems / t_f64 / 1e9);
    std::printf("widening floor of two passes (2 m n / widen rate): %.1f us per step\n",
                2 * mn / (elems / t_widen) * 1e6);
    std::printf("read floor of one pass at pass 1's rate:          %.1f us per step\n", t_pass1 * 1e6);
    std::printf("# (checksum %g)\n", sink);
    return 0;
}
