// Internal machinery shared by svm.cpp and q_program.cpp: Newton and active-set solvers for the smooth
// concave duals of  min sum_i c F(x_i / c)  subject to linear constraints, where F* = H is a separable
// potential with H' = h (papers/moroshko_woodworth.md section 5).
//
//  - maximize_dual: unconstrained  max_nu  b^T nu - c sum_i H((M nu)_i),  M is d x k of full column rank,
//    primal x = c h(M nu) (d entries), gradient b - M^T x, Hessian -c M^T diag(h'(M nu)) M. Damped Newton
//    with Armijo backtracking (first trial step capped so that M nu moves by <= 20 for D = 2, <= 1 for
//    D > 2) that keeps M nu inside the numerical domain (|.| < 1 - 1e-14 for D > 2). Converged when
//    ||b - M^T x||_inf <= 1e-13 g (g = the magnitude of the terms forming the residual), or when every
//    residual entry is within 8x its propagated rounding floor and progress has stopped. Newton systems by
//    normal equations + Cholesky when well conditioned, else by QR (NewtonRoute below). Coordinates of x
//    whose evaluation c h(z) lost more than 3 digits are then re-solved from M^T x = b ("polish").
//    Otherwise ConvergenceError.
//  - max_margin_dual: max_{lambda >= 0}  1^T lambda - c sum_i H((Xt^T lambda)_i)  by a Lawson-Hanson active
//    set: add the most violated margin, solve the equality subproblem on the set exactly (maximize_dual),
//    interpolate back when a multiplier turns non-positive, exchange rows when the set becomes linearly
//    dependent. Finite in exact arithmetic (the objective increases strictly and no set repeats). A
//    dependency with a nonnegative certificate (lambda >= 0, Xt^T lambda = 0, 1^T lambda > 0) proves the
//    data non-separable -> NotSeparableError. The result is verified: lambda >= 0, margins >= 1 - 1e-10,
//    |margin - 1| <= 1e-10 wherever lambda > 0; otherwise ConvergenceError.
#pragma once
#include <cmath>

#include "depthbias/core/types.hpp"

namespace depthbias::refs::detail {

struct Potential {
    int D = 0;  // 0: quadratic H(z) = z^2/2 (h(z) = z); D >= 2: H_D of q_potential.hpp
    double h(double z) const;
    double hprime(double z) const;
    double H(double z) const;  // +inf outside the domain
    // D > 2: |z| < 1 - 1e-14. The last 1e-14 is excluded: there 1 - |z| has fewer than ~1.5 significant
    // digits, and since alpha^D H_D stays tiny up to the boundary the line search could otherwise land there.
    bool in_domain(double z) const { return D <= 2 || std::abs(z) < 1.0 - 1e-14; }
};

struct DualResult {
    Vec dual;    // nu (maximize_dual) or lambda (max_margin_dual)
    Vec primal;  // c h(M nu)  or  c h(Xt^T lambda)
    int iterations = 0;
    int normal_steps = 0, qr_steps = 0;  // maximize_dual: Newton directions by route (see NewtonRoute)
};

// How maximize_dual solves each Newton system (c M^T W M) delta = g:
//  Auto: normal equations (M^T W M by a symmetric rank-k update, Cholesky) when the Cholesky's reciprocal
//        condition estimate is >= 1e-8, else the QR of sqrt(c W) M (issue 10: the update costs half a QR and
//        runs at GEMM speed; 0.24 ms against 0.5 ms at d = 1000, k = 100).
//  QrOnly: always the QR (the only route before issue 10; used by the tests as the reference).
// Both stop on the same residual test, so they return the same solution to the convergence tolerance.
enum class NewtonRoute { Auto, QrOnly };

DualResult maximize_dual(const Mat& M, const Vec& b, double c, const Potential& pot, const Vec& nu0, const char* fn,
                         NewtonRoute route = NewtonRoute::Auto);

DualResult max_margin_dual(const Mat& Xt, double c, const Potential& pot, const char* fn);

}  // namespace depthbias::refs::detail
