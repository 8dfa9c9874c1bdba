#include "depthbias/models/two_layer_network.hpp"

#include <algorithm>
#include <cmath>

#include "depthbias/core/error.hpp"
#include "depthbias/models/model_registry.hpp"
#include "depthbias/tasks/point_regression.hpp"

namespace depthbias {

namespace {
constexpr Index kBlock = 512;  // hidden units per block of the step (see predictor())
}


TwoLayerNetwork::TwoLayerNetwork(const TwoLayerSpec& spec, const Vec& inputs) : spec_(spec), x_(inputs) {
    if (spec.width < 1) throw ConfigError("model.width", "must be at least 1, got " + std::to_string(spec.width));
    if (!spec.law.entry) throw ConfigError("model.init", "no init law");
    h_ = spec.asi ? 2 * spec.width : spec.width;
    k_ = spec.asi ? 2 : 1;
    const double s = spec.asi ? std::sqrt(0.5) : 1.0;
    s_.setConstant(h_, s);
    sk_.setConstant(k_, s);
    if (spec.asi) {
        s_.tail(spec.width).setConstant(-s);
        sk_(1) = -s;
    }
    r_ = std::sqrt(spec.skip_rate);
    sa_.resize(h_);
}

std::vector<ParamBlock> TwoLayerNetwork::blocks() const {
    std::vector<ParamBlock> b{{"W1", 0, h_}, {"b1", h_, h_}, {"W2", 2 * h_, h_}, {"b2", 3 * h_, k_}};
    if (spec_.skip) b.push_back({"skip", 3 * h_ + k_, 2});
    return b;
}

Vec TwoLayerNetwork::initialize(Rng& rng, const Task& task) const {
    if (task.rows() != x_.size() || task.cols() != 1)
        throw ConfigError("model.kind", "two_layer needs the sample-value predictor of the task it was built for");
    Vec theta = Vec::Zero(num_params());
    const Index n = spec_.width;
    const double bound = 1.0 / std::sqrt(double(n));
    for (Index i = 0; i < n; ++i) spec_.law.entry->sample(rng, spec_.law.sw, spec_.law.sb, theta(i), theta(h_ + i));
    if (!spec_.zero_output) {
        for (Index i = 0; i < n; ++i) theta(2 * h_ + i) = bound * (2.0 * rng.uniform() - 1.0);
        theta(3 * h_) = bound * (2.0 * rng.uniform() - 1.0);
    }
    if (spec_.asi) {  // the copy equals the original (cloned tensors of TwoLayerReluASI)
        theta.segment(n, n) = theta.segment(0, n);
        theta.segment(h_ + n, n) = theta.segment(h_, n);
        theta.segment(2 * h_ + n, n) = theta.segment(2 * h_, n);
        theta(3 * h_ + 1) = theta(3 * h_);
    }
    return theta;
}

// The step works on blocks of kBlock hidden units so that a block's parameters, gradients and preactivations stay
// in L1 while the M data points sweep over it: the parameters are read once per pass from memory (forward: w, b, a;
// backward: w, b, a and the three gradients written), instead of once per data point. Preactivations are recomputed
// in the backward pass rather than stored.

void TwoLayerNetwork::predictor(const Vec& theta, Predictor& out) {
    const Index m = x_.size();
    const bool relu = spec_.activation == Activation::Relu;
    out.beta.col(0).setZero();
    for (Index i0 = 0; i0 < h_; i0 += kBlock) {
        const Index len = std::min(kBlock, h_ - i0);
        const auto w = theta.segment(i0, len).array(), b = theta.segment(h_ + i0, len).array();
        sa_.segment(i0, len).array() = s_.segment(i0, len).array() * theta.segment(2 * h_ + i0, len).array();
        const auto sa = sa_.segment(i0, len).array();
        for (Index j = 0; j < m; ++j)  // lazily evaluated: the preactivations are not stored
            out.beta(j, 0) += relu ? (sa * (w * x_(j) + b).max(0.0)).sum() : (sa * (w * x_(j) + b).abs()).sum();
    }
    const double bias = sk_.dot(theta.segment(3 * h_, k_));
    const double u = spec_.skip ? r_ * theta(3 * h_ + k_) : 0.0, v = spec_.skip ? r_ * theta(3 * h_ + k_ + 1) : 0.0;
    for (Index j = 0; j < m; ++j) out.beta(j, 0) += bias + u * x_(j) + v;
    out.offset = 0.0;
}

void TwoLayerNetwork::pullback(const Vec& theta, const Predictor& grad, Vec& g) {
    const Index m = x_.size();
    const bool relu = spec_.activation == Activation::Relu;
    double gsum = 0, gxsum = 0;
    for (Index j = 0; j < m; ++j) {
        gsum += grad.beta(j, 0);
        gxsum += grad.beta(j, 0) * x_(j);
    }
    for (Index i0 = 0; i0 < h_; i0 += kBlock) {
        const Index len = std::min(kBlock, h_ - i0);
        const auto w = theta.segment(i0, len).array(), b = theta.segment(h_ + i0, len).array();
        auto gw = g.segment(i0, len).array(), gb = g.segment(h_ + i0, len).array(), ga = g.segment(2 * h_ + i0, len).array();
        gw.setZero();
        gb.setZero();
        // With d_j = phi'(z_j) (ReLU: [z_j > 0]; abs: sign z_j), phi(z_j) = d_j z_j = d_j (w x_j + b), so
        // dL/da = s sum_j g_j phi(z_j) = s (w sum_j g_j d_j x_j + b sum_j g_j d_j): the two sums the input layer's
        // gradient needs anyway give the output layer's, and the loop over the points does 5 vector operations per
        // (unit, point) instead of 7.
        for (Index j = 0; j < m; ++j) {  // lazily evaluated (z recomputed rather than stored)
            const double gj = grad.beta(j, 0), xj = x_(j);
            if (relu) {
                gb += (w * xj + b > 0.0).select(Eigen::ArrayXd::Constant(len, gj), 0.0);
                gw += (w * xj + b > 0.0).select(Eigen::ArrayXd::Constant(len, gj * xj), 0.0);
            } else {
                gb += gj * (w * xj + b).sign();
                gw += (gj * xj) * (w * xj + b).sign();
            }
        }
        ga = s_.segment(i0, len).array() * (w * gw + b * gb);
        if (spec_.train_input) {
            gw *= sa_.segment(i0, len).array();
            gb *= sa_.segment(i0, len).array();
        } else {
            gw.setZero();
            gb.setZero();
        }
    }
    g.segment(3 * h_, k_) = gsum * sk_;
    if (spec_.skip) {
        g(3 * h_ + k_) = r_ * gxsum;
        g(3 * h_ + k_ + 1) = r_ * gsum;
    }
}

void TwoLayerNetwork::evaluate(const Vec& theta, const Vec& xs, Vec& out) const {
    out.setZero(xs.size());
    const bool relu = spec_.activation == Activation::Relu;
    const double bias = sk_.dot(theta.segment(3 * h_, k_));
    const double u = spec_.skip ? r_ * theta(3 * h_ + k_) : 0.0, v = spec_.skip ? r_ * theta(3 * h_ + k_ + 1) : 0.0;
    Eigen::ArrayXd sa(std::min(h_, kBlock));
    // blocks of units outside, points inside (as the step): a block's parameters stay in L1 while the points sweep it
    for (Index i0 = 0; i0 < h_; i0 += kBlock) {
        const Index len = std::min(kBlock, h_ - i0);
        const auto w = theta.segment(i0, len).array(), b = theta.segment(h_ + i0, len).array();
        sa.head(len) = s_.segment(i0, len).array() * theta.segment(2 * h_ + i0, len).array();
        for (Index j = 0; j < xs.size(); ++j)
            out(j) += relu ? (sa.head(len) * (w * xs(j) + b).max(0.0)).sum() : (sa.head(len) * (w * xs(j) + b).abs()).sum();
    }
    out.array() += bias + u * xs.array() + v;
}

void TwoLayerNetwork::output_features(const Vec& theta, double x, Eigen::Ref<Vec> row) const {
    const auto z = theta.segment(0, h_).array() * x + theta.segment(h_, h_).array();
    if (spec_.activation == Activation::Relu)
        row.head(h_).array() = s_.array() * z.max(0.0);
    else
        row.head(h_).array() = s_.array() * z.abs();
    row.segment(h_, k_) = sk_;
    if (spec_.skip) {
        row(h_ + k_) = r_ * x;
        row(h_ + k_ + 1) = r_;
    }
}

}  // namespace depthbias

