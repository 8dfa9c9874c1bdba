// Mirror descent / mirror flow (mirror_flow.md 1, 6) for any model whose parameters are a vector, with a separable
// potential Phi(theta) = sum_k (1/s) phi(s theta_k) (s = dynamics.potential_scale; s = 1: unscaled):
//   grad Phi(theta)_k = phi'(s theta_k),  (grad Phi)^-1(z)_k = (phi')^-1(z_k) / s,  Hessian s phi''(s theta_k).
// Descent: z <- z - lr grad L(theta), theta = (grad Phi)^-1(z) (z = grad Phi(theta0) at the start; the dual
// variable is kept, so theta is never mapped back and forth; coordinates whose gradient is exactly 0, e.g. a frozen
// input layer, are not mapped at all and keep their values). Flow (dynamics.mirror_flow = true): dz/dt =
// -grad L(theta(z)) through the adaptive Dormand-Prince integrator of dynamics/gradient_flow.hpp.
// Potentials (registered, analysis/references/mirror_potential.hpp): quadratic x^2/2 (plain GD), hypentropy with scale beta
// (dynamics.potential_beta; x asinh(x/beta) - sqrt(x^2 + beta^2), inverse beta sinh z), quartic x^4 + x^2
// (inverse by safeguarded Newton), cubic |x|^3 + x^2 (closed-form inverse). A potential whose inverse map
// cannot be evaluated (hypentropy's sinh beyond double range) makes theta non-finite: the run is diverged.
// Time: descent iterate k at t = k lr. Allocation-free steps (the dual variable is a member). Descent is resumable
// (checkpoint state: loop position and the dual variable z, exactly); the flow is not.
#pragma once
#include "depthbias/analysis/references/mirror_potential.hpp"
