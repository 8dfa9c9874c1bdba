#include "depthbias/models/deep_matrix_product.hpp"

#include <Eigen/SVD>
#include <cmath>

#include "depthbias/core/error.hpp"
#include "depthbias/models/layer_constructions.hpp"
#include "depthbias/models/model_registry.hpp"

namespace depthbias {

namespace {
constexpr const char* kLayerScalesKey = "model.layer_scales";
constexpr const char* kLambdaKey = "model.lambda";
constexpr const char* kWidthsKey = "model.widths";

std::vector<Index> hidden_widths(const std::vector<double>& w) {
    std::vector<Index> out;
    for (double x : w) {
        if (!(x >= 1 && x == std::floor(x) && x < 1e9))
            throw ConfigError(kWidthsKey, "hidden widths must be integers >= 1, got " + std::to_string(x));
        out.push_back(Index(x));
    }
    return out;
}
}

MatrixInit parse_matrix_init(const std::string& s) {
    if (s == "gaussian") return MatrixInit::Gaussian;
    if (s == "identity") return MatrixInit::Identity;
    if (s == "orthogonal") return MatrixInit::Orthogonal;
    if (s == "balanced") return MatrixInit::Balanced;
    if (s == "lambda_balanced") return MatrixInit::LambdaBalanced;
    throw ConfigError("model.init", "'" + s + "' is not one of: gaussian, identity, orthogonal, balanced, lambda_balanced");
}

DeepMatrixProduct::DeepMatrixProduct(Index d, int depth, MatrixInit init, double init_scale,
                                     std::vector<double> layer_scales, double lambda)
    : DeepMatrixProduct(d, d, {}, depth, init, init_scale, std::move(layer_scales), lambda) {}

DeepMatrixProduct::DeepMatrixProduct(Index rows, Index cols, std::vector<Index> hidden, int depth, MatrixInit init,
                                     double init_scale, std::vector<double> layer_scales, double lambda)
    : depth_(depth), init_(init), scale_(init_scale), lambda_(lambda) {
    if (depth < 1) throw ConfigError("model.depth", "must be at least 1, got " + std::to_string(depth));
    if (init == MatrixInit::LambdaBalanced && depth != 2)
        throw ConfigError("model.init", "lambda_balanced is a two-layer init: it needs model.depth = 2, got " +
                                            std::to_string(depth));
    if (!std::isfinite(lambda)) throw ConfigError(kLambdaKey, "must be finite");
    if (hidden.empty()) hidden.assign(size_t(depth - 1), std::min(rows, cols));
    if (Index(hidden.size()) != depth - 1)
        throw ConfigError(kWidthsKey, "needs model.depth - 1 = " + std::to_string(depth - 1) + " hidden widths, got " +
                                          std::to_string(hidden.size()));
    for (Index h : hidden)
        if (h < 1) throw ConfigError(kWidthsKey, "hidden widths must be >= 1, got " + std::to_string(h));
    dims_.push_back(cols);
    for (Index h : hidden) dims_.push_back(h);
    dims_.push_back(rows);
    offsets_.assign(1, 0);
    for (int k = 0; k < depth; ++k) offsets_.push_back(offsets_.back() + dims_[size_t(k)] * dims_[size_t(k + 1)]);
    if (!layer_scales.empty()) {
        if (Index(layer_scales.size()) != depth)
            throw ConfigError(kLayerScalesKey, "needs one multiplier per layer (model.depth = " + std::to_string(depth) +
                                                   "), got " + std::to_string(layer_scales.size()));
        double log_prod = 0;
        for (double c : layer_scales) {
            if (!(c > 0) || !std::isfinite(c))
                throw ConfigError(kLayerScalesKey, "multipliers must be finite and > 0, got " + std::to_string(c));
            log_prod += std::log(c);
        }
        for (double& c : layer_scales) c *= std::exp(-log_prod / depth);
        layer_scales_ = std::move(layer_scales);
    }
    if (!(init_scale > 0) || !std::isfinite(init_scale))
        throw ConfigError("model.init_scale", "must be finite and > 0, got " + std::to_string(init_scale));
    for (int k = 0; k < depth; ++k) prefix_.emplace_back(dims_[size_t(k + 1)], cols);
    for (int k = 0; k <= depth; ++k) back_.emplace_back(dims_[size_t(k)], cols);
    if (depth >= 2) {
        last_t_.resize(dims_[size_t(depth - 1)], rows);
        w_last_t_.resize(dims_[size_t(depth - 1)], rows);
        support_.reserve(size_t(rows * cols + 1));
    }
}

Vec DeepMatrixProduct::initialize(Rng& rng, const Task& task) const {
    const Index rows = dims_.back(), cols = dims_.front(), k = std::min(rows, cols);
    if (task.rows() != rows || task.cols() != cols)
        throw ConfigError("model.kind", "the deep matrix product was built for a " + std::to_string(rows) + " x " +
                                            std::to_string(cols) + " predictor, the task's is " +
                                            std::to_string(task.rows()) + " x " + std::to_string(task.cols()));
    Vec theta(num_params());
    const double per_layer = std::pow(scale_, 1.0 / depth_);
    for (int l = 0; l < depth_; ++l) {
        auto w = factor(theta, l);
        const Index out = w.rows(), in = w.cols();
        switch (init_) {
            case MatrixInit::Gaussian: w = rng.normal_matrix(out, in, per_layer / std::sqrt(double(in))); break;
            case MatrixInit::Identity: w = per_layer * Mat::Identity(out, in); break;
            case MatrixInit::Orthogonal: w = per_layer * rng.orthogonal(std::max(out, in)).topLeftCorner(out, in); break;
            case MatrixInit::Balanced:
            case MatrixInit::LambdaBalanced: break;  // below, from one end-to-end matrix
        }
    }
    if (init_ == MatrixInit::Balanced || init_ == MatrixInit::LambdaBalanced) {
        const Mat x0 = rng.normal_matrix(rows, cols, scale_ * std::sqrt(double(k) / double(rows * cols)));
        try {
            if (init_ == MatrixInit::LambdaBalanced) {
                Eigen::JacobiSVD<Mat> svd(x0, Eigen::ComputeThinU | Eigen::ComputeThinV);
                const Vec& sv = svd.singularValues();
                const auto layers = lambda_balanced_layers(svd.matrixU(), std::vector<double>(sv.data(), sv.data() + sv.size()),
                                                           svd.matrixV(), rng.orthogonal(dims_[1]), lambda_);
                factor(theta, 0) = layers.w1;
                factor(theta, 1) = layers.w2;
            } else {
                std::vector<Mat> frames;
                for (int p = 1; p < depth_; ++p) frames.push_back(rng.orthogonal(dims_[size_t(p)]).leftCols(std::min(k, dims_[size_t(p)])));
                const std::vector<Mat> w = depthbias::balanced_lift(x0, frames);
                for (int l = 0; l < depth_; ++l) factor(theta, l) = w[size_t(l)];
            }
        } catch (const std::invalid_argument& e) {  // the construction does not exist for these widths / lambda
            throw ConfigError(init_ == MatrixInit::LambdaBalanced ? kLambdaKey : kWidthsKey,
                              std::string("model.init = ") + (init_ == MatrixInit::LambdaBalanced ? "lambda_balanced" : "balanced") +
                                  ": " + e.what());
        }
    }
    for (size_t l = 0; l < layer_scales_.size(); ++l) factor(theta, int(l)) *= layer_scales_[l];
    return theta;
}

void DeepMatrixProduct::predictor(const Vec& theta, Predictor& out) {
    prefix_[0] = factor(theta, 0);
    for (int k = 1; k < depth_; ++k) prefix_[size_t(k)].noalias() = factor(theta, k) * prefix_[size_t(k - 1)];
    out.beta = prefix_[size_t(depth_ - 1)];
    out.offset = 0.0;
}

// G's nonzeros into support_ when there are fewer than `limit` (false: dense, scan abandoned).
bool DeepMatrixProduct::sparse_support(const Mat& g, Index limit) {
    const Index n = g.size();
    support_.clear();
    const double* x = g.data();
    for (Index k = 0; k < n; ++k)
        if (x[k] != 0.0) {
            if (Index(support_.size()) >= limit) return false;
            support_.push_back(k);
        }
    return true;
}

void DeepMatrixProduct::pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) {
    int top = depth_;  // the layers k < top are pulled back densely from back_[top]
    // Sparse below 1/8 density: at n = 100 (AVX-512 GEMM) the axpys cost as much as the two dense products they
    // replace at ~15% density (P8: 0.80x the dense step's time at 5%, 1.06x at 20%).
    const Index limit = sparse_mode_ == SparsePullback::Always ? grad.beta.size() + 1 : grad.beta.size() / 8;
    if (sparse_mode_ != SparsePullback::Never && depth_ >= 2 && sparse_support(grad.beta, limit)) {
        // Sparse G: the top layer's gradient, transposed (columns: P G^T), and back_[N-1] = W_N^T G, each a sum of
        // one column axpy per nonzero of G (column-major, contiguous).
        const Index rows = dims_.back();
        const Mat& below = prefix_[size_t(depth_ - 2)];  // W_{N-1} ... W_1, n_{N-1} x n_0
        w_last_t_ = factor(theta, depth_ - 1).transpose();
        last_t_.setZero();
        Mat& back = back_[size_t(depth_ - 1)];
        back.setZero();
        for (const Index idx : support_) {
            const double g = grad.beta.data()[idx];
            const Index i = idx % rows, j = idx / rows;
            last_t_.col(i) += g * below.col(j);
            back.col(j) += g * w_last_t_.col(i);
        }
        Eigen::Map<Mat>(grad_theta.data() + offsets_[size_t(depth_ - 1)], rows, dims_[size_t(depth_ - 1)]) =
            last_t_.transpose();
        top = depth_ - 1;
    } else {
        back_[size_t(depth_)] = grad.beta;  // back_[k] = (W_N..W_{k+1})^T G
    }
    for (int k = top - 1; k >= 0; --k) {
        Eigen::Map<Mat> gk(grad_theta.data() + offsets_[size_t(k)], dims_[size_t(k + 1)], dims_[size_t(k)]);
        if (k == 0) {
            gk = back_[1];
        } else {
            gk.noalias() = back_[size_t(k + 1)] * prefix_[size_t(k - 1)].transpose();
            back_[size_t(k)].noalias() = factor(theta, k).transpose() * back_[size_t(k + 1)];
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

void DeepMatrixProduct::balanced_lift(const Mat& x, Vec& theta) const {
    const Index k = std::min(x.rows(), x.cols());
    std::vector<Mat> frames;
    for (int p = 1; p < depth_; ++p) frames.push_back(Mat::Identity(dims_[size_t(p)], std::min(k, dims_[size_t(p)])));
    const std::vector<Mat> w = depthbias::balanced_lift(x, frames);
    theta.resize(num_params());
    for (int l = 0; l < depth_; ++l) factor(theta, l) = w[size_t(l)];
}

}  // namespace depthbias

namespace depthbias {

std::vector<ParamBlock> DeepMatrixProduct::blocks() const {
    std::vector<ParamBlock> b;
    for (int k = 0; k < depth_; ++k)
        b.push_back({"W" + std::to_string(k + 1), offsets_[size_t(k)], offsets_[size_t(k + 1)] - offsets_[size_t(k)]});
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
        return std::make_unique<DeepMatrixProduct>(t.rows(), t.cols(), std::vector<Index>{}, 1, parse_matrix_init(p.init),
                                                   p.init_scale);
    },
    .balanced_lift = true,
}};

const Registrar<ModelEntry> deep_matrix{[] {
    register_extra_keys("model.kind", "deep_matrix",
                        {{kLayerScalesKey,
                          "relative layer scales [c_1, ..., c_N] (normalized to product 1, so W(0) and model.init_scale "
                          "are unchanged): W_k *= c_k; unequal values unbalance the layers (empty: all 1)",
                          std::vector<double>{}},
                         {kLambdaKey,
                          "model.init = lambda_balanced: the balance W2^T W2 - W1 W1^T = lambda I (the relative scale of the "
                          "two layers; 0 = balanced; large |lambda| = lazy)",
                          0.0},
                         {kWidthsKey,
                          "hidden widths [n_1, ..., n_{N-1}] of W_k (n_k x n_{k-1}, n_0 = task columns, n_N = task rows); "
                          "empty: min(rows, cols) each (square d x d factors)",
                          std::vector<double>{}}});
    return ModelEntry{
        .name = "deep_matrix",
        .doc = "W_N ... W_1, square d x d factors; model.init_scale = RMS singular value of W(0); "
               "model.layer_scales = relative layer scales",
        .shape = PredictorShape::Matrix,
        .uses = {"model.init"},
        .validate =
            [](const ModelParams& p, const TaskParams& t, const ExtraParams& e) {
                validate_matrix_init(p, t, e);
                if (parse_matrix_init(p.init) == MatrixInit::LambdaBalanced && p.depth != 2)
                    throw ConfigError("model.init", "lambda_balanced is a two-layer init: it needs model.depth = 2, got " +
                                                        std::to_string(p.depth));
                if (!std::isfinite(e.get<double>(kLambdaKey))) throw ConfigError(kLambdaKey, "must be finite");
                if (e.get<double>(kLambdaKey) != 0 && parse_matrix_init(p.init) != MatrixInit::LambdaBalanced)
                    throw ConfigError(kLambdaKey, "is read only with model.init = lambda_balanced (model.init = '" +
                                                      p.init + "')");
                const auto c = e.get<std::vector<double>>(kLayerScalesKey);
                if (!c.empty() && std::int64_t(c.size()) != p.depth)
                    throw ConfigError(kLayerScalesKey, "needs one multiplier per layer (model.depth = " +
                                                           std::to_string(p.depth) + "), got " + std::to_string(c.size()));
                for (double v : c)
                    if (!(v > 0) || !std::isfinite(v))
                        throw ConfigError(kLayerScalesKey, "multipliers must be finite and > 0, got " + std::to_string(v));
                const auto w = hidden_widths(e.get<std::vector<double>>(kWidthsKey));
                if (!w.empty() && std::int64_t(w.size()) != p.depth - 1)
                    throw ConfigError(kWidthsKey, "needs model.depth - 1 = " + std::to_string(p.depth - 1) +
                                                      " hidden widths, got " + std::to_string(w.size()));
            },
        .build = [](const ModelParams& p, const ExtraParams& e, const Task& t) -> std::unique_ptr<Model> {
            return std::make_unique<DeepMatrixProduct>(t.rows(), t.cols(), hidden_widths(e.get<std::vector<double>>(kWidthsKey)),
                                                       int(p.depth), parse_matrix_init(p.init), p.init_scale,
                                                       e.get<std::vector<double>>(kLayerScalesKey),
                                                       e.get<double>(kLambdaKey));
        },
        .balanced_lift = true,
    };
}()};

}  // namespace
}  // namespace depthbias
