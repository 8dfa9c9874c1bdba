// Decoupled toy gradient flow of one component (papers/gissin.md sections 1.3-1.5):
//
//     d sigma / dt = c * sigma^(2 - 2/N) * (sigma* - sigma),   sigma(0) = sigma0,  0 < sigma0 < sigma*.
//
// Contract (all functions, double precision):
//  - sigma, sigma*, sigma0 are in the units of the induced model (e.g. a singular value of W);
//    t is gradient-flow time, i.e. learning rate x number of GD steps.
//  - The loss behind the ODE is the isotropic l(sigma) = 1/2 (sigma - sigma*)^2 (note the 1/2).
//    Its depth-N parameterization fixes the rate constant c (see rate_constant()):
//      c = N^2 for the power form sigma = w^N, c = N for the balanced product sigma = w_1 ... w_N.
//    A Keras-style mse without the 1/2 doubles c. c only rescales time: t(c) = t(1) / c, so
//    ratios of learning times and all incremental-learning conditions are independent of c.
//  - N (depth) >= 1. N = 1 and N = 2 have closed forms (exponential / logistic). N >= 3 uses the
//    implicit form with u = (sigma/sigma*)^(1/N), p = (N-2)/N:
//      t(sigma) = N / (c sigma*^(1+p)) [ (u0^(2-N) - u^(2-N)) / (N-2) + int_{u0}^{u} v/(1-v^N) dv ],
//    with closed forms of the integral for N = 3, 4 and adaptive Gauss-Kronrod quadrature for N >= 5.
//    All differences are formed without cancellation (expm1/log1p of log-ratios), so learning times
//    keep ~1e-13 relative accuracy for sigma0 down to 1e-300 and for alpha*sigma* close to sigma0.
//  - Bad arguments throw std::invalid_argument whose message names the argument: N < 1,
//    sigma_star <= 0, sigma0 <= 0, sigma0 >= sigma_star, alpha outside (0,1), c <= 0, t < 0,
//    or any non-finite input.
#pragma once

namespace depthbias::theory {

// Time t >= 0 at which sigma(t) = alpha * sigma*. Returns 0 when alpha * sigma* <= sigma0.
// May return +inf when the time overflows a double (e.g. N large, sigma0 ~ 1e-300, sigma* huge).
double learning_time(int N, double sigma_star, double sigma0, double alpha, double c = 1.0);

// Same quantity, but for every N >= 3 the integral term is computed by adaptive Gauss-Kronrod
// quadrature (the path learning_time uses for N >= 5). For N = 1, 2 identical to learning_time.
// Exposed to cross-check the N = 3, 4 closed forms against the quadrature path.
double learning_time_quadrature(int N, double sigma_star, double sigma0, double alpha, double c = 1.0);

// sigma(t) for t >= 0 (t must be finite). Closed form for N = 1, 2. For N >= 3, learning_time is
// inverted by TOMS 748 in the logit variable s = ln(x/(1-x)), x = sigma/sigma*, to an absolute
// tolerance 1e-14 in s, i.e. ~1e-14 relative in both sigma and sigma* - sigma. When sigma is
// within half an ulp of sigma*, sigma* is returned.
double solution(int N, double sigma_star, double sigma0, double t, double c = 1.0);

// sigma0 -> 0 asymptotics of learning_time (gissin.md section 1.5):
//   N = 1: -ln(1-alpha) / c                         (error ~ sigma0/(c sigma*); not in the digest)
//   N = 2: [ln(sigma*/sigma0) + ln(alpha/(1-alpha))] / (c sigma*)       (error ~ sigma0/(c sigma*^2))
//   N >= 3: sigma0^(-p)/(p c sigma*) - alpha^(-p)/(p c sigma*^(1+p))
//           + N/(c sigma*^(1+p)) int_0^{alpha^(1/N)} v/(1-v^N) dv
//           (exceeds the exact time by N/(c sigma*^(1+p)) int_0^{u0} v/(1-v^N) dv ~ N u0^2 / (2 c sigma*^(1+p))).
// Same argument checks as learning_time (sigma0 < sigma* is still required).
double learning_time_asymptotic(int N, double sigma_star, double sigma0, double alpha, double c = 1.0);

// Parameterization of the scalar model whose gradient flow on l = 1/2 (sigma - sigma*)^2 gives the ODE.
enum class ToyForm {
    Power,    // sigma = w^N, w(0) = sigma0^(1/N):            c_N = N^2
    Product,  // sigma = w_1 ... w_N, balanced w_k(0) = sigma0^(1/N): c_N = N
};

// c_N for the given form (throws for N < 1). Multiply by 2 for a mean-squared loss without the 1/2.
double rate_constant(ToyForm form, int N);

}  // namespace depthbias::theory