namespace depthbias {
namespace {

TwoLayerSpec spec_of(const ModelParams& p, const ExtraParams& e) {
    TwoLayerSpec s;
    s.width = e.get<std::int64_t>("model.width");
    if (s.width < 1) throw ConfigError("model.width", "must be at least 1, got " + std::to_string(s.width));
    if (s.width > 10'000'000) throw ConfigError("model.width", "at most 10,000,000, got " + std::to_string(s.width));
    const std::string act = e.get<std::string>("model.activation");
    if (act == "relu")
        s.activation = Activation::Relu;
    else if (act == "abs")
        s.activation = Activation::Abs;
    else
        throw ConfigError("model.activation", "'" + act + "' is not one of: abs, relu");
    s.law = init_law(p.init, p.shape);
    s.asi = e.get<bool>("model.asi");
    s.train_input = e.get<bool>("model.train_input");
    s.skip = e.get<bool>("model.skip");
    s.skip_rate = e.get<double>("model.skip_rate");
    if (!(s.skip_rate > 0) || !std::isfinite(s.skip_rate))
        throw ConfigError("model.skip_rate", "must be finite and > 0, got " + std::to_string(s.skip_rate));
    const std::string out = e.get<std::string>("model.output_init");
    if (out != "uniform" && out != "zero") throw ConfigError("model.output_init", "'" + out + "' is not one of: uniform, zero");
    s.zero_output = out == "zero";
    return s;
}

const Registrar<ModelEntry> registration{[] {
    register_extra_keys(
        "model.kind", "two_layer",
        {{"model.width", "hidden units n (with ASI the network has 2n)", std::int64_t(64)},
         {"model.activation", "relu | abs", std::string("relu")},
         {"model.asi", "anti-symmetric initialization (duplicated hidden layer, f(., theta0) = 0)", true},
         {"model.train_input", "train the input layer (false: only the output layer and skip move)", true},
         {"model.skip", "skip connection u x + v (u = v = 0 at init)", false},
         {"model.skip_rate", "step size of the skip connection relative to the dynamics' step", 1.0},
         {"model.output_init", "uniform (U(-1/sqrt n, 1/sqrt n)) | zero (output weights and bias start at 0)",
          std::string("uniform")}});
    return ModelEntry{
        .name = "two_layer",
        .doc = "two-layer network on scalar inputs, standard parametrization; model.init = init law (uniform, gaussian, "
               "binary: models/init_laws.hpp), model.shape = [weight_scale, bias_scale]",
        .shape = PredictorShape::Samples,
        .uses = {"model.init", "model.shape"},
        .validate = [](const ModelParams& p, const TaskParams&, const ExtraParams& e) { (void)spec_of(p, e); },
        .build = [](const ModelParams& p, const ExtraParams& e, const Task& t) -> std::unique_ptr<Model> {
            const auto* pts = dynamic_cast<const PointRegression*>(&t);
            if (!pts) throw ConfigError("model.kind", "two_layer needs a task with scalar sample inputs (task.kind = points)");
            return std::make_unique<TwoLayerNetwork>(spec_of(p, e), pts->inputs());
        },
    };
}()};

}  // namespace
}  // namespace depthbias
