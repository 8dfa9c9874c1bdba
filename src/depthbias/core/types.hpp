// Numeric types shared by the linear engine. float64 throughout (DESIGN.md, "Precision").
#pragma once
#include <Eigen/Dense>

namespace depthbias {

using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;
using Index = Eigen::Index;

// The induced predictor of a model: a matrix beta (d x d for matrix tasks, d x 1 for vector tasks)
// plus an optional scalar offset added to every prediction (the quadratic network's trainable bias).
struct Predictor {
    Mat beta;
    double offset = 0.0;
};

}  // namespace depthbias
