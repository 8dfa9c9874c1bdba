#include "depthbias/models/symmetric_factor.hpp"

#include <cmath>

#include "depthbias/core/error.hpp"
#include "depthbias/models/model_registry.hpp"

namespace depthbias {

SymmetricFactor::SymmetricFactor(Index d, MatrixInit init, double init_scale, bool bias)
    : d_(d), init_(init), scale_(init_scale), bias_(bias), sym_(d, d) {
    if (!(init_scale > 0) || !std::isfinite(init_scale))
        throw ConfigError("model.init_scale", "must be finite and > 0, got " + std::to_string(init_scale));
}

Vec SymmetricFactor::initialize(Rng& rng, const Task& task) const {
    if (task.rows() != d_ || task.cols() != d_)
        throw ConfigError("model.kind", "a symmetric factor needs a square d x d task predictor");
    Vec theta(num_params());
    Eigen::Map<Mat> w(theta.data(), d_, d_);
    switch (init_) {
        case MatrixInit::Gaussian: w = rng.normal_matrix(d_, d_, std::sqrt(scale_ / double(d_))); break;
        case MatrixInit::Identity: w = std::sqrt(scale_) * Mat::Identity(d_, d_); break;
        case MatrixInit::Orthogonal: w = std::sqrt(scale_) * rng.orthogonal(d_); break;
        case MatrixInit::Balanced:
        case MatrixInit::LambdaBalanced:  // rejected by the registration's validation
            throw ConfigError("model.init", "not available for the quadratic network");
    }
    if (bias_) theta(d_ * d_) = task.label_mean();
    return theta;
}

void SymmetricFactor::predictor(const Vec& theta, Predictor& out) {
    const Eigen::Map<const Mat> w(theta.data(), d_, d_);
    out.beta.noalias() = w.transpose() * w;
    out.offset = bias_ ? theta(d_ * d_) : 0.0;
}

void SymmetricFactor::pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) {
    const Eigen::Map<const Mat> w(theta.data(), d_, d_);
    Eigen::Map<Mat> gw(grad_theta.data(), d_, d_);
    sym_ = grad.beta + grad.beta.transpose();
    gw.noalias() = w * sym_;
    if (bias_) grad_theta(d_ * d_) = grad.offset;
}

}  // namespace depthbias

namespace depthbias {
namespace {

const Registrar<ModelEntry> registration{{
    .name = "symmetric",
    .doc = "quadratic network M = W^T W (+ a trainable bias with model.bias); model.init_scale = RMS eigenvalue of M(0)",
    .shape = PredictorShape::Matrix,
    .uses = {"model.init", "model.bias"},
    .validate =
        [](const ModelParams& p, const TaskParams& t, const ExtraParams&) {
            const MatrixInit init = parse_matrix_init(p.init);
            if (init == MatrixInit::Balanced || init == MatrixInit::LambdaBalanced)  // layer constructions of a
                throw ConfigError("model.init", "'" + p.init + "' is a construction for deep matrix products; the "
                                  "quadratic network M = W^T W takes one of: gaussian, identity, orthogonal");
            if (t.kind == "completion")
                throw ConfigError("model.kind", "symmetric factor needs a symmetric target (use task.kind = quadratic)");
        },
    .build = [](const ModelParams& p, const ExtraParams&, const Task& t) -> std::unique_ptr<Model> {
        return std::make_unique<SymmetricFactor>(t.rows(), parse_matrix_init(p.init), p.init_scale, p.bias);
    },
}};

}  // namespace
}  // namespace depthbias
