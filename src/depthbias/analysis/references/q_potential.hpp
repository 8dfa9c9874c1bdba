// Scalar potentials of the implicit bias of depth-D diagonal linear networks
// (papers/moroshko_woodworth.md sections 1.2, 2.2, 5).
//
// Contract (all functions are double precision, elementwise, and throw std::invalid_argument naming the
// argument for D < 2 or a non-finite input):
//  - Model: beta = w_+^D - w_-^D, w_+(0) = w_-(0) = alpha (alpha > 0), gradient flow on ANY smooth loss
//    L(beta). With the mirror variable s(t) = -int_0^t grad_beta L(beta(tau)) dtau (d-vector) the flow is
//    exactly  beta(t) = alpha^D h_D(z(t)),  z = kappa_D(alpha) * s   (see flow_z_scale):
//        D = 2:  h_2(z) = 2 sinh z,                                         kappa_2 = 4,
//        D > 2:  h_D(z) = (1-z)^(-D/(D-2)) - (1+z)^(-D/(D-2)),  |z| < 1,    kappa_D = D (D-2) alpha^(D-2).
//    For L = (1/2)||X beta - y||^2, s = -X^T int r (r = X beta - y); for L = (1/2n)||.||^2 divide by n,
//    for the no-1/2 sum ||.||^2 multiply by 2.
//  - q_D(z) = int_0^z h_D^{-1}(t) dt, the potential whose gradient is h_D^{-1}; H_D = q_D^* (convex
//    conjugate), H_D' = h_D, H_D(0) = 0:
//        H_2(z) = 2 cosh z - 2,   H_D(z) = ((D-2)/2) [(1-z)^(-2/(D-2)) + (1+z)^(-2/(D-2)) - 2]  (|z| < 1).
//  - Scaling implemented: q_2 == q (the hypentropy of Theorem 1, q(z) = 2 - sqrt(4+z^2) + z asinh(z/2),
//    q(z) ~ z^2/4 at 0) with NO extra factor; the regularizer is Q^D_alpha(beta) = alpha^D sum_i
//    q_D(beta_i / alpha^D) (for D = 2: alpha^2 sum q(beta_i/alpha^2) = alpha^2 x the paper's Q_alpha, same
//    argmin). Asymptotics (D > 2): q_D(z) ~ ((D-2)/(4D)) z^2 at 0; q_D(z) = |z| - (D/2)|z|^(2/D) + O(1) as
//    |z| -> inf. D = 2: q(z) = |z| ln|z| - |z| + 2 - 1/|z| + O(|z|^-3).
//  - Accuracy: q, h_D, h_D', H_D are evaluated without cancellation (sinh/expm1 forms), ~1e-15 relative.
//    h_D^{-1} is a safeguarded Newton iteration (in u for small t, in log(1-u) for large t), so both u and
//    1-u are accurate to a few ulps (far better than the required 1e-14). q_D uses the exact Fenchel-Young
//    identity q_D(t) = t u - H_D(u), u = h_D^{-1}(t), and is ~1e-15 relative; q_D_quadrature evaluates the
//    defining integral by adaptive Gauss-Kronrod (in log t for |z| > 1) as an independent cross-check
//    (~1e-13 relative).
//  - Domain (D > 2): h_D, h_D' throw std::invalid_argument for |z| >= 1; H_D returns +inf there (it is the
//    conjugate's value); h_D^{-1}, q_D accept any finite t (h_D^{-1} returns +-1 exactly only when
//    1 - |u| < 2^-54, i.e. for |t| beyond ~1e16^(D/(D-2))).
#pragma once
#include "depthbias/core/types.hpp"

namespace depthbias::refs {

// q(z) = 2 - sqrt(4+z^2) + z asinh(z/2), stable for small and large |z| (no overflow up to ~1e300).
double q_hypentropy(double z);
// int_0^z asinh(u/2) du by adaptive Gauss-Kronrod quadrature (claim 1 cross-check).
double q_hypentropy_quadrature(double z);

double h_D(int D, double z);          // h_D(z) (odd, increasing)
double h_D_prime(int D, double z);    // h_D'(z) > 0 (even)
double h_D_inverse(int D, double t);  // h_D^{-1}(t): R -> R (D = 2) or (-1, 1) (D > 2)
double H_D(int D, double z);          // H_D(z) >= 0 (even, convex); +inf for |z| >= 1 when D > 2
double q_D(int D, double z);          // q_D(z) = int_0^z h_D^{-1}; q_D(2, z) == q_hypentropy(z)
double q_D_quadrature(int D, double z);

// kappa_D(alpha) in z = kappa * s (see above). Throws for D < 2 or alpha <= 0 / non-finite.
double flow_z_scale(int D, double alpha);

// Q^D_alpha(beta) = alpha^D sum_i q_D(beta_i / alpha^D). Throws for D < 2, alpha <= 0, non-finite.
double Q_alpha(const Vec& beta, int D, double alpha);

}  // namespace depthbias::refs
