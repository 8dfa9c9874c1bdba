#include "depthbias/tasks/task.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "depthbias/tasks/fourier.hpp"

namespace depthbias {

double reconstruction_error(const Mat& beta, const Mat& target) {
    const double denom = target.squaredNorm();
    return (beta - target).squaredNorm() / (denom > 0 ? denom : 1.0);
}

double Task::test_error(const Predictor& p) const { return reconstruction_error(p); }
double Task::reconstruction_error(const Predictor& p) const { return depthbias::reconstruction_error(p.beta, target()); }

std::vector<double> Task::target_spectrum() const {
    std::vector<double> s = spectrum(target(), spectrum_kind(), std::min(target().rows(), target().cols()));
    if (spectrum_kind() == SpectrumKind::SingularValues)
        s.erase(std::remove_if(s.begin(), s.end(), [&](double v) { return v <= 1e-12 * (s.empty() ? 1 : s[0]); }),
                s.end());
    return s;
}

const std::vector<double>& SpectrumWorkspace::compute(const Mat& beta) {
    out_.clear();
    if (kind_ == SpectrumKind::Coordinates) {
        const Index n = std::min<Index>(k_, beta.size());
        out_.assign(beta.data(), beta.data() + n);
        return out_;
    }
    if (kind_ == SpectrumKind::AbsCoordinates || kind_ == SpectrumKind::FourierAmplitudes) {
        if (kind_ == SpectrumKind::AbsCoordinates)
            all_.assign(beta.data(), beta.data() + beta.size());
        else
            fourier_amplitudes(beta, all_);
        for (double& v : all_) v = std::abs(v);
        const Index n = std::min<Index>(k_, Index(all_.size()));
        std::partial_sort(all_.begin(), all_.begin() + n, all_.end(), std::greater<double>());
        out_.assign(all_.begin(), all_.begin() + n);
        return out_;
    }
    // Singular values from the eigenvalues of the smaller Gram matrix: several times faster than an SVD and
    // accurate to ~1e-16 * sigma_max^2 in sigma^2, ample for the values we plot and threshold.
    const bool tall = beta.rows() >= beta.cols();
    const Index m = tall ? beta.cols() : beta.rows();
    if (gram_.rows() != m) {  // (the solver sizes its buffers at its first compute() and reuses them after)
        gram_.resize(m, m);
        out_.reserve(size_t(m));
    }
    if (tall)
        gram_.noalias() = beta.transpose() * beta;
    else
        gram_.noalias() = beta * beta.transpose();
    eigen_.compute(gram_, Eigen::EigenvaluesOnly);
    const Vec& ev = eigen_.eigenvalues();  // ascending
    const Index n = std::min<Index>(k_, ev.size());
    for (Index i = 0; i < n; ++i) out_.push_back(std::sqrt(std::max(0.0, ev(ev.size() - 1 - i))));
    return out_;
}

std::vector<double> spectrum(const Mat& beta, SpectrumKind kind, Index k) {
    SpectrumWorkspace ws(kind, k);  // one implementation: per-step observers keep a workspace, others make one
    return ws.compute(beta);
}

}  // namespace depthbias
