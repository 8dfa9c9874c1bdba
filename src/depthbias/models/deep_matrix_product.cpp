#include "depthbias/models/deep_matrix_product.hpp"

#include <cmath>

#include "depthbias/core/error.hpp"
#include "depthbias/models/model_registry.hpp"

namespace depthbias {

MatrixInit parse_matrix_init(const std::string& s) {
    if (s == "gaussian") return MatrixInit::Gaussian;
    if (s == "identity") return MatrixInit::Identity;
    if (s == "orthogonal") return MatrixInit::Orthogonal;
    throw ConfigError("model.init", "'" + s + "' is not one of: gaussian, identity, orthogonal");
}

DeepMatrixProduct::DeepMatrixProduct(Index d, int depth, MatrixInit init, double init_scale)
    : d_(d), depth_(depth), init_(init), scale_(init_scale) {
    if (depth < 1) throw ConfigError("model.depth", "must be at least 1, got " + std::to_string(depth));
    if (!(init_scale > 0) || !std::isfinite(init_scale))
        throw ConfigError("model.init_scale", "must be finite and > 0, got " + std::to_string(init_scale));
    prefix_.assign(size_t(depth), Mat(d, d));
    back_.resize(d, d);
    tmp_.resize(d, d);
}

Vec DeepMatrixProduct::initialize(Rng& rng, const Task& task) const {
    if (task.rows() != d_ || task.cols() != d_)
        throw ConfigError("model.kind", "a deep matrix product needs a square d x d task predictor");
    Vec theta(num_params());
    const double per_layer = std::pow(scale_, 1.0 / depth_);
    for (int k = 0; k < depth_; ++k) {
        Eigen::Map<Mat> w(theta.data() + Index(k) * d_ * d_, d_, d_);
        switch (init_) {
            case MatrixInit::Gaussian: w = rng.normal_matrix(d_, d_, per_layer / std::sqrt(double(d_))); break;
            case MatrixInit::Identity: w = per_layer * Mat::Identity(d_, d_); break;
            case MatrixInit::Orthogonal: w = per_layer * rng.orthogonal(d_); break;
        }
    }
    return theta;
}

void DeepMatrixProduct::predictor(const Vec& theta, Predictor& out) {
    prefix_[0] = factor(theta, 0);
    for (int k = 1; k < depth_; ++k) prefix_[size_t(k)].noalias() = factor(theta, k) * prefix_[size_t(k - 1)];
    out.beta = prefix_[size_t(depth_ - 1)];
    out.offset = 0.0;
}

void DeepMatrixProduct::pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) {
    back_ = grad.beta;  // B = (W_N..W_{k+1})^T G
    for (int k = depth_ - 1; k >= 0; --k) {
        Eigen::Map<Mat> gk(grad_theta.data() + Index(k) * d_ * d_, d_, d_);
        if (k == 0) {
            gk = back_;
        } else {
            gk.noalias() = back_ * prefix_[size_t(k - 1)].transpose();
            tmp_.noalias() = factor(theta, k).transpose() * back_;
            back_.swap(tmp_);
        }
    }
}

std::optional<double> DeepMatrixProduct::invariant_drift(const Vec& theta, const Vec& theta0) const {
    if (depth_ < 2) return std::nullopt;
    double worst = 0;
    for (int k = 0; k + 1 < depth_; ++k) {
        const Mat d_now = factor(theta, k + 1).transpose() * factor(theta, k + 1) -
                          factor(theta, k) * factor(theta, k).transpose();
        const Mat d_then = factor(theta0, k + 1).transpose() * factor(theta0, k + 1) -
                           factor(theta0, k) * factor(theta0, k).transpose();
        const double scale = factor(theta, k).squaredNorm() + factor(theta, k + 1).squaredNorm();
        worst = std::max(worst, (d_now - d_then).norm() / scale);
    }
    return worst;
}

}  // namespace depthbias

namespace depthbias {

std::vector<ParamBlock> DeepMatrixProduct::blocks() const {
    std::vector<ParamBlock> b;
    for (int k = 0; k < depth_; ++k) b.push_back({"W" + std::to_string(k + 1), Index(k) * d_ * d_, d_ * d_});
    return b;
}

}  // namespace depthbias

namespace depthbias {
namespace {

void validate_matrix_init(const ModelParams& p, const TaskParams&, const ExtraParams&) { (void)parse_matrix_init(p.init); }

const Registrar<ModelEntry> linear{{
    .name = "linear",
    .doc = "W (the depth-1 product; model.depth is ignored)",
    .shape = PredictorShape::Matrix,
    .uses = {"model.init"},
    .validate = validate_matrix_init,
    .build = [](const ModelParams& p, const ExtraParams&, const Task& t) -> std::unique_ptr<Model> {
        return std::make_unique<DeepMatrixProduct>(t.rows(), 1, parse_matrix_init(p.init), p.init_scale);
    },
}};

const Registrar<ModelEntry> deep_matrix{{
    .name = "deep_matrix",
    .doc = "W_N ... W_1, square d x d factors; model.init_scale = RMS singular value of W(0)",
    .shape = PredictorShape::Matrix,
    .uses = {"model.init"},
    .validate = validate_matrix_init,
    .build = [](const ModelParams& p, const ExtraParams&, const Task& t) -> std::unique_ptr<Model> {
        return std::make_unique<DeepMatrixProduct>(t.rows(), int(p.depth), parse_matrix_init(p.init), p.init_scale);
    },
}};

}  // namespace
}  // namespace depthbias
