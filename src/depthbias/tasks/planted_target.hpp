// The planted low-rank matrix W* = U diag(s) V^T of the measurement tasks (d x d).
// basis "diagonal": U = V = I, so W* = diag(s, 0, ...) as in the authors' scripts;
// basis "random": Haar-random orthogonal U, V (incoherent, needed for matrix completion).
#pragma once
#include <string>
#include <vector>

#include "depthbias/core/rng.hpp"

namespace depthbias {

Mat planted_target(Index d, const std::vector<double>& singular_values, const std::string& basis, Rng& rng);

}  // namespace depthbias
