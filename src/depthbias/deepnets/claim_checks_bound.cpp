// Claim 10 of galanti.md section 3 (bound sanity) as registered claim checks of the bound experiment (contract:
// claim_checks.hpp). They read the per-value terms (BoundValue): bound = first term + (1 + alpha) p + delta1 +
// delta2 with the point estimates, bound_upper with the upper Clopper-Pearson limits of the first term and delta2
// (delta1 is an assumption, 0 in both).
//   bound_valid: pass when the measured test error <= bound at every value; fail when it exceeds bound_upper at
//     some value (violated even with the Monte Carlo terms at their upper limits); otherwise not evaluated (the
//     violation lies within the Monte Carlo uncertainty).
//   bound_non_vacuous: pass when bound_upper < bound_vacuous everywhere; fail when bound >= bound_vacuous
//     somewhere; otherwise not evaluated.
//   bound_depth_stable: the bound spreads by <= bound_depth_spread across the depths of the values, decided on the
//     Monte Carlo intervals [bound_lower, bound_upper]: pass when even the widest spread the intervals allow
//     (max upper - min lower) is within it; fail when even the narrowest (max lower - min upper) exceeds it;
//     otherwise not evaluated (the point spread is reported). Needs two or more depths.
// A value with runs that did not complete makes every check not evaluated.
#include <algorithm>
#include <cmath>

#include "depthbias/deepnets/claim_checks.hpp"

namespace depthbias::deepnets {
namespace {
using namespace claim_check_detail;

Scope all_runs(const ClaimCheckInputs& in) {
    return scope_of(*in.runs, [](const RunRecord&) { return true; });
}

std::string describe(const BoundValue& b) {
    return "L=" + std::to_string(b.depth) + ": bound " + fmt(b.bound) + " (upper " + fmt(b.bound_upper) +
           ") = first " + fmt(b.first_term) + " + (1+alpha)p " + fmt(b.noise_term) + " + delta1 " + fmt(b.delta1) +
           " + delta2 " + fmt(b.delta2) + (b.delta2_draws ? "" : " (not estimated)") + "; test error " +
           fmt(b.test_error) + " (bound - error " + fmt(b.bound - b.test_error) + ")";
}

// Shared shape: per-value verdicts (1 pass, 0 fail, -1 undecided) -> one result.
template <class Verdict>
CheckResult per_value(const char* name, const ClaimCheckInputs& in, Verdict verdict) {
    const Scope sc = all_runs(in);
    if (!in.bound || in.bound->empty()) return not_evaluated(name, "10", "no bound values", sc);
    std::string detail;
    int fails = 0, undecided = 0;
    for (const auto& b : *in.bound) {
        if (b.incomplete) return not_evaluated(name, "10", std::to_string(b.incomplete) + " runs did not complete", sc);
        const int v = verdict(b);
        fails += v == 0;
        undecided += v < 0;
        detail += (detail.empty() ? "" : "; ") + describe(b) +
                  (v > 0 ? " [ok]" : v == 0 ? " [contradicts]" : " [within the Monte Carlo interval]");
    }
    if (fails) return result(name, "10", false, detail, sc);
    if (undecided) return not_evaluated(name, "10", "inconclusive: " + detail, sc);
    return result(name, "10", true, detail, sc);
}

CheckResult check_bound_valid(const DeepExperiment&, const ClaimCheckInputs& in) {
    return per_value("bound_valid", in, [](const BoundValue& b) {
        if (b.test_error <= b.bound) return 1;
        if (b.test_error > b.bound_upper) return 0;
        return -1;
    });
}

CheckResult check_bound_non_vacuous(const DeepExperiment& e, const ClaimCheckInputs& in) {
    return per_value("bound_non_vacuous", in, [&](const BoundValue& b) {
        if (b.bound_upper < e.bound_vacuous) return 1;
        if (b.bound >= e.bound_vacuous) return 0;
        return -1;
    });
}

CheckResult check_bound_depth_stable(const DeepExperiment& e, const ClaimCheckInputs& in) {
    const char* name = "bound_depth_stable";
    const Scope sc = all_runs(in);
    if (!in.bound) return not_evaluated(name, "10", "no bound values", sc);
    double lo = 1e300, hi = -1e300;              // point estimates
    double min_upper = 1e300, max_upper = -1e300;  // interval ends
    double min_lower = 1e300, max_lower = -1e300;
    std::vector<std::int64_t> depths;
    std::string detail;
    for (const auto& b : *in.bound) {
        if (b.incomplete) return not_evaluated(name, "10", std::to_string(b.incomplete) + " runs did not complete", sc);
        if (std::find(depths.begin(), depths.end(), b.depth) == depths.end()) depths.push_back(b.depth);
        lo = std::min(lo, b.bound);
        hi = std::max(hi, b.bound);
        min_upper = std::min(min_upper, b.bound_upper);
        max_upper = std::max(max_upper, b.bound_upper);
        min_lower = std::min(min_lower, b.bound_lower);
        max_lower = std::max(max_lower, b.bound_lower);
        detail += (detail.empty() ? "" : ", ") + std::string("L=") + std::to_string(b.depth) + ": " + fmt(b.bound) +
                  " [" + fmt(b.bound_lower) + ", " + fmt(b.bound_upper) + "]";
    }
    if (depths.size() < 2)
        return not_evaluated(name, "10", "needs bound values at two or more depths (vary model.depth): " + detail, sc);
    const double widest = max_upper - min_lower, narrowest = max_lower - min_upper;
    const std::string text = "bound " + detail + ": point spread " + fmt(hi - lo) + ", spread within the intervals " +
                             fmt(std::max(0.0, narrowest)) + " to " + fmt(widest) + " (<= " + fmt(e.bound_depth_spread) +
                             " required)";
    if (widest <= e.bound_depth_spread) return result(name, "10", true, text, sc);
    if (narrowest > e.bound_depth_spread) return result(name, "10", false, text, sc);
    return not_evaluated(name, "10", "inconclusive: " + text, sc);
}

const Registrar<ClaimCheckEntry> reg_valid{{"bound_valid", "10", "bound",
    "measured test error <= bound (fail only when above the bound with the Monte Carlo terms at their upper limits)",
    check_bound_valid}};
const Registrar<ClaimCheckEntry> reg_vacuous{{"bound_non_vacuous", "10", "bound",
    "bound < bound_vacuous (pass only when its upper limit is)", check_bound_non_vacuous}};
const Registrar<ClaimCheckEntry> reg_stable{{"bound_depth_stable", "10", "bound",
    "the bound spreads by <= bound_depth_spread across depths (decided on the Monte Carlo intervals)",
    check_bound_depth_stable}};

}  // namespace
}  // namespace depthbias::deepnets
