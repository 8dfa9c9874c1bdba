// The inner loops of the fused Gaussian-sensing step (tasks/gaussian_sensing.cpp), on a block of 8 rows of the
// row-major m x n measurement matrix (n = d^2), stored as S = double or float; all arithmetic in double.
//   dots8(rows, n, w, out):  out[b] = <rows[b], w>                    (8 independent FMA chains, one load of w
//                                                                       per 8 rows)
//   axpy8(rows, n, r, g):    g += sum_b r[b] rows[b]                  (one load/store of g per 8 rows)
// float rows are widened to double in registers (vcvtps2pd), never in memory: float32 storage reads half the bytes
// at the same accumulation precision. Paths: AVX-512F, AVX2+FMA, and a plain loop (any other target). Which one
// is compiled is fixed by the build flags (DEPTHBIAS_NATIVE -> -march=native); kernel_isa() names it.
// Measured (bench/bench_sensing_step.cpp, d = 50 and 100, depth 4): see docs/BENCHMARKS.md, P1/P2.
#pragma once
#include <cstddef>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

#include "depthbias/core/types.hpp"

namespace depthbias::sensing_kernel {

inline constexpr Index kBlock = 8;

inline const char* kernel_isa() {
#if defined(__AVX512F__)
    return "avx512";
#elif defined(__AVX2__) && defined(__FMA__)
    return "avx2";
#else
    return "scalar";
#endif
}

namespace detail {
#if defined(__AVX512F__)
using Packet = __m512d;
inline constexpr Index kLanes = 8;
inline Packet load(const double* p) { return _mm512_loadu_pd(p); }
inline Packet load(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }
inline Packet zero() { return _mm512_setzero_pd(); }
inline Packet broadcast(double x) { return _mm512_set1_pd(x); }
inline Packet fmadd(Packet a, Packet b, Packet c) { return _mm512_fmadd_pd(a, b, c); }
inline Packet mul(Packet a, Packet b) { return _mm512_mul_pd(a, b); }
inline Packet add(Packet a, Packet b) { return _mm512_add_pd(a, b); }
inline void store(double* p, Packet a) { _mm512_storeu_pd(p, a); }
inline double sum(Packet a) {  // (not _mm512_reduce_add_pd: GCC 12 -Wuninitialized false positive inside it)
    alignas(64) double t[8];
    _mm512_store_pd(t, a);
    return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
}
#define DEPTHBIAS_SENSING_SIMD 1
#elif defined(__AVX2__) && defined(__FMA__)
using Packet = __m256d;
inline constexpr Index kLanes = 4;
inline Packet load(const double* p) { return _mm256_loadu_pd(p); }
inline Packet load(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
inline Packet zero() { return _mm256_setzero_pd(); }
inline Packet broadcast(double x) { return _mm256_set1_pd(x); }
inline Packet fmadd(Packet a, Packet b, Packet c) { return _mm256_fmadd_pd(a, b, c); }
inline Packet mul(Packet a, Packet b) { return _mm256_mul_pd(a, b); }
inline Packet add(Packet a, Packet b) { return _mm256_add_pd(a, b); }
inline void store(double* p, Packet a) { _mm256_storeu_pd(p, a); }
inline double sum(Packet a) {
    const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}
#define DEPTHBIAS_SENSING_SIMD 1
#endif
}  // namespace detail

template <class S>
void dots8(const S* rows, Index n, const double* w, double* out) {
    Index k = 0;
#ifdef DEPTHBIAS_SENSING_SIMD
    using namespace detail;
    Packet acc[kBlock];
    for (auto& a : acc) a = zero();
    for (; k + kLanes <= n; k += kLanes) {
        const Packet wk = load(w + k);
        for (Index b = 0; b < kBlock; ++b) acc[b] = fmadd(load(rows + b * n + k), wk, acc[b]);
    }
    for (Index b = 0; b < kBlock; ++b) out[b] = sum(acc[b]);
#else
    for (Index b = 0; b < kBlock; ++b) out[b] = 0;
#endif
    for (; k < n; ++k)
        for (Index b = 0; b < kBlock; ++b) out[b] += double(rows[b * n + k]) * w[k];
}

template <class S>
void axpy8(const S* rows, Index n, const double* r, double* g) {
    Index k = 0;
#ifdef DEPTHBIAS_SENSING_SIMD
    using namespace detail;
    Packet rv[kBlock];
    for (Index b = 0; b < kBlock; ++b) rv[b] = broadcast(r[b]);
    for (; k + kLanes <= n; k += kLanes) {
        // two partial sums: shorter dependency chains than one
        Packet s0 = mul(rv[0], load(rows + k));
        Packet s1 = mul(rv[1], load(rows + n + k));
        s0 = fmadd(rv[2], load(rows + 2 * n + k), s0);
        s1 = fmadd(rv[3], load(rows + 3 * n + k), s1);
        s0 = fmadd(rv[4], load(rows + 4 * n + k), s0);
        s1 = fmadd(rv[5], load(rows + 5 * n + k), s1);
        s0 = fmadd(rv[6], load(rows + 6 * n + k), s0);
        s1 = fmadd(rv[7], load(rows + 7 * n + k), s1);
        store(g + k, add(load(g + k), add(s0, s1)));
    }
#endif
    for (; k < n; ++k) {
        double s = 0;
        for (Index b = 0; b < kBlock; ++b) s += r[b] * double(rows[b * n + k]);
        g[k] += s;
    }
}

#undef DEPTHBIAS_SENSING_SIMD

}  // namespace depthbias::sensing_kernel
