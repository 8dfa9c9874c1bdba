// The function_space observer: for a model of a scalar input (models/function_model.hpp) on the points task
// (tasks/point_regression.hpp), it compares the trained function with function-space references on the task's
// grid (401 points on [x_1, x_M]) after the run. Summary final values (sup norms over the grid):
//  - sup_to_min_norm: to the output-layer minimum-norm interpolant from the run's own init theta0 (Theorem 20,
//    claims 6 and 8); rel_sup_to_min_norm: divided by the interpolant's sup norm;
//  - sup_to_min_norm_affine: to the same with a free affine part (claim 5's interpolant);
//  - max_output_change: max |theta_out - theta0_out| over the output layer (laziness, mirror_flow.md claim 6);
//  - for each function-space reference r of analysis.references (spline, kernel_limit, ...): sup_to_<r> (the
//    trained function), min_norm_sup_to_<r> and min_norm_affine_sup_to_<r> (the interpolants: claims 5 and 7).
// Writes function.csv (x, network, min_norm, min_norm_affine, one column per reference) into the run directory.
// Built only for such model/task pairs; nothing per step but one copy of theta at the final step. Resumable (no
// state between steps).
#pragma once

namespace depthbias {}
