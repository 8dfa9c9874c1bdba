// Circular-convolutional linear network of depth N (gissin.md 3.4, Appendix G): N-1 circular convolution layers
// with kernels w_1..w_{N-1} in R^d, then a dense layer v in R^d. The induced predictor is
//   beta = w_1 (*) ... (*) w_{N-1} (*) v   (circular convolution, length d),  i.e.  rfft(beta) = prod_k rfft(x_k),
// evaluated through FFTW. theta = [w_1; ...; w_{N-1}; v] (N blocks of d). N = 1 is the linear model beta = v.
// Gradient: dL/dx_k = g (star) (conv of the others) = irfft(rfft(g) * conj(prod_{l != k} rfft(x_l))).
// Init-scale convention ("init_scale" = s): every entry iid N(0, s^{2/N} / d), so E||beta(0)||_2^2 = s^2.
// The authors' std (1.5 init)^{1/N} d^{(N-1)/(2N)} / d corresponds to s = 1.5 init / sqrt(d).
// (The authors' conv1d is a cross-correlation; it induces the reversed kernel, the same function class.)
#pragma once
#include <memory>

#include "depthbias/models/model.hpp"
#include "depthbias/tasks/fourier.hpp"

namespace depthbias {

class CircularConvNetwork final : public Model {
public:
    CircularConvNetwork(Index d, int depth, double init_scale);
    std::string name() const override { return "circular_conv"; }
    Index num_params() const override { return Index(depth_) * d_; }
    int depth() const override { return depth_; }
    Vec initialize(Rng& rng, const Task& task) const override;
    void predictor(const Vec& theta, Predictor& out) override;
    void pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) override;

private:
    Index d_;
    int depth_;
    double scale_;
    std::unique_ptr<RealFft> fft_;
    std::vector<CVec> spectra_;  // rfft of each block at the last predictor() call
    CVec prefix_, work_, grad_spectrum_;
    std::vector<CVec> suffixes_;
};

}  // namespace depthbias
