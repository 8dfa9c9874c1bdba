// Row-wise quadratic forms q_i = x_i^T M x_i of the n rows x_i of a column-major n x d matrix X, for a d x d
// column-major M (not necessarily symmetric), for the quadratic-sensing task (tasks/quadratic_sensing.cpp): its
// residuals at every GD step (n = m) and its test error at every record (n = test_samples).
//   fold(m, d, t):                     t = upper triangle of M + M^T with the diagonal of M (t_kj = m_kj + m_jk
//                                      for k < j, t_jj = m_jj, t_kj = 0 for k > j); d x d column-major scratch
//   quadratic_forms(x, n, d, t, out):  out[i] = sum_j x_ij * (sum_{k <= j} x_ik t_kj)      (all double)
// x^T M x = x^T T x exactly, at (d^2 + d) / 2 multiply-adds per row instead of d^2.
// Order of operations, fixed: for each row and each j, u_j is one FMA chain over k = 0..j starting from
// x_i0 t_0j; q is one FMA chain over j = 0..d-1 (q = fma(u_j, x_ij, q)). Every row gets the same chains whichever
// block computes it (with FMA hardware, as in the default -march=native build, fused; without it a rounded multiply
// and an add, in the packets and the scalar loop alike: detail::madd), so the result does not depend on n or on the
// row's position.
// Vectorized over rows with Eigen's widest double packet for the build flags (8 rows per AVX-512 register): two
// packets of rows and four columns of T at a time, eight independent FMA chains sharing each broadcast of t_kj;
// the chains of a group of four columns run k = 0..j+3 (the zeros below the diagonal add exact zeros). The
// last rows (n not a multiple of 2 packets) are one more block that ends at row n and overlaps the previous
// one (same values, recomputed); only n < 2 packets takes the scalar loop.
// Replaces (X * M).cwiseProduct(X).rowwise().sum() (a GEMM that packs X at every call; about 3x slower at fig1b's
// d = 20); the two agree to rounding, not bit for bit: tests/test_quadratic_form_kernel.cpp.
//   weighted_gram(x, n, d, r, scale, g): g = scale * X^T diag(r) X (below)
// Pure functions, no allocation, thread safe.
#pragma once
#include <Eigen/Core>
#include <cmath>

#include "depthbias/core/types.hpp"

