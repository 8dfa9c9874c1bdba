#include "depthbias/models/diagonal_network.hpp"

#include <algorithm>
#include <cmath>

#include "depthbias/core/error.hpp"
#include "depthbias/models/model_registry.hpp"

namespace depthbias {

std::vector<ParamBlock> DiagonalNetwork::blocks() const {
    std::vector<ParamBlock> b;
    const Index n = num_params() / d_;
    for (Index k = 0; k < n; ++k)
        b.push_back({form_ == DiagonalForm::PowerPm ? (k == 0 ? "u+" : "u-")
                     : form_ == DiagonalForm::Power ? "u"
                                                    : "w" + std::to_string(k + 1),
                     k * d_, d_});
    return b;
}

}  // namespace depthbias

namespace depthbias {
namespace {
// out = u^k elementwise by repeated multiplication (Eigen's .pow() goes through std::pow, several times slower);
// `out` is a preallocated workspace, so a step does not allocate. u^k entrywise as 1 * u * u * ... (k factors, left to right; 1 * u is exact), the same products in the same order
// for every k: bit-identical to k whole-vector passes, which were 10% of the omp preset's step (issue 10). For
// k <= 8 the power is unrolled at compile time so each entry stays in a register (one load, one store).
template <int K>
void ipow_fixed(const double* u, Index n, double* out) {
    for (Index j = 0; j < n; ++j) {
        double p = u[j];
        for (int i = 1; i < K; ++i) p *= u[j];
        out[j] = p;
    }
}

template <class A>
const Vec& ipow(const A& u, int k, Vec& out) {
    const double* up = u.data();
    const Index n = out.size();
    switch (k) {
        case 0: out.setOnes(); break;
        case 1: ipow_fixed<1>(up, n, out.data()); break;
        case 2: ipow_fixed<2>(up, n, out.data()); break;
        case 3: ipow_fixed<3>(up, n, out.data()); break;
        case 4: ipow_fixed<4>(up, n, out.data()); break;
        case 5: ipow_fixed<5>(up, n, out.data()); break;
        case 6: ipow_fixed<6>(up, n, out.data()); break;
        case 7: ipow_fixed<7>(up, n, out.data()); break;
        case 8: ipow_fixed<8>(up, n, out.data()); break;
        default:
            out.setOnes();
            for (int i = 0; i < k; ++i) out.array() *= u;
    }
    return out;
}
}  // namespace

DiagonalForm parse_diagonal_form(const std::string& s) {
    if (s == "diagonal") return DiagonalForm::PowerPm;
    if (s == "diagonal_power") return DiagonalForm::Power;
    if (s == "diagonal_product") return DiagonalForm::Product;
    throw ConfigError("model.kind", "'" + s + "' is not a diagonal form (diagonal, diagonal_power, diagonal_product)");
}

DiagonalNetwork::DiagonalNetwork(Index d, int depth, DiagonalForm form, double init_scale, std::vector<double> shape)
    : d_(d), depth_(depth), form_(form), scale_(init_scale), shape_(std::move(shape)) {
    if (depth < 1) throw ConfigError("model.depth", "must be at least 1, got " + std::to_string(depth));
    if (!(init_scale > 0) || !std::isfinite(init_scale))
        throw ConfigError("model.init_scale", "must be finite and > 0, got " + std::to_string(init_scale));
    work_a_.resize(d);
    work_b_.resize(d);
    if (shape_.empty()) shape_.assign(shape_size(), 1.0);
    if (shape_.size() != shape_size())
        throw ConfigError("model.shape", "the " + name() + " form of depth " + std::to_string(depth) + " takes " +
                                             std::to_string(shape_size()) + " multipliers, got " +
                                             std::to_string(shape_.size()));
    for (double a : shape_)
        if (!(a >= 0) || !std::isfinite(a))
            throw ConfigError("model.shape", "multipliers must be finite and >= 0, got " + std::to_string(a));
}

size_t DiagonalNetwork::shape_size() const {
    switch (form_) {
        case DiagonalForm::PowerPm: return 2;
        case DiagonalForm::Power: return 1;
        case DiagonalForm::Product: return size_t(depth_);
    }
    return 1;
}

std::string DiagonalNetwork::name() const {
    switch (form_) {
        case DiagonalForm::PowerPm: return "diagonal";
        case DiagonalForm::Power: return "diagonal_power";
        case DiagonalForm::Product: return "diagonal_product";
    }
    return "diagonal";
}

Index DiagonalNetwork::num_params() const {
    switch (form_) {
        case DiagonalForm::PowerPm: return 2 * d_;
        case DiagonalForm::Power: return d_;
        case DiagonalForm::Product: return Index(depth_) * d_;
    }
    return 0;
}

Vec DiagonalNetwork::initialize(Rng&, const Task& task) const {
    if (task.rows() != d_ || task.cols() != 1)
        throw ConfigError("model.kind", "a diagonal network needs a vector task predictor of length d");
    Vec theta(num_params());
    const double base = std::pow(scale_, 1.0 / depth_);
    for (size_t b = 0; b < shape_.size(); ++b) theta.segment(Index(b) * d_, d_).setConstant(shape_[b] * base);
    return theta;
}

void DiagonalNetwork::predictor(const Vec& theta, Predictor& out) {
    auto b = out.beta.col(0).array();
    const int n = depth_;
    switch (form_) {
        case DiagonalForm::PowerPm: b = ipow(theta.head(d_).array(), n, work_a_).array() - ipow(theta.tail(d_).array(), n, work_b_).array(); break;
        case DiagonalForm::Power: b = ipow(theta.array(), n, work_a_).array(); break;
        case DiagonalForm::Product:
            b = theta.head(d_).array();
            for (int k = 1; k < n; ++k) b *= theta.segment(Index(k) * d_, d_).array();
            break;
    }
    out.offset = 0.0;
}

void DiagonalNetwork::pullback(const Vec& theta, const Predictor& grad, Vec& g) {
    const auto gb = grad.beta.col(0).array();
    const int n = depth_;
    switch (form_) {
        case DiagonalForm::PowerPm:
            g.head(d_).array() = double(n) * ipow(theta.head(d_).array(), n - 1, work_a_).array() * gb;
            g.tail(d_).array() = -double(n) * ipow(theta.tail(d_).array(), n - 1, work_b_).array() * gb;
            break;
        case DiagonalForm::Power: g.array() = double(n) * ipow(theta.array(), n - 1, work_a_).array() * gb; break;
        case DiagonalForm::Product:
            for (int k = 0; k < n; ++k) {
                auto gk = g.segment(Index(k) * d_, d_).array();
                gk = gb;
                for (int l = 0; l < n; ++l)
                    if (l != k) gk *= theta.segment(Index(l) * d_, d_).array();
            }
            break;
    }
}

std::optional<double> DiagonalNetwork::invariant_drift(const Vec& theta, const Vec& theta0) const {
    if (form_ != DiagonalForm::Product || depth_ < 2) return std::nullopt;
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

namespace depthbias {
namespace {

std::unique_ptr<Model> build_diagonal(const ModelParams& p, const ExtraParams&, const Task& t) {
    return std::make_unique<DiagonalNetwork>(t.rows(), int(p.depth), parse_diagonal_form(p.kind), p.init_scale, p.shape);
}

const Registrar<ModelEntry> diagonal{{
    .name = "diagonal",
    .doc = "beta = u+^N - u-^N; unbiased init u+(0) = u-(0) = init_scale^(1/N) (model.shape = [a+, a-] multipliers)",
    .shape = PredictorShape::Vector,
    .uses = {"model.shape"},
    .validate = {},
    .build = build_diagonal,
}};

const Registrar<ModelEntry> diagonal_power{{
    .name = "diagonal_power",
    .doc = "beta = u^N, u(0) = a init_scale^(1/N) (model.shape = [a])",
    .shape = PredictorShape::Vector,
    .uses = {"model.shape"},
    .validate = {},
    .build = build_diagonal,
}};

const Registrar<ModelEntry> diagonal_product{{
    .name = "diagonal_product",
    .doc = "beta_i = prod_k w_k,i, w_k(0) = a_k init_scale^(1/N) (model.shape = N multipliers)",
    .shape = PredictorShape::Vector,
    .uses = {"model.shape"},
    .validate = {},
    .build = build_diagonal,
    .stored_numbers = {},
    .product_rate = true,
}};

}  // namespace
}  // namespace depthbias
