#include "depthbias/tasks/fourier.hpp"

#include <map>
#include <memory>

#include <fftw3.h>
#include <mutex>

namespace depthbias {
namespace {
std::mutex& planner_mutex() {
    static std::mutex m;
    return m;
}
}  // namespace

RealFft::RealFft(Index n) : n_(n) {
    std::lock_guard<std::mutex> lock(planner_mutex());
    real_ = fftw_alloc_real(size_t(n));
    complex_ = fftw_alloc_complex(size_t(n / 2 + 1));
    fwd_ = fftw_plan_dft_r2c_1d(int(n), real_, static_cast<fftw_complex*>(complex_), FFTW_ESTIMATE);
    inv_ = fftw_plan_dft_c2r_1d(int(n), static_cast<fftw_complex*>(complex_), real_, FFTW_ESTIMATE);
}

RealFft::~RealFft() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    fftw_destroy_plan(static_cast<fftw_plan>(fwd_));
    fftw_destroy_plan(static_cast<fftw_plan>(inv_));
    fftw_free(real_);
    fftw_free(complex_);
}

void RealFft::forward(const double* in, CVec& out) {
    std::copy(in, in + n_, real_);
    fftw_execute(static_cast<fftw_plan>(fwd_));
    const auto* c = static_cast<fftw_complex*>(complex_);
    for (Index k = 0; k < bins(); ++k) out(k) = {c[k][0], c[k][1]};
}

void RealFft::inverse(const CVec& in, double* out) {
    auto* c = static_cast<fftw_complex*>(complex_);
    for (Index k = 0; k < bins(); ++k) {
        c[k][0] = in(k).real();
        c[k][1] = in(k).imag();
    }
    fftw_execute(static_cast<fftw_plan>(inv_));  // c2r destroys its input: we copied it in
    std::copy(real_, real_ + n_, out);
}

void fourier_amplitudes(const Mat& beta, std::vector<double>& a) {
    // One plan per size and thread, made once: observers call this every step (planning and the plan's buffers
    // cost ~20x the transform itself at d = 100).
    thread_local std::map<Index, std::unique_ptr<RealFft>> plans;
    thread_local CVec c;
    auto it = plans.find(beta.size());  // (find first: operator[] would build a map node per call)
    if (it == plans.end()) it = plans.emplace(beta.size(), std::make_unique<RealFft>(beta.size())).first;
    RealFft& fft = *it->second;
    c.resize(fft.bins());
    fft.forward(beta.data(), c);
    a.resize(size_t(c.size()));
    for (Index k = 0; k < c.size(); ++k) a[size_t(k)] = std::abs(c(k));
}

std::vector<double> fourier_amplitudes(const Mat& beta) {
    std::vector<double> a;
    fourier_amplitudes(beta, a);
    return a;
}

}  // namespace depthbias
