// Incremental learning of the decoupled toy flow and the "dynamical depth separation"
// (papers/gissin.md section 2.2; ODE and conventions in toy_theory.hpp).
//
// Working definition (W-IL): two components with targets si > sj > 0, both started at sigma0,
// are eps-incremental when component j is still below eps*sj when component i reaches (1-eps)*si:
//     t_j(eps) >= t_i(1 - eps)         (t_k(alpha) = learning_time(N, s_k, sigma0, alpha, c)).
// Every quantity here is independent of the rate constant c (it only rescales time), and
// 0 < eps < 1/2 is required. Bad arguments throw std::invalid_argument naming the argument.
#pragma once
#include <vector>

namespace depthbias::theory {

// The W-IL test for targets si > sj > 0 and 0 < sigma0 < sj. If sigma0 >= eps*sj the component j
// starts beyond eps*sj and the pair is not incremental (false).
bool pair_incremental(int N, double si, double sj, double sigma0, double eps);

// Largest sigma0 for which the pair is eps-incremental: bisection on ln(sigma0) over
// [1e-300, eps*sj), using pair_incremental itself as the predicate (the gap t_j(eps) - t_i(1-eps)
// is strictly decreasing in sigma0, so the incremental set is an interval (0, threshold]).
// Accuracy: the bracket is narrowed to 1e-11 in ln(sigma0), i.e. ~1e-11 relative; the returned
// value is the lower bracket end, so pair_incremental(N, si, sj, threshold, eps) is true.
// Returns 0.0 when no sigma0 in [1e-300, eps*sj) is incremental (or the bracket is empty), in particular always for N = 1
// (the linear model learns every component on the same time scale and is never incremental for
// eps < 1/2), and for N = 2 when the threshold is below 1e-300 (r = sj/si close to 1).
double threshold_sigma0(int N, double si, double sj, double eps);

// log10 of the threshold, also where it is below double range (the toy's thresholds are log quantities):
// threshold_sigma0 when it is >= 1e-300; for N = 2 below that, the closed form in log space, which is exact there
// (the W-IL condition is linear in ln sigma0 once sigma0 << sj; relative error ~sigma0/sj); -inf for N = 1
// (never incremental). For N >= 3 below 1e-300 (r within ~1e-100 of 1) the leading-order approximation's log,
// with `approximate` set.
double log10_threshold_sigma0(int N, double si, double sj, double eps, bool* approximate = nullptr);

// Depth 2, dropping the "-1" of the logistic learning time (gissin.md section 2.2):
//   [ (eps/(1-eps))^(1+r) * sj / si^r ]^(1/(1-r)),  r = sj/si.
// Computed in log space; underflows to 0 (or a subnormal) for thresholds below ~1e-308.
double threshold_closed_form_depth2(double si, double sj, double eps);

// The section 2.2 approximations: N = 2 -> threshold_closed_form_depth2; N >= 3 ->
// eps * sj * (1-r)^(N/(N-2)) (leading order in small eps); N = 1 -> 0.0 (never incremental).
double threshold_approx(int N, double si, double sj, double eps);

// One row of the depth-separation table: targets (1, ratio), log10_threshold_sigma0 per depth
// (-inf for N = 1; below double range still a finite log10).
struct SeparationRow {
    double ratio;
    std::vector<double> log10_threshold;
};

// Rows in the order of `ratios` (each in (0,1)), columns in the order of `depths`.
std::vector<SeparationRow> depth_separation_table(const std::vector<int>& depths,
                                                  const std::vector<double>& ratios, double eps);

}  // namespace depthbias::theory