namespace depthbias::quadratic_form_kernel {

inline void fold(const double* m, Index d, double* t) {
    for (Index j = 0; j < d; ++j)
        for (Index k = 0; k < d; ++k)
            t[j * d + k] = k < j ? m[j * d + k] + m[k * d + j] : k == j ? m[j * d + j] : 0.0;
}

namespace detail {
using P = Eigen::internal::packet_traits<double>::type;
inline constexpr Index kLanes = Eigen::internal::packet_traits<double>::size;

// The scalar loops' multiply-add, rounded as the packets' pmadd is for these build flags: one fused operation with
// FMA hardware, a rounded multiply then an add without (Eigen's pmadd there), so rows computed by the scalar loop
// equal those computed in packets bit for bit on any build.
inline double madd(double a, double b, double c) {
#ifdef EIGEN_VECTORIZE_FMA
    return std::fma(a, b, c);
#else
    const double ab = a * b;
    return ab + c;
#endif
}

// out[0..2*kLanes) for the 2 * kLanes rows starting at x (column stride n).
inline void two_packets(const double* x, Index n, Index d, const double* t, double* out) {
    using namespace Eigen::internal;
    P q0 = pset1<P>(0.0), q1 = pset1<P>(0.0);
    Index j = 0;
    for (; j + 4 <= d; j += 4) {
        const double* t0 = t + j * d;
        P u00 = pset1<P>(0.0), u01 = u00, u02 = u00, u03 = u00, u10 = u00, u11 = u00, u12 = u00, u13 = u00;
        for (Index k = 0; k < j + 4; ++k) {
            const P a0 = ploadu<P>(x + k * n), a1 = ploadu<P>(x + k * n + kLanes);
            const P b0 = pset1<P>(t0[k]), b1 = pset1<P>(t0[d + k]), b2 = pset1<P>(t0[2 * d + k]),
                    b3 = pset1<P>(t0[3 * d + k]);
            u00 = pmadd(a0, b0, u00); u01 = pmadd(a0, b1, u01); u02 = pmadd(a0, b2, u02); u03 = pmadd(a0, b3, u03);
            u10 = pmadd(a1, b0, u10); u11 = pmadd(a1, b1, u11); u12 = pmadd(a1, b2, u12); u13 = pmadd(a1, b3, u13);
        }
        const double* xj = x + j * n;
        q0 = pmadd(u00, ploadu<P>(xj), q0);
        q0 = pmadd(u01, ploadu<P>(xj + n), q0);
        q0 = pmadd(u02, ploadu<P>(xj + 2 * n), q0);
        q0 = pmadd(u03, ploadu<P>(xj + 3 * n), q0);
        q1 = pmadd(u10, ploadu<P>(xj + kLanes), q1);
        q1 = pmadd(u11, ploadu<P>(xj + n + kLanes), q1);
        q1 = pmadd(u12, ploadu<P>(xj + 2 * n + kLanes), q1);
        q1 = pmadd(u13, ploadu<P>(xj + 3 * n + kLanes), q1);
    }
    for (; j < d; ++j) {
        const double* tj = t + j * d;
        P u0 = pset1<P>(0.0), u1 = u0;
        for (Index k = 0; k <= j; ++k) {
            const P b = pset1<P>(tj[k]);
            u0 = pmadd(ploadu<P>(x + k * n), b, u0);
            u1 = pmadd(ploadu<P>(x + k * n + kLanes), b, u1);
        }
        q0 = pmadd(u0, ploadu<P>(x + j * n), q0);
        q1 = pmadd(u1, ploadu<P>(x + j * n + kLanes), q1);
    }
    pstoreu(out, q0);
    pstoreu(out + kLanes, q1);
}
}  // namespace detail

inline void quadratic_forms(const double* x, Index n, Index d, const double* t, double* out) {
    constexpr Index B = 2 * detail::kLanes;
    if (n >= B) {
        Index i = 0;
        for (; i + B <= n; i += B) detail::two_packets(x + i, n, d, t, out + i);
        if (i < n) detail::two_packets(x + (n - B), n, d, t, out + (n - B));
        return;
    }
    for (Index i = 0; i < n; ++i) {  // fewer rows than one block: the same chains, one row at a time
        double q = 0;
        for (Index j = 0; j < d; ++j) {
            double u = 0;
            for (Index k = 0; k <= j; ++k) u = detail::madd(x[k * n + i], t[j * d + k], u);
            q = detail::madd(u, x[j * n + i], q);
        }
        out[i] = q;
    }
}

// g = scale * sum_i r_i x_i x_i^T (d x d, column-major, exactly symmetric): the quadratic-sensing gradient
// X^T diag(r) X. Entry (a, b), a <= b, is scale * s_ab with s_ab the packet sum over rows of fma(x_ia, r_i x_ib),
// reduced by Eigen's predux; rows in packets of the build's width, the last n mod width rows as one more packet
// ending at row n whose rows already counted get weight 0 (adds exact zeros). n below one packet: scalar chains.
inline void weighted_gram(const double* x, Index n, Index d, const double* r, double scale, double* g) {
    using namespace Eigen::internal;
    using detail::P;
    constexpr Index L = detail::kLanes;
    if (n < L) {
        for (Index b = 0; b < d; ++b)
            for (Index a = 0; a <= b; ++a) {
                double s = 0;
                for (Index i = 0; i < n; ++i) s = detail::madd(x[a * n + i], r[i] * x[b * n + i], s);
                g[b * d + a] = g[a * d + b] = scale * s;
            }
        return;
    }
    const Index full = n / L, last = n - L;  // packets [0, full) and, when n % L, one more at row `last`
    const bool tail = full * L < n;
    alignas(64) double rt[L];
    for (Index l = 0; l < L; ++l) rt[l] = last + l >= full * L ? r[last + l] : 0.0;
    const P rtail = ploadu<P>(rt);
    for (Index b = 0; b < d; ++b) {
        const double* xb = x + b * n;
        Index a = 0;
        for (; a + 4 <= b + 1; a += 4) {
            const double *x0 = x + a * n, *x1 = x0 + n, *x2 = x1 + n, *x3 = x2 + n;
            P s0 = pset1<P>(0.0), s1 = s0, s2 = s0, s3 = s0;
            for (Index p = 0; p < full * L; p += L) {
                const P w = pmul(ploadu<P>(r + p), ploadu<P>(xb + p));
                s0 = pmadd(ploadu<P>(x0 + p), w, s0);
                s1 = pmadd(ploadu<P>(x1 + p), w, s1);
                s2 = pmadd(ploadu<P>(x2 + p), w, s2);
                s3 = pmadd(ploadu<P>(x3 + p), w, s3);
            }
            if (tail) {
                const P w = pmul(rtail, ploadu<P>(xb + last));
                s0 = pmadd(ploadu<P>(x0 + last), w, s0);
                s1 = pmadd(ploadu<P>(x1 + last), w, s1);
                s2 = pmadd(ploadu<P>(x2 + last), w, s2);
                s3 = pmadd(ploadu<P>(x3 + last), w, s3);
            }
            const double v[4] = {predux(s0), predux(s1), predux(s2), predux(s3)};
            for (Index j = 0; j < 4; ++j) g[b * d + a + j] = g[(a + j) * d + b] = scale * v[j];
        }
        for (; a <= b; ++a) {  // the same chain for one column
            const double* x0 = x + a * n;
            P s0 = pset1<P>(0.0);
            for (Index p = 0; p < full * L; p += L)
                s0 = pmadd(ploadu<P>(x0 + p), pmul(ploadu<P>(r + p), ploadu<P>(xb + p)), s0);
            if (tail) s0 = pmadd(ploadu<P>(x0 + last), pmul(rtail, ploadu<P>(xb + last)), s0);
            g[b * d + a] = g[a * d + b] = scale * predux(s0);
        }
    }
}

}  // namespace depthbias::quadratic_form_kernel
