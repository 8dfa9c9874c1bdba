#include "depthbias/models/uv_factorization.hpp"

#include <cmath>

#include "depthbias/core/error.hpp"
#include "depthbias/models/model_registry.hpp"

namespace depthbias {

UvFactorization::UvFactorization(Index d, double alpha) : d_(d), alpha_(alpha) {
    if (d < 1) throw ConfigError("task.d", "must be at least 1");
    if (!(alpha > 0) || !std::isfinite(alpha))
        throw ConfigError("model.init_scale", "must be finite and > 0 (alpha of U(0) = alpha [I, -I]), got " +
                                                  std::to_string(alpha));
}

Vec UvFactorization::initialize(Rng&, const Task& task) const {
    if (task.rows() != d_ || task.cols() != d_)
        throw ConfigError("model.kind", "uv_factorization needs a square d x d predictor, the task's is " +
                                            std::to_string(task.rows()) + " x " + std::to_string(task.cols()));
    Vec theta = Vec::Zero(num_params());
    Eigen::Map<Mat> U(theta.data(), d_, 2 * d_), V(theta.data() + 2 * d_ * d_, d_, 2 * d_);
    U.leftCols(d_) = alpha_ * Mat::Identity(d_, d_);
    U.rightCols(d_) = -alpha_ * Mat::Identity(d_, d_);
    V.leftCols(d_) = alpha_ * Mat::Identity(d_, d_);
    V.rightCols(d_) = alpha_ * Mat::Identity(d_, d_);
    return theta;
}

void UvFactorization::predictor(const Vec& theta, Predictor& out) {
    out.beta.noalias() = u(theta) * v(theta).transpose();
    out.offset = 0.0;
}

void UvFactorization::pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) {
    Eigen::Map<Mat> gu(grad_theta.data(), d_, 2 * d_), gv(grad_theta.data() + 2 * d_ * d_, d_, 2 * d_);
    gu.noalias() = grad.beta * v(theta);
    gv.noalias() = grad.beta.transpose() * u(theta);
}

std::optional<double> UvFactorization::invariant_drift(const Vec& theta, const Vec& theta0) const {
    const Mat now = u(theta).transpose() * u(theta) - v(theta).transpose() * v(theta);
    const Mat then = u(theta0).transpose() * u(theta0) - v(theta0).transpose() * v(theta0);
    return (now - then).norm() / (u(theta).squaredNorm() + v(theta).squaredNorm());
}

namespace {

const Registrar<ModelEntry> registration{{
    .name = "uv_factorization",
    .doc = "Woodworth et al.'s U V^T, k = 2d, U(0) = alpha [I, -I], V(0) = alpha [I, I] (beta(0) = 0); "
           "model.init_scale = alpha (large: kernel regime, small: rich)",
    .shape = PredictorShape::Matrix,
    .uses = {},
    .validate = {},
    .build = [](const ModelParams& p, const ExtraParams&, const Task& t) -> std::unique_ptr<Model> {
        if (t.rows() != t.cols())
            throw ConfigError("model.kind", "uv_factorization needs a square predictor, the task's is " +
                                                std::to_string(t.rows()) + " x " + std::to_string(t.cols()));
        return std::make_unique<UvFactorization>(t.rows(), p.init_scale);
    },
    .stored_numbers = [](const ModelParams&, double predictor) { return 4 * 4 * predictor + 2 * predictor; },
}};

}  // namespace
}  // namespace depthbias
