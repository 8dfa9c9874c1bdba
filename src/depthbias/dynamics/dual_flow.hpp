// Gradient flow of a diagonal network w = u+^D - u-^D (unbiased init u±(0) = alpha) on the exponential loss,
// integrated in the dual and in loss-normalized time (moroshko_woodworth.md 2.2, 2.5), so that runs reach
// margins gamma ~ 1e6, i.e. losses eps ~ 1e-434000, that no floating-point loss can represent.
//   nu(t) = int_0^t lbar, lbar_n = exp(-x~_n^T w) (sum) or /n (mean); s = X~^T nu;
//   D = 1: w = 2 s;   D = 2: w = 2 alpha^2 sinh(4 s);
//   D > 2: w = alpha^D [(1-z)^(-D/(D-2)) - (1+z)^(-D/(D-2))], z = D (D-2) alpha^(D-2) s   (exact, |z| < 1).
// Loss-normalized time tau (d tau = L dt): d nu / d tau = softmax(-X~ w(nu)), a right-hand side in [0, 1].
// The loss is carried as log(eps) = logsumexp(-X~ w) (- log n for the mean), never as eps.
// Integrated by Boost.Odeint Dormand-Prince with dense output; margins listed in `checkpoints` are hit exactly
// (bisection on the dense output) and reported with the normalized predictor w / gamma.
#pragma once
#include <vector>

#include "depthbias/dynamics/stop_rules.hpp"
#include "depthbias/tasks/binary_classification.hpp"

namespace depthbias {

struct DualFlowSpec {
    int depth = 2;
    double alpha = 1.0;                 // u±(0)
    double max_margin = 1e6;            // stop when gamma = min_n x~_n^T w reaches it
    double max_tau = 1e12;              // loss-normalized time budget
    std::vector<double> checkpoints;    // margins at which to report exactly (ascending)
    double rtol = 1e-10, atol = 1e-12;
    // The run's stop rules; the dual flow honours their wall-clock budget (its own rules are the margin and tau).
    const StopRules* stop = nullptr;
};

struct MarginCheckpoint {
    double gamma;         // min margin
    double log10_inv_eps; // log10(1 / L)
    double tau;
    Vec normalized;       // w / gamma
};

struct DualFlowResult {
    Outcome outcome;
    std::vector<MarginCheckpoint> checkpoints;
    Vec nu;  // final dual variables
    Vec w;   // final predictor
};

// w(nu) for the spec's depth and alpha.
Vec dual_predictor(const Mat& xt, const Vec& nu, int depth, double alpha);

// `on_step` sees every accepted step with StepView::time = tau, loss = eps (0 once it underflows),
// log10_loss = log10(eps), predictor = w, theta = [u+; u-].
DualFlowResult run_dual_flow(const BinaryClassification& task, const DualFlowSpec& spec, const StepCallback& on_step);

}  // namespace depthbias
