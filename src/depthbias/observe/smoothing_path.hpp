// The smoothing_path observer (wide_relu_spline.md 4, Remark 5): along training of a scalar-input network on the
// points task, the trained function against smoothing splines of decreasing regularization. Enabled by
// task.smoothing_path = [t_lo, t_hi] (a window of flow time, GD: time = step x lr; empty: off), declared here.
// Reference family (computed once per run, from the init law's zeta of model.init / model.shape):
//  - model with a free affine part (model.skip): Remark 5's smoothing splines
//      s_lambda = argmin sum_j (g(x_j) - y_j)^2 + lambda int (g'')^2 / zeta, affine part free
//    ((K + lambda I) c + T (a, b) = y, T^T c = 0, K the anchored curvature kernel of spline.hpp);
//  - otherwise (unadjusted data, ASI): kernel ridge with the infinite-width kernel K_inf and no affine block,
//    (K_inf + lambda I) c = y (the n -> infinity limit of unadjusted training at finite time).
// lambda on a log grid 1e-8 .. 1e4 (50 per decade). At the run's recording times (observe.schedule) and the final
// state: lambda*(t) = argmin_lambda ||f_t - s_lambda||_2 on the task's grid (401 points of [x_1, x_M]).
// Outputs: smoothing_path.csv (step, time, lambda_star, lambda_star_t, rms_gap, rms_f, in_window) and
// smoothing_path_functions.csv (x; network and best spline at up to 6 log-spaced times of the window); summary
// final values over the records with t in the window (absent when the window holds fewer than 2 records):
//  - smoothing_lambda_t_ratio: max / min of lambda* t (Remark 5: lambda ~ 1/t, claim 9: within 3x over two decades);
//  - smoothing_window_decades: log10(t_max / t_min) of those records;
//  - smoothing_boundary_hits: records whose lambda* is an end of the lambda grid (the fit is then not resolved);
//  - smoothing_lambda_t_calibrated: median of lambda* t n / M (n = model.width, M points): Remark 5's
//    lambda = 1/(eta_bar t) in this code's units, an O(1) constant (App. N: early stopping is not ridge);
//  - smoothing_max_rel_gap: max of rms_gap / rms_f (how close the trajectory is to the family).
// Allocates at recorded steps only; not resumable (a run with it is not checkpointed).
#pragma once

namespace depthbias {}
