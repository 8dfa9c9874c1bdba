// Claim checks of the deep-net experiments (galanti.md section 3, claims 1-10): a registry of named checks
// (core/registry.hpp), each registered beside its code by a Registrar<ClaimCheckEntry>. An experiment lists the
// names it runs in `experiment.checks`; validation reads the registry (an unknown name, or a check of the other
// experiment kind, is a ConfigError naming experiment.checks and listing the registered names).
//
// Inputs: a sweep check reads the per-run records (RunRecord: the final per-layer NCC train / test accuracy and
// CDNV, the network's accuracies, the effective depths; built from each run's summary.json, or by hand in the
// tests); a bound check reads the per-value bound terms (BoundValue). Thresholds are fields of DeepExperiment
// (defaults: galanti.md section 3).
//
// Contract of a check (run/check_result.hpp): `pass` only when its inputs were measured and decide the claim.
// A run in its scope that did not complete, a value that is not finite, or data that cannot decide (too few
// depths / widths for the allowed violations, no fit run, a violation within the Monte Carlo interval) gives
// `not_evaluated` with the reason; `fail` when the measured data contradict the claim. Checks are pure functions
// (thread-safe); registration happens during static initialisation.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "depthbias/core/registry.hpp"
#include "depthbias/deepnets/experiments.hpp"
#include "depthbias/run/check_result.hpp"

namespace depthbias::deepnets {

// What a check reads of one run. Layer vectors are indexed 0..L-1 (layer i + 1).
struct RunRecord {
    std::string label, dir;
    double value = 0;  // the swept value
    std::int64_t seed = 0;
    std::int64_t depth = 0, width = 0;
    double corruption = 0;
    nlohmann::json summary;  // the run's summary.json ({"status": ...} at least)
    bool completed = false, diverged = false;
    std::vector<double> ncc_train, ncc_test, cdnv_train, cdnv_test;
    double net_train_acc = 0, net_test_acc = 0;
    std::optional<int> ed_first, ed_stays;

    double depth_or_unfit() const { return ed_first ? double(*ed_first) : double(depth + 1); }
};

// Fills the measured fields of `r` from r.summary (status, final block).
void fill_record(RunRecord& r);

// One value of the bound experiment (one depth, say): the terms of Prop. 1 as estimated (galanti.md section 1).
// Proportions over draws carry a two-sided confidence interval [lo, hi] at DeepExperiment::bound_confidence.
struct BoundValue {
    double value = 0;
    std::int64_t depth = 0;
    std::int64_t draws = 0;
    double first_term = 0, first_lo = 0, first_hi = 0;     // P[mean depth on S1 >= d_min(S1 + S2~p)]
    double noise_term = 0;                                  // (1 + alpha) p
    double delta1 = 0;                                      // assumed (not measurable): 0
    double delta2 = 0, delta2_lo = 0, delta2_hi = 0;        // Monte Carlo estimate of delta^2_{m,p,alpha}
    std::int64_t delta2_draws = 0;                          // draws that estimated delta2 (0: not estimated)
    double bound = 0;        // first_term + noise_term + delta1 + delta2 (point estimates)
    double bound_upper = 0;  // first_hi + noise_term + delta1 + delta2_hi
    double bound_lower = 0;  // first_lo + noise_term + delta1 + delta2_lo
    double test_error = 0;   // measured: mean over draws and seeds of the S1 networks' test error
    std::int64_t incomplete = 0;  // runs of this value that did not complete
};

struct ClaimCheckInputs {
    const std::vector<RunRecord>* runs = nullptr;      // sweep and bound
    const std::vector<BoundValue>* bound = nullptr;    // bound experiments only
};

struct ClaimCheckEntry {
    std::string name;             // as listed in experiment.checks
    std::string claim;            // galanti.md section 3 claim number
    std::string experiment_kind;  // sweep | bound
    std::string doc;
    std::function<CheckResult(const DeepExperiment&, const ClaimCheckInputs&)> evaluate;
};
using ClaimCheckRegistry = Registry<ClaimCheckEntry>;

// Validates experiment.checks against the registry and the experiment's kind (ConfigError naming the key).
void validate_claim_checks(const DeepExperiment& e);
// Evaluates e.checks in order.
std::vector<CheckResult> evaluate_claim_checks(const DeepExperiment& e, const ClaimCheckInputs& in);

// Two-sided Clopper-Pearson interval for k successes in n trials at `confidence` (Boost.Math beta quantiles).
std::pair<double, double> clopper_pearson(std::int64_t k, std::int64_t n, double confidence);

// Helpers shared by the check files (claim_checks.cpp).
namespace claim_check_detail {
struct Scope {
    std::vector<std::string> labels;
    std::string incomplete;  // "'L3-seed0' (diverged), ..." or ""
};
Scope scope_of(const std::vector<RunRecord>& runs, const std::function<bool(const RunRecord&)>& in_scope);
CheckResult result(const std::string& name, const std::string& claim, bool pass, const std::string& detail,
                   const Scope& sc);
CheckResult not_evaluated(const std::string& name, const std::string& claim, const std::string& why, const Scope& sc);
std::string fmt(double v, int prec = 4);
}  // namespace claim_check_detail

}  // namespace depthbias::deepnets
