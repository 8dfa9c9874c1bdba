// Incremental-learning test and depth-separation thresholds of the toy flow (see depth_separation.hpp).
#include "depthbias/analysis/depth_separation.hpp"

#include "depthbias/analysis/toy_theory.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace depthbias::theory {
namespace {

[[noreturn]] void bad(const std::string& name, const std::string& what, double value) {
    throw std::invalid_argument("depthbias::theory: argument '" + name + "' " + what + " (got " +
                                std::to_string(value) + ")");
}

void check_pair(int N, double si, double sj, double eps) {
    if (N < 1) bad("N", "must be >= 1", N);
    if (!std::isfinite(si)) bad("si", "must be finite", si);
    if (!std::isfinite(sj)) bad("sj", "must be finite", sj);
    if (!std::isfinite(eps)) bad("eps", "must be finite", eps);
    if (!(sj > 0)) bad("sj", "must be > 0", sj);
    if (!(si > sj)) bad("si", "must be > sj", si);
    if (!(eps > 0 && eps < 0.5)) bad("eps", "must lie in (0, 0.5)", eps);
}

constexpr double kMinSigma0 = 1e-300;

}  // namespace

bool pair_incremental(int N, double si, double sj, double sigma0, double eps) {
    check_pair(N, si, sj, eps);
    if (!std::isfinite(sigma0)) bad("sigma0", "must be finite", sigma0);
    if (!(sigma0 > 0)) bad("sigma0", "must be > 0", sigma0);
    if (!(sigma0 < sj)) bad("sigma0", "must be < sj", sigma0);
    if (sigma0 >= eps * sj) return false;
    return learning_time(N, sj, sigma0, eps) >= learning_time(N, si, sigma0, 1.0 - eps);
}

double threshold_sigma0(int N, double si, double sj, double eps) {
    check_pair(N, si, sj, eps);
    if (N == 1) return 0.0;
    if (eps * sj <= kMinSigma0) return 0.0;  // the whole bracket lies below 1e-300
    if (!pair_incremental(N, si, sj, kMinSigma0, eps)) return 0.0;
    double lo = std::log(kMinSigma0);  // incremental
    double hi = std::log(eps * sj);    // not incremental (t_j(eps) = 0 < t_i(1-eps))
    while (hi - lo > 1e-11) {
        const double mid = 0.5 * (lo + hi);
        if (pair_incremental(N, si, sj, std::exp(mid), eps)) lo = mid; else hi = mid;
    }
    return std::exp(lo);
}

double log10_threshold_sigma0(int N, double si, double sj, double eps, bool* approximate) {
    if (approximate) *approximate = false;
    const double t = threshold_sigma0(N, si, sj, eps);  // checks the arguments
    if (t > 0) return std::log10(t);
    if (N == 1) return -std::numeric_limits<double>::infinity();
    const double r = sj / si;
    if (N == 2)
        return ((1.0 + r) * std::log(eps / (1.0 - eps)) + std::log(sj) - r * std::log(si)) / (1.0 - r) / std::log(10.0);
    if (approximate) *approximate = true;
    const double Nd = static_cast<double>(N);
    return std::log10(eps * sj) + Nd / (Nd - 2.0) * std::log10(1.0 - r);
}

double threshold_closed_form_depth2(double si, double sj, double eps) {
    check_pair(2, si, sj, eps);
    const double r = sj / si;
    const double lg = ((1.0 + r) * std::log(eps / (1.0 - eps)) + std::log(sj) - r * std::log(si)) / (1.0 - r);
    return std::exp(lg);
}

double threshold_approx(int N, double si, double sj, double eps) {
    check_pair(N, si, sj, eps);
    if (N == 1) return 0.0;
    if (N == 2) return threshold_closed_form_depth2(si, sj, eps);
    const double r = sj / si;
    const double Nd = static_cast<double>(N);
    return eps * sj * std::pow(1.0 - r, Nd / (Nd - 2.0));
}

std::vector<SeparationRow> depth_separation_table(const std::vector<int>& depths,
                                                  const std::vector<double>& ratios, double eps) {
    std::vector<SeparationRow> rows;
    rows.reserve(ratios.size());
    for (double r : ratios) {
        if (!std::isfinite(r) || !(r > 0 && r < 1)) bad("ratios", "entries must lie in (0,1)", r);
        SeparationRow row{r, {}};
        row.log10_threshold.reserve(depths.size());
        for (int N : depths) row.log10_threshold.push_back(log10_threshold_sigma0(N, 1.0, r, eps));
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace depthbias::theory
