// Claims 1-4 and 7 of galanti.md section 3 (moved from experiments.cpp, unchanged in substance), the claim-check
// registry's helpers and the Clopper-Pearson interval. Contract: claim_checks.hpp.
#include "depthbias/deepnets/claim_checks.hpp"

#include <boost/math/distributions/beta.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "depthbias/core/error.hpp"

namespace depthbias::deepnets {
using nlohmann::json;

namespace {

std::optional<int> parse_depth(const json& j) {
    if (j.is_number_integer()) return j.get<int>();
    return std::nullopt;
}

double get_or_nan(const json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

}  // namespace

void fill_record(RunRecord& r) {
    const json& s = r.summary;
    r.completed = s.value("status", "") == "completed";
    r.diverged = s.value("status", "") == "diverged";
    if (!r.completed) return;
    const json& f = s["final"];
    r.net_train_acc = get_or_nan(f["network_train_acc"]);
    r.net_test_acc = get_or_nan(f["network_test_acc"]);
    r.ed_first = parse_depth(f["effective_depth"]["first"]);
    r.ed_stays = parse_depth(f["effective_depth"]["stays"]);
    for (const auto& l : f["layers"]) {
        r.ncc_train.push_back(get_or_nan(l["ncc_train_acc"]));
        r.ncc_test.push_back(get_or_nan(l["ncc_test_acc"]));
        r.cdnv_train.push_back(get_or_nan(l["cdnv_train"]));
        r.cdnv_test.push_back(get_or_nan(l["cdnv_test"]));
    }
}

void validate_claim_checks(const DeepExperiment& e) {
    for (const auto& c : e.checks) {
        const ClaimCheckEntry& entry = ClaimCheckRegistry::instance().get("experiment.checks", c);
        if (entry.experiment_kind != e.kind)
            throw ConfigError("experiment.checks", "check '" + c + "' (claim " + entry.claim + ") is for " +
                                                       entry.experiment_kind + " experiments, this one is a " + e.kind);
    }
}

std::vector<CheckResult> evaluate_claim_checks(const DeepExperiment& e, const ClaimCheckInputs& in) {
    static const std::vector<RunRecord> none;
    ClaimCheckInputs safe = in;
    if (!safe.runs) safe.runs = &none;
    std::vector<CheckResult> out;
    for (const auto& c : e.checks) out.push_back(ClaimCheckRegistry::instance().get("experiment.checks", c).evaluate(e, safe));
    return out;
}

std::pair<double, double> clopper_pearson(std::int64_t k, std::int64_t n, double confidence) {
    if (n <= 0) return {0.0, 1.0};
    const double a = 1 - confidence;
    const double lo = k == 0 ? 0.0 : boost::math::ibeta_inv(double(k), double(n - k + 1), a / 2);
    const double hi = k == n ? 1.0 : boost::math::ibeta_inv(double(k + 1), double(n - k), 1 - a / 2);
    return {lo, hi};
}

namespace claim_check_detail {

Scope scope_of(const std::vector<RunRecord>& runs, const std::function<bool(const RunRecord&)>& in_scope) {
    Scope s;
    for (const auto& r : runs) {
        if (!in_scope(r)) continue;
        s.labels.push_back(r.label);
        if (!r.completed)
            s.incomplete += (s.incomplete.empty() ? "'" : ", '") + r.label + "' (" + r.summary.value("status", "?") + ")";
    }
    return s;
}

CheckResult result(const std::string& name, const std::string& claim, bool pass, const std::string& detail,
                   const Scope& sc) {
    return CheckResult{name, claim, pass ? CheckStatus::Pass : CheckStatus::Fail, detail, sc.labels};
}

CheckResult not_evaluated(const std::string& name, const std::string& claim, const std::string& why, const Scope& sc) {
    return CheckResult{name, claim, CheckStatus::NotEvaluated, why, sc.labels};
}

std::string fmt(double v, int prec) {
    std::ostringstream s;
    s.precision(prec);
    s << v;
    return s.str();
}

}  // namespace claim_check_detail

namespace {
using namespace claim_check_detail;
using Runs = std::vector<RunRecord>;

CheckResult check_fit(const DeepExperiment& e, const Runs& runs) {
    const Scope sc = scope_of(runs, [&](const RunRecord& r) { return r.corruption == 0 && r.depth >= e.fit_min_depth; });
    if (!sc.incomplete.empty()) return not_evaluated("fit", "1", "runs did not complete: " + sc.incomplete, sc);
    int considered = 0, acc_fail = 0, nc4_considered = 0, nc4_fail = 0;
    double worst_acc = 1, worst_gap = 0;
    for (const auto& r : runs) {
        if (!r.completed || r.corruption > 0 || r.depth < e.fit_min_depth) continue;
        ++considered;
        worst_acc = std::min(worst_acc, r.net_train_acc);
        acc_fail += r.net_train_acc < e.fit_accuracy;
        if (r.ed_first && *r.ed_first < r.depth) {
            ++nc4_considered;
            const double gap = std::abs(r.ncc_train.back() - r.net_train_acc);
            worst_gap = std::max(worst_gap, gap);
            nc4_fail += gap > e.nc4_tolerance;
        }
    }
    if (!considered)
        return not_evaluated("fit", "1", "no completed clean-label run with L >= " + std::to_string(e.fit_min_depth), sc);
    const std::string detail = std::to_string(considered - acc_fail) + "/" + std::to_string(considered) +
                               " runs with train accuracy >= " + fmt(e.fit_accuracy) + " (lowest " + fmt(worst_acc) +
                               "); NCC at layer L vs network: " + std::to_string(nc4_considered - nc4_fail) + "/" +
                               std::to_string(nc4_considered) + " within " + fmt(e.nc4_tolerance) +
                               " (largest gap " + fmt(worst_gap, 3) + ")";
    return result("fit", "1", !(acc_fail || nc4_fail), detail, sc);
}

CheckResult check_monotone(const DeepExperiment& e, const Runs& runs) {
    const Scope sc = scope_of(runs, [](const RunRecord&) { return true; });
    if (!sc.incomplete.empty()) return not_evaluated("monotone", "2", "runs did not complete: " + sc.incomplete, sc);
    int considered = 0, bad = 0;
    double worst = 0;
    std::string where;
    for (const auto& r : runs) {
        if (!r.completed) continue;
        ++considered;
        bool run_bad = false;
        for (size_t i = 1; i < r.ncc_train.size(); ++i) {
            const bool top = r.ed_first && int(i) + 1 > *r.ed_first;
            const double tol = top ? e.monotone_dip_top : e.monotone_dip;
            const double drop = r.ncc_train[i - 1] - r.ncc_train[i];
            if (drop > worst) {
                worst = drop;
                where = r.label + " layer " + std::to_string(i) + "->" + std::to_string(i + 1);
            }
            if (drop > tol) run_bad = true;
        }
        bad += run_bad;
    }
    if (!considered) return not_evaluated("monotone", "2", "no completed run", sc);
    return result("monotone", "2", !bad,
                 std::to_string(considered - bad) + "/" + std::to_string(considered) +
                     " runs non-decreasing within the allowed dips (" + fmt(e.monotone_dip) + ", top layers " +
                     fmt(e.monotone_dip_top) + "); largest drop " + fmt(worst, 3) +
                     (where.empty() ? "" : " at " + where),
                 sc);
}

CheckResult check_small_depth(const DeepExperiment& e, const Runs& runs) {
    const Scope sc = scope_of(runs, [&](const RunRecord& r) { return r.depth == e.small_depth_at && r.corruption <= 0; });
    if (!sc.incomplete.empty()) return not_evaluated("small_depth", "3", "runs did not complete: " + sc.incomplete, sc);
    std::vector<double> d;
    int plateau_bad = 0;
    double eps = e.base.epsilon;
    for (const auto& r : runs) {
        if (!r.completed || r.depth != e.small_depth_at || r.corruption > 0) continue;
        d.push_back(r.depth_or_unfit());
        if (r.ed_first)
            for (size_t j = size_t(*r.ed_first - 1); j < r.ncc_train.size(); ++j)
                if (r.ncc_train[j] < 1 - 2 * eps) {
                    ++plateau_bad;
                    break;
                }
    }
    if (d.empty())
        return not_evaluated("small_depth", "3", "no completed clean run with L = " + std::to_string(e.small_depth_at), sc);
    const double med = median(d);
    const bool ok = med <= double(e.small_depth_max) && plateau_bad == 0;
    return result("small_depth", "3", ok,
                 "L = " + std::to_string(e.small_depth_at) + ": median effective depth " + fmt(med) + " (<= " +
                     std::to_string(e.small_depth_max) + " required; unfit counts as L + 1), " +
                     std::to_string(plateau_bad) + " runs with a layer above d below 1 - 2 eps",
                 sc);
}

CheckResult check_depth_independence(const DeepExperiment& e, const Runs& runs) {
    const Scope sc =
        scope_of(runs, [&](const RunRecord& r) { return r.corruption == 0 && r.depth >= e.independence_min_depth; });
    if (!sc.incomplete.empty())
        return not_evaluated("depth_independence", "4", "runs did not complete: " + sc.incomplete, sc);
    std::map<std::int64_t, std::vector<const RunRecord*>> by_depth;
    for (const auto& r : runs)
        if (r.completed && r.corruption == 0 && r.depth >= e.independence_min_depth) by_depth[r.depth].push_back(&r);
    if (by_depth.size() < 2)
        return not_evaluated("depth_independence", "4",
                             "needs completed clean runs at two or more depths L >= " +
                                 std::to_string(e.independence_min_depth),
                             sc);
    double lo = 1e9, hi = -1e9;
    std::string meds;
    double acc_spread = 0;
    std::vector<std::vector<double>> layer_med(size_t(e.independence_layers));
    for (const auto& [L, rs] : by_depth) {
        std::vector<double> d;
        for (const auto* r : rs) d.push_back(r->depth_or_unfit());
        const double m = median(d);
        lo = std::min(lo, m);
        hi = std::max(hi, m);
        meds += (meds.empty() ? "" : ", ") + std::string("L=") + std::to_string(L) + ": " + fmt(m);
        for (std::int64_t i = 0; i < e.independence_layers && i < L; ++i) {
            std::vector<double> a;
            for (const auto* r : rs) a.push_back(r->ncc_train[size_t(i)]);
            layer_med[size_t(i)].push_back(median(a));
        }
    }
    for (const auto& v : layer_med)
        if (v.size() >= 2) acc_spread = std::max(acc_spread, *std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end()));
    const bool ok = hi - lo <= double(e.independence_spread) && acc_spread <= e.independence_tolerance;
    return result("depth_independence", "4", ok,
                 "median effective depths " + meds + " (spread " + fmt(hi - lo) + ", <= " +
                     std::to_string(e.independence_spread) + " required); NCC train accuracy of layers 1-" +
                     std::to_string(e.independence_layers) + " spreads by " + fmt(acc_spread, 3) + " (<= " +
                     fmt(e.independence_tolerance) + ")",
                 sc);
}

CheckResult check_noise_depth(const DeepExperiment& e, const Runs& runs) {
    const Scope sc = scope_of(runs, [](const RunRecord&) { return true; });
    if (!sc.incomplete.empty()) return not_evaluated("noise_depth", "7", "runs did not complete: " + sc.incomplete, sc);
    std::map<double, std::vector<double>> fit;
    std::map<double, int> unfit;
    for (const auto& r : runs) {
        if (!r.completed) continue;
        if (r.ed_first)
            fit[r.corruption].push_back(*r.ed_first);
        else
            ++unfit[r.corruption];
        fit.try_emplace(r.corruption);
    }
    std::vector<std::pair<double, double>> med;  // p, median over fit runs
    std::string table;
    for (const auto& [p, d] : fit) {
        table += (table.empty() ? "" : ", ") + std::string("p=") + fmt(p) + ": " +
                 (d.empty() ? std::string("unfit") : fmt(median(d))) +
                 (unfit[p] ? " (" + std::to_string(unfit[p]) + " unfit)" : "");
        if (!d.empty()) med.emplace_back(p, median(d));
    }
    if (med.size() < 2 || med.front().first != 0)
        return not_evaluated("noise_depth", "7", "needs fit runs at p = 0 and one p > 0: " + table, sc);
    int inversions = 0;
    bool big_inversion = false;
    for (size_t i = 1; i < med.size(); ++i)
        if (med[i].second < med[i - 1].second) {
            ++inversions;
            big_inversion = big_inversion || med[i - 1].second - med[i].second > 1;
        }
    const double increase = med.back().second - med.front().second;
    const bool ok = inversions <= e.noise_inversions && !big_inversion && increase >= double(e.noise_min_increase);
    return result("noise_depth", "7", ok,
                 "median effective depth (fit runs) " + table + "; d(p=" + fmt(med.back().first) + ") - d(0) = " +
                     fmt(increase) + " (>= " + std::to_string(e.noise_min_increase) + " required), " +
                     std::to_string(inversions) + " inversions",
                 sc);
}


// Every check reads the runs of the ClaimCheckInputs.
template <CheckResult (*F)(const DeepExperiment&, const Runs&)>
CheckResult on_runs(const DeepExperiment& e, const ClaimCheckInputs& in) {
    return F(e, *in.runs);
}

const Registrar<ClaimCheckEntry> reg_fit{{"fit", "1", "sweep",
    "clean runs with L >= fit_min_depth reach train accuracy >= fit_accuracy; NCC train accuracy at layer L within "
    "nc4_tolerance of the network's when L > effective depth", on_runs<check_fit>}};
const Registrar<ClaimCheckEntry> reg_monotone{{"monotone", "2", "sweep",
    "NCC train accuracy non-decreasing in the layer, dips <= monotone_dip (monotone_dip_top above the effective depth)",
    on_runs<check_monotone>}};
const Registrar<ClaimCheckEntry> reg_small{{"small_depth", "3", "sweep",
    "L = small_depth_at: median effective depth <= small_depth_max; every layer above it NCC accuracy >= 1 - 2 eps",
    on_runs<check_small_depth>}};
const Registrar<ClaimCheckEntry> reg_indep{{"depth_independence", "4", "sweep",
    "L >= independence_min_depth: median effective depths spread <= independence_spread; NCC accuracy of the first "
    "independence_layers layers spreads <= independence_tolerance", on_runs<check_depth_independence>}};
const Registrar<ClaimCheckEntry> reg_noise{{"noise_depth", "7", "sweep",
    "median effective depth (fit runs) non-decreasing in the corruption p (noise_inversions 1-layer inversions "
    "allowed) and d(largest p) - d(0) >= noise_min_increase", on_runs<check_noise_depth>}};

}  // namespace
}  // namespace depthbias::deepnets
