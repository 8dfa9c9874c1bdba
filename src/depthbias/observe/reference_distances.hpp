// Distances of the normalized predictor to reference solutions over time (moroshko_woodworth.md 5):
// for each named reference r, || beta/||beta|| - r/||r|| ||_2 (0: same direction, 2: opposite).
// References named in analysis.references (comma-separated):
//   classification: l1_max_margin (LP, CLP), l2_max_margin (exact hard-margin SVM)
//   regression:     basis_pursuit (LP), min_l2 (X^T (X X^T)^-1 y), q (argmin Q^D_alpha s.t. X beta = y, with the
//                   run's depth D and alpha = init_scale^(1/D); the gradient-flow limit of the diagonal network)
// Non-separable data for a max-margin reference is a ConfigError naming analysis.references.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "depthbias/run/config.hpp"
#include "depthbias/tasks/task.hpp"

namespace depthbias {

struct NamedReference {
    std::string name;
    Vec direction;  // unit norm
    Vec raw;        // as the solver returned it
};

std::vector<NamedReference> compute_references(const RunConfig& cfg, const Task& task);
double direction_distance(const Vec& beta, const Vec& unit_reference);

}  // namespace depthbias
