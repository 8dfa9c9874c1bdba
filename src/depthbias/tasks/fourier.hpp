// Real FFTs of length d through FFTW (r2c / c2r, unnormalized: c2r(r2c(x)) = d x).
// RealFft owns its plans and buffers (no allocation per call); plan creation is serialized by a global mutex
// because FFTW's planner is not thread-safe, execution is.
#pragma once
#include <complex>
#include <vector>

#include "depthbias/core/types.hpp"

namespace depthbias {

using CVec = Eigen::VectorXcd;

class RealFft {
public:
    explicit RealFft(Index n);
    ~RealFft();
    RealFft(const RealFft&) = delete;
    RealFft& operator=(const RealFft&) = delete;
    Index size() const { return n_; }
    Index bins() const { return n_ / 2 + 1; }
    void forward(const double* in, CVec& out);  // out: bins() values
    void inverse(const CVec& in, double* out);  // unnormalized: inverse(forward(x)) = n x

private:
    Index n_;
    double* real_;
    void* complex_;  // fftw_complex*
    void* fwd_;      // fftw_plan
    void* inv_;
};

// |rfft(beta)| of a vector predictor, one value per bin (d/2 + 1 bins). Plans are cached per size and thread.
std::vector<double> fourier_amplitudes(const Mat& beta);
// The same into `out` (resized to the bins; no allocation once it has that size and the plan exists).
void fourier_amplitudes(const Mat& beta, std::vector<double>& out);

}  // namespace depthbias
