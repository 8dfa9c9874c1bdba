// ScalarFunctionModel: a model whose predictor is a function x -> f(x; theta) of a scalar input evaluated at a task's
// sample inputs (PredictorShape::Samples). Besides the Model interface it evaluates f anywhere (function-space
// comparisons on a grid) and exposes its output layer, in which f is linear: output_features(theta, x) is
// df(x)/d(theta_out) (theta_out = the output_size() entries starting at output_offset()), so the finite-width
// minimum-norm interpolant (the limit of GD on theta_out) (wide_relu_spline.md 5.5) is theta0 with theta_out += J^T c. free_affine(): f has
// a trainable affine part u x + v (skip connection) that the min-norm reference leaves unpenalized.
// All methods are const and allocate (analysis after a run, not per step).
#pragma once
#include "depthbias/core/types.hpp"

namespace depthbias {

class ScalarFunctionModel {
public:
    virtual ~ScalarFunctionModel() = default;
    virtual void evaluate(const Vec& theta, const Vec& xs, Vec& out) const = 0;
    virtual Index output_offset() const = 0;
    virtual Index output_size() const = 0;
    virtual void output_features(const Vec& theta, double x, Eigen::Ref<Vec> row) const = 0;
    virtual bool free_affine() const = 0;
};

}  // namespace depthbias
