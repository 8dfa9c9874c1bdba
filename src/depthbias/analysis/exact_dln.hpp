// Exact solutions of deep linear network gradient flows (papers/exact_dln.md), in its section 1 conventions:
// whitened regression E(W) = 1/2 ||W - Sigma||_F^2 (Sigma = n_o x n_i, = U S V^T), gradient-flow time t
// (GD iterate k at t = k eta). Sources convert at the boundary: Saxe's sum loss without 1/2 and the Arora mean loss
// without 1/2 run twice as fast in their own time (exact_dln.md 1.2).
//
//  - Saxe modes (section 2): an aligned (decoupled), balanced init W_l(0) = R_{l+1} D_l R_l^T keeps each mode
//    alone; its product u = prod a_i obeys u' = N_w u^{2-2/N_w} (s - u) (N_w = number of weight matrices). This is
//    the toy ODE of toy_theory.hpp with c = N_w; saxe_mode() evaluates it there. N_w = 2 is the sigmoid
//    u = s e^{2st} / (e^{2st} - 1 + s/u0). The infinite-depth learning time is eq. 17 (saxe_infinite_depth_time).
//  - lambda-balanced two-layer networks (section 3): W_2^T W_2 - W_1 W_1^T = lambda I (any n_i, n_h, n_o). The stack
//    Q = [W_1^T; W_2] obeys Q' = F Q - 1/2 Q Q^T Q, F = [[-lambda/2 I, Sigma^T], [Sigma, lambda/2 I]], solved exactly
//    by the stable factor stepping of section 3.3: h with mu_max h <= 2, E = e^{Fh}, M = int_0^h e^{2Fs} ds
//    (expm1 per eigenvalue, h at mu = 0), L L^T = I + Q^T M Q (Cholesky), Q <- E Q L^{-T}. P = Q Q^T holds
//    W_1^T W_1 (top left), W_2 W_1 (bottom left), W_2 W_2^T (bottom right); Q itself is determined up to a right
//    rotation. The constructor of section 3.1 builds lambda-balanced layers from a product.
//  - Kunin et al.'s single neuron (section 4.2): f(x) = a w^T x, whitened, beta* = X^T y; the pole-free v-form,
//    rescaled by e^{-k1 t} so that no exponential overflows at long times. delta = a^2 - ||w||^2 is conserved.
// Errors: std::invalid_argument naming the argument (the CLI maps it to the option). Pure functions.
#pragma once
#include <vector>

#include "depthbias/core/types.hpp"
#include "depthbias/models/layer_constructions.hpp"

namespace depthbias::exact {

// ---- Saxe et al. 2014 ----
// u(t) of one aligned balanced mode with target s > 0, u(0) = u0 in (0, s), depth n_w >= 1 weight matrices.
double saxe_mode(int n_w, double s, double u0, double t);
// Saxe eq. 17: the infinite-depth learning time N t from u0 to uf (both in (0, s)), i.e. lim_{N -> inf} N t_N.
double saxe_infinite_depth_time(double s, double u0, double uf);

// ---- Dominé et al. 2025 (lambda-balanced) ----
// The constructor (lambda_balanced_layers, balance_of): models/layer_constructions.hpp.
using depthbias::LambdaBalancedLayers;
using depthbias::lambda_balanced_layers;
using depthbias::balance_of;

struct LambdaBalancedState {
    Mat q;        // [W_1^T; W_2] up to a right rotation, (n_i + n_o) x n_h
    Mat product;  // W_2 W_1 (n_o x n_i)
    Mat w1tw1;    // W_1^T W_1 (n_i x n_i)
    Mat w2w2t;    // W_2 W_2^T (n_o x n_o)
    long steps;   // factor steps taken
};
// The exact state at time t >= 0 from layers w1, w2 that are lambda-balanced (to 1e-8 relative: otherwise
// std::invalid_argument, since the closed form needs the balance), for the task Sigma.
LambdaBalancedState lambda_balanced_solution(const Mat& sigma, const Mat& w1, const Mat& w2, double t);
// The aligned mode a = c d, d^2 - c^2 = lambda: a' = sqrt(lambda^2 + 4 a^2) (s - a), a(0) = a0 > 0 (section 3.5),
// through the same stepping on the 1-1-1 network.
double lambda_balanced_mode(double lambda, double s, double a0, double t);
// The NTK of a two-layer linear network on whitened data with X = sqrt(P) I (section 3.6), up to the factor P:
// K = I_{n_o} (x) W_1^T W_1 + W_2 W_2^T (x) I_{n_i}; and the kernel distance S = 1 - <K0, Kt> / (|K0| |Kt|),
// computed from the representations without forming the Kronecker products.
double two_layer_kernel_distance(const Mat& w1tw1_0, const Mat& w2w2t_0, const Mat& w1tw1_t, const Mat& w2w2t_t);

// ---- Kunin et al. 2024 (single neuron) ----
struct NeuronState {
    double a;
    Vec w;
    double delta;  // a^2 - ||w||^2 (conserved)
};
// The exact state at time t >= 0 of a' = -w^T r, w' = -a r, r = a w - beta* (whitened), from (a0, w0).
// Throws std::invalid_argument when beta* = 0 or the sizes differ.
NeuronState single_neuron(const Vec& beta_star, double a0, const Vec& w0, double t);
// Initial (a0, w0) of overall scale tau > 0 and relative scale delta along the unit direction w_dir, a0 > 0
// (section 4.1, get_alpha): ||w0|| = tau alpha, a0 = tau / alpha, alpha^2 = (sqrt(4 + (delta/tau^2)^2) - delta/tau^2)/2.
NeuronState single_neuron_init(double tau, double delta, const Vec& w_dir);
// The gradient-flow limit of the single neuron on one sample x with label y (rank-1 XX = x x^T, XY = y x; the
// notebook's Fig. 4b setting, section 4.4), from (a0 > 0, w0): the part of w orthogonal to x never moves, delta is
// conserved, so beta_inf = beta_OLS + a_inf w0_perp with beta_OLS = y x / ||x||^2,
// a_inf^2 = kappa + sqrt(kappa^2 + ||beta_OLS||^2), kappa = (||w0_perp||^2 + delta) / 2 (the digest's alpha(delta) for
// d = 2, in any d). Throws std::invalid_argument for x = 0, a0 <= 0 or mismatched sizes.
Vec single_neuron_rank_one_limit(const Vec& x, double y, double a0, const Vec& w0);
// Kernel distance of the single neuron's NTK K = a^2 I_d + w w^T (the Frobenius form, section 4.3).
double single_neuron_kernel_distance(double a0, const Vec& w0, double a, const Vec& w);

}  // namespace depthbias::exact
