// PROPOSAL, not the engine: a Gaussian-sensing Task with a faster one-pass ("fused") kernel, kept in bench/ to
// measure what a kernel change in src/depthbias/tasks/gaussian_sensing.cpp would give. Same data (same Rng
// stream and draw order as make_gaussian_sensing), same layout (m x d^2 row-major), same loss and gradient
// L = (1/m) sum (<A_i, W> - y_i)^2, float64 accumulation.
//
// Kernel, per block of 8 rows (8 x d^2 elements: 640 KB in float64 at d = 100, inside the 1 MB L2):
//   pass 1 (from memory): the 8 dot products <A_i, w> at once, one load of w per 8 rows, 8 independent
//            FMA chains; float32 rows are widened to float64 in registers (vcvtps2pd), never in memory;
//   pass 2 (from L2):     g += sum_k (2 r_k / m) A_k, 8 rows per load/store of g.
// AVX-512 intrinsics with a scalar fallback (a real patch would use Eigen packets or also cover AVX2).
// (A software-pipelined variant, the dots of block b+1 in the same sweep as the gradient of block b, was
//  tried and was slower here: 5.4 vs 3.2 ms per d = 100 float64 step.)
// The engine's fused kernel does blocks of 4 with Eigen expressions: for float32 storage, Eigen 3.4 does
// not vectorize cast<double>() of a float row, so that path runs scalar (slower than float64).
#pragma once
#include <immintrin.h>

#include <memory>
#include <vector>

#include "depthbias/core/rng.hpp"
#include "depthbias/tasks/gaussian_sensing.hpp"
#include "depthbias/tasks/planted_target.hpp"

namespace depthbias::proto {

template <class S>
struct Lanes;
#if defined(__AVX512F__)
template <>
struct Lanes<double> {
    static __m512d load(const double* p) { return _mm512_loadu_pd(p); }
};
template <>
struct Lanes<float> {
    static __m512d load(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }
};
#endif

template <class S>
class FusedSensing final : public Task {
public:
    FusedSensing(const GaussianSensingSpec& spec, std::uint64_t seed) : d_(spec.d), m_(spec.measurements) {
        Rng rng = Rng::stream(seed, kStreamTask);
        const Index n = d_ * d_;
        a_.resize(size_t(m_ * n));
        for (Index i = 0; i < m_; ++i)
            for (Index k = 0; k < n; ++k) a_[size_t(i * n + k)] = static_cast<S>(rng.normal());
        target_ = planted_target(d_, spec.target_singular_values, spec.target_basis, rng);
        y_.resize(m_);
        for (Index i = 0; i < m_; ++i) {
            double s = 0;
            for (Index k = 0; k < n; ++k) s += double(a_[size_t(i * n + k)]) * target_.data()[k];
            y_(i) = s;
        }
    }
    std::string name() const override { return "proto_fused_sensing"; }
    Index rows() const override { return d_; }
    Index cols() const override { return d_; }
    const Mat& target() const override { return target_; }
    double loss(const Predictor& p) const override {
        Predictor g{Mat(d_, d_), 0.0};
        return const_cast<FusedSensing*>(this)->loss_and_gradient(p, g);
    }

    double loss_and_gradient(const Predictor& p, Predictor& g) const override {
        const Index n = d_ * d_;
        const double* w = p.beta.data();
        double* gw = g.beta.data();
        for (Index k = 0; k < n; ++k) gw[k] = 0.0;
        const double scale = 2.0 / double(m_);
        double loss = 0, goff = 0;
        constexpr Index B = 8;
        Index i = 0;
        for (; i + B <= m_; i += B) {
            const S* rows = a_.data() + size_t(i * n);
            double r[B];
            dots8(rows, n, w, r);  // pass 1: from memory
            for (Index k = 0; k < B; ++k) {
                r[k] += p.offset - y_(i + k);
                loss += r[k] * r[k];
                goff += r[k];
                r[k] *= scale;
            }
            axpy8(rows, n, r, gw);  // pass 2: the same 8 rows, from L2
        }
        for (; i < m_; ++i) {  // tail rows
            const S* row = a_.data() + size_t(i * n);
            double s = 0;
            for (Index k = 0; k < n; ++k) s += double(row[k]) * w[k];
            const double r = s + p.offset - y_(i);
            loss += r * r;
            goff += r;
            for (Index k = 0; k < n; ++k) gw[k] += scale * r * double(row[k]);
        }
        g.offset = scale * goff;
        return loss / double(m_);
    }

private:
    static void dots8(const S* rows, Index n, const double* w, double* out) {
        Index k = 0;
#if defined(__AVX512F__)
        __m512d acc[8];
        for (auto& a : acc) a = _mm512_setzero_pd();
        for (; k + 8 <= n; k += 8) {
            const __m512d wk = _mm512_loadu_pd(w + k);
            for (int b = 0; b < 8; ++b) acc[b] = _mm512_fmadd_pd(Lanes<S>::load(rows + b * n + k), wk, acc[b]);
        }
        for (int b = 0; b < 8; ++b) out[b] = _mm512_reduce_add_pd(acc[b]);
#else
        for (int b = 0; b < 8; ++b) out[b] = 0;
#endif
        for (; k < n; ++k)
            for (int b = 0; b < 8; ++b) out[b] += double(rows[b * n + k]) * w[k];
    }
    static void axpy8(const S* rows, Index n, const double* r, double* g) {
        Index k = 0;
#if defined(__AVX512F__)
        __m512d rv[8];
        for (int b = 0; b < 8; ++b) rv[b] = _mm512_set1_pd(r[b]);
        for (; k + 8 <= n; k += 8) {
            __m512d s0 = _mm512_mul_pd(rv[0], Lanes<S>::load(rows + k));
            __m512d s1 = _mm512_mul_pd(rv[1], Lanes<S>::load(rows + n + k));
            s0 = _mm512_fmadd_pd(rv[2], Lanes<S>::load(rows + 2 * n + k), s0);
            s1 = _mm512_fmadd_pd(rv[3], Lanes<S>::load(rows + 3 * n + k), s1);
            s0 = _mm512_fmadd_pd(rv[4], Lanes<S>::load(rows + 4 * n + k), s0);
            s1 = _mm512_fmadd_pd(rv[5], Lanes<S>::load(rows + 5 * n + k), s1);
            s0 = _mm512_fmadd_pd(rv[6], Lanes<S>::load(rows + 6 * n + k), s0);
            s1 = _mm512_fmadd_pd(rv[7], Lanes<S>::load(rows + 7 * n + k), s1);
            _mm512_storeu_pd(g + k, _mm512_add_pd(_mm512_loadu_pd(g + k), _mm512_add_pd(s0, s1)));
        }
#endif
        for (; k < n; ++k)
            for (int b = 0; b < 8; ++b) g[k] += r[b] * double(rows[b * n + k]);
    }

    Index d_, m_;
    std::vector<S> a_;
    Vec y_;
    Mat target_;
};

inline std::unique_ptr<Task> make_fused_sensing(const GaussianSensingSpec& spec, std::uint64_t seed) {
    if (spec.storage == "float32") return std::make_unique<FusedSensing<float>>(spec, seed);
    return std::make_unique<FusedSensing<double>>(spec, seed);
}

}  // namespace depthbias::proto
