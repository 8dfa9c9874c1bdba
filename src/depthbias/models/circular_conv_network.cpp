#include "depthbias/models/circular_conv_network.hpp"

#include <cmath>

#include "depthbias/core/error.hpp"
#include "depthbias/models/model_registry.hpp"

namespace depthbias {

CircularConvNetwork::CircularConvNetwork(Index d, int depth, double init_scale)
    : d_(d), depth_(depth), scale_(init_scale) {
    if (depth < 1) throw ConfigError("model.depth", "must be at least 1, got " + std::to_string(depth));
    if (!(init_scale > 0) || !std::isfinite(init_scale))
        throw ConfigError("model.init_scale", "must be finite and > 0, got " + std::to_string(init_scale));
    fft_ = std::make_unique<RealFft>(d);
    spectra_.assign(size_t(depth), CVec(fft_->bins()));
    suffixes_.assign(size_t(depth) + 1, CVec(fft_->bins()));
    prefix_.resize(fft_->bins());
    work_.resize(fft_->bins());
    grad_spectrum_.resize(fft_->bins());
}

Vec CircularConvNetwork::initialize(Rng& rng, const Task& task) const {
    if (task.rows() != d_ || task.cols() != 1)
        throw ConfigError("model.kind", "a circular-convolutional network needs a vector task predictor of length d");
    const double std = std::pow(scale_, 1.0 / depth_) / std::sqrt(double(d_));
    return rng.normal_matrix(num_params(), 1, std).col(0);
}

void CircularConvNetwork::predictor(const Vec& theta, Predictor& out) {
    for (int k = 0; k < depth_; ++k) fft_->forward(theta.data() + Index(k) * d_, spectra_[size_t(k)]);
    work_ = spectra_[0];
    for (int k = 1; k < depth_; ++k) work_.array() *= spectra_[size_t(k)].array();
    fft_->inverse(work_, out.beta.data());
    out.beta /= double(d_);
    out.offset = 0;
}

void CircularConvNetwork::pullback(const Vec&, const Predictor& grad, Vec& g) {
    // beta = F*(P_k . F x_k)/d with F the DFT and P_k the product of the other blocks' spectra, so
    // dL/dx_k = F*(conj(P_k) . F g)/d (Hermitian-symmetric, hence a c2r of the half spectrum).
    CVec& gh = grad_spectrum_;
    fft_->forward(grad.beta.data(), gh);
    suffixes_[size_t(depth_)].setOnes();
    for (int k = depth_ - 1; k >= 0; --k)
        suffixes_[size_t(k)] = suffixes_[size_t(k + 1)].cwiseProduct(spectra_[size_t(k)]);
    prefix_.setOnes();
    for (int k = 0; k < depth_; ++k) {
        work_ = (prefix_.cwiseProduct(suffixes_[size_t(k + 1)])).conjugate().cwiseProduct(gh);
        fft_->inverse(work_, g.data() + Index(k) * d_);
        g.segment(Index(k) * d_, d_) /= double(d_);
        prefix_.array() *= spectra_[size_t(k)].array();
    }
}

}  // namespace depthbias

namespace depthbias {
namespace {

const Registrar<ModelEntry> registration{{
    .name = "circular_conv",
    .doc = "N-layer circular-convolutional network (FFTW): beta = w_N * ... * w_1",
    .shape = PredictorShape::Vector,
    .uses = {},
    .validate = {},
    .build = [](const ModelParams& p, const ExtraParams&, const Task& t) -> std::unique_ptr<Model> {
        return std::make_unique<CircularConvNetwork>(t.rows(), int(p.depth), p.init_scale);
    },
}};

}  // namespace
}  // namespace depthbias
