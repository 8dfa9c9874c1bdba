#include "depthbias/models/toy_diagonal.hpp"

#include <cmath>

#include "depthbias/core/error.hpp"

namespace depthbias {

ToyParam parse_toy_param(const std::string& s) {
    if (s == "toy_pm") return ToyParam::PowerPm;
    if (s == "toy_power") return ToyParam::Power;
    if (s == "toy_product") return ToyParam::Product;
    throw ConfigError("model.kind", "'" + s + "' is not a toy form (toy_pm, toy_power, toy_product)");
}

ToyDiagonal::ToyDiagonal(Index d, int depth, ToyParam form, double init_scale)
    : d_(d), depth_(depth), form_(form), scale_(init_scale) {
    if (depth < 1) throw ConfigError("model.depth", "must be at least 1, got " + std::to_string(depth));
    if (!(init_scale > 0) || !std::isfinite(init_scale))
        throw ConfigError("model.init_scale", "must be finite and > 0, got " + std::to_string(init_scale));
}

std::string ToyDiagonal::name() const {
    switch (form_) {
        case ToyParam::PowerPm: return "toy_pm";
        case ToyParam::Power: return "toy_power";
        case ToyParam::Product: return "toy_product";
    }
    return "toy";
}

Index ToyDiagonal::num_params() const {
    switch (form_) {
        case ToyParam::PowerPm: return 2 * d_;
        case ToyParam::Power: return d_;
        case ToyParam::Product: return Index(depth_) * d_;
    }
    return 0;
}

Vec ToyDiagonal::initialize(Rng&, const Task& task) const {
    if (task.rows() != d_ || task.cols() != 1)
        throw ConfigError("model.kind", "a toy diagonal model needs a vector task predictor of length d");
    return Vec::Constant(num_params(), std::pow(scale_, 1.0 / depth_));
}

void ToyDiagonal::predictor(const Vec& theta, Predictor& out) {
    auto b = out.beta.col(0).array();
    const int n = depth_;
    switch (form_) {
        case ToyParam::PowerPm: b = theta.head(d_).array().pow(n) - theta.tail(d_).array().pow(n); break;
        case ToyParam::Power: b = theta.array().pow(n); break;
        case ToyParam::Product:
            b = theta.head(d_).array();
            for (int k = 1; k < n; ++k) b *= theta.segment(Index(k) * d_, d_).array();
            break;
    }
    out.offset = 0.0;
}

void ToyDiagonal::pullback(const Vec& theta, const Predictor& grad, Vec& g) {
    const auto gb = grad.beta.col(0).array();
    const int n = depth_;
    switch (form_) {
        case ToyParam::PowerPm:
            g.head(d_).array() = double(n) * theta.head(d_).array().pow(n - 1) * gb;
            g.tail(d_).array() = -double(n) * theta.tail(d_).array().pow(n - 1) * gb;
            break;
        case ToyParam::Power: g.array() = double(n) * theta.array().pow(n - 1) * gb; break;
        case ToyParam::Product:
            for (int k = 0; k < n; ++k) {
                auto gk = g.segment(Index(k) * d_, d_).array();
                gk = gb;
                for (int l = 0; l < n; ++l)
                    if (l != k) gk *= theta.segment(Index(l) * d_, d_).array();
            }
            break;
    }
}

std::optional<double> ToyDiagonal::invariant_drift(const Vec& theta, const Vec& theta0) const {
    if (form_ != ToyParam::Product || depth_ < 2) return std::nullopt;
    double worst = 0;
    for (int k = 0; k + 1 < depth_; ++k) {
        const auto a = theta.segment(Index(k) * d_, d_).array(), b = theta.segment(Index(k + 1) * d_, d_).array();
        const auto a0 = theta0.segment(Index(k) * d_, d_).array(), b0 = theta0.segment(Index(k + 1) * d_, d_).array();
        const Vec diff = (a.square() - b.square()) - (a0.square() - b0.square());
        const Vec scale = a.square() + b.square();
        worst = std::max(worst, (diff.array().abs() / scale.array().max(1e-300)).maxCoeff());
    }
    return worst;
}

}  // namespace depthbias
