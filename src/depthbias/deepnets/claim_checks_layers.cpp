// Claims 5, 6, 8 and 9 of galanti.md section 3 as registered claim checks (contract: claim_checks.hpp). They read
// the final per-layer tables of a sweep's runs; medians over seeds; "unfit" (no NCC-separable layer) counts as
// L + 1 where a depth is needed.
//   below_threshold (5): d*, the saturation depth, is the median effective depth of the clean runs with
//     L >= independence_min_depth; the fit depths are those whose median network train accuracy is >= fit_accuracy.
//     The smallest fit depth L0 must be at or below d* (else nothing below the threshold was run: not evaluated);
//     its median depth must be L0 or unfit; and every fit depth L has |d(L) - min(L, d*)| <= below_threshold_tolerance.
//   cdnv_depth (6): (a) the median top-layer (layer L) train CDNV at L = cdnv_deep is below that at cdnv_shallow;
//     (b) at every clean depth, from the median effective depth up, the per-layer median train CDNV does not rise by
//     more than cdnv_tolerance (relative; a log-scale comparison) between consecutive layers.
//   test_plateau (8): in every run with an effective depth d, |NCC test accuracy at layer j - network test accuracy|
//     <= plateau_tolerance for every j >= d.
//   width (9): clean runs grouped by model.width; at layer width_layer the median NCC train accuracy must not
//     decrease and the median train CDNV must not increase as the width grows, each with at most width_violations
//     violations; fewer than width_violations + 2 widths cannot fail and are not evaluated.
#include <algorithm>
#include <cmath>
#include <map>

#include "depthbias/deepnets/claim_checks.hpp"

namespace depthbias::deepnets {
namespace {
using namespace claim_check_detail;
using Runs = std::vector<RunRecord>;

bool clean(const RunRecord& r) { return r.corruption <= 0; }

// Clean completed runs by depth.
std::map<std::int64_t, std::vector<const RunRecord*>> clean_by(const Runs& runs, std::int64_t RunRecord::*key) {
    std::map<std::int64_t, std::vector<const RunRecord*>> m;
    for (const auto& r : runs)
        if (r.completed && clean(r)) m[r.*key].push_back(&r);
    return m;
}

double median_depth(const std::vector<const RunRecord*>& rs) {
    std::vector<double> d;
    for (const auto* r : rs) d.push_back(r->depth_or_unfit());
    return median(d);
}

// Median over runs of a per-layer vector at 0-based layer i (NaN if a run lacks the layer).
double median_at(const std::vector<const RunRecord*>& rs, std::vector<double> RunRecord::*v, size_t i) {
    std::vector<double> a;
    for (const auto* r : rs) a.push_back(i < (r->*v).size() ? (r->*v)[i] : std::nan(""));
    for (double x : a)
        if (!std::isfinite(x)) return std::nan("");
    return median(a);
}

CheckResult check_below_threshold(const DeepExperiment& e, const Runs& runs) {
    const char *name = "below_threshold", *claim = "5";
    const Scope sc = scope_of(runs, clean);
    if (!sc.incomplete.empty()) return not_evaluated(name, claim, "runs did not complete: " + sc.incomplete, sc);
    const auto by_depth = clean_by(runs, &RunRecord::depth);
    std::vector<double> deep;
    for (const auto& [L, rs] : by_depth)
        if (L >= e.independence_min_depth)
            for (const auto* r : rs) deep.push_back(r->depth_or_unfit());
    if (deep.empty())
        return not_evaluated(name, claim,
                             "no clean run with L >= " + std::to_string(e.independence_min_depth) +
                                 " to give the saturation depth d*",
                             sc);
    const double dstar = median(deep);
    std::int64_t L0 = -1;
    std::string table;
    for (const auto& [L, rs] : by_depth) {
        std::vector<double> acc;
        for (const auto* r : rs) acc.push_back(r->net_train_acc);
        const double a = median(acc);
        if (!std::isfinite(a)) return not_evaluated(name, claim, "L = " + std::to_string(L) + ": train accuracy not finite", sc);
        table += (table.empty() ? "" : ", ") + std::string("L=") + std::to_string(L) + ": d " + fmt(median_depth(rs)) +
                 " (train acc " + fmt(a, 3) + ")";
        if (a >= e.fit_accuracy && L0 < 0) L0 = L;
    }
    if (L0 < 0)
        return not_evaluated(name, claim, "no depth reaches train accuracy " + fmt(e.fit_accuracy) + ": " + table, sc);
    if (double(L0) > dstar)
        return not_evaluated(name, claim,
                             "the smallest fit depth L = " + std::to_string(L0) + " is above the saturation depth d* = " +
                                 fmt(dstar) + ": no below-threshold net was run (" + table + ")",
                             sc);
    const double d0 = median_depth(by_depth.at(L0));
    const bool ok_a = d0 >= double(L0);  // L0 itself, or unfit (L0 + 1)
    int bad_b = 0;
    double worst = 0;
    for (const auto& [L, rs] : by_depth) {
        std::vector<double> acc;
        for (const auto* r : rs) acc.push_back(r->net_train_acc);
        if (median(acc) < e.fit_accuracy) continue;
        const double gap = std::abs(median_depth(rs) - std::min(double(L), dstar));
        worst = std::max(worst, gap);
        bad_b += gap > e.below_threshold_tolerance;
    }
    return result(name, claim, ok_a && !bad_b,
                  "d* = " + fmt(dstar) + " (median over L >= " + std::to_string(e.independence_min_depth) +
                      "); smallest fit depth L = " + std::to_string(L0) + " has d = " + fmt(d0) +
                      (ok_a ? " (= L or unfit: ok)" : " (neither L nor unfit)") + "; |d(L) - min(L, d*)| <= " +
                      fmt(e.below_threshold_tolerance) + " at " + std::to_string(bad_b) + " fit depths violated (largest " +
                      fmt(worst) + "); " + table,
                  sc);
}

CheckResult check_cdnv_depth(const DeepExperiment& e, const Runs& runs) {
    const char *name = "cdnv_depth", *claim = "6";
    const Scope sc = scope_of(runs, clean);
    if (!sc.incomplete.empty()) return not_evaluated(name, claim, "runs did not complete: " + sc.incomplete, sc);
    const auto by_depth = clean_by(runs, &RunRecord::depth);
    // (a) top-layer CDNV: deep below shallow.
    std::string part_a;
    int a_status = -1;  // -1 not evaluated, 0 fail, 1 pass
    auto top = [&](std::int64_t L) {
        const auto& rs = by_depth.at(L);
        return median_at(rs, &RunRecord::cdnv_train, size_t(L - 1));
    };
    if (!by_depth.count(e.cdnv_shallow) || !by_depth.count(e.cdnv_deep)) {
        part_a = "(a) not evaluated: needs clean runs at L = " + std::to_string(e.cdnv_shallow) + " and L = " +
                 std::to_string(e.cdnv_deep);
    } else {
        const double cs = top(e.cdnv_shallow), cd = top(e.cdnv_deep);
        if (!std::isfinite(cs) || !std::isfinite(cd)) {
            part_a = "(a) not evaluated: top-layer CDNV not finite";
        } else {
            a_status = cd < cs;
            part_a = "(a) top-layer train CDNV L=" + std::to_string(e.cdnv_deep) + ": " + fmt(cd) + (cd < cs ? " < " : " >= ") +
                     "L=" + std::to_string(e.cdnv_shallow) + ": " + fmt(cs);
        }
    }
    // (b) CDNV non-increasing along the top layers (within the tolerance), per depth.
    int b_considered = 0, b_bad = 0;
    std::string b_detail;
    double worst = 0;
    bool b_nan = false;
    for (const auto& [L, rs] : by_depth) {
        std::vector<const RunRecord*> fit;
        for (const auto* r : rs)
            if (r->ed_first) fit.push_back(r);
        if (fit.empty()) continue;
        const std::int64_t d = std::int64_t(std::ceil(median_depth(fit)));
        if (d >= L) continue;  // fewer than two top layers
        ++b_considered;
        int bad = 0;
        std::string where;
        double worst_here = 0;
        for (std::int64_t j = d; j < L; ++j) {  // layers j -> j + 1 (1-based)
            const double c0 = median_at(rs, &RunRecord::cdnv_train, size_t(j - 1));
            const double c1 = median_at(rs, &RunRecord::cdnv_train, size_t(j));
            if (!(c0 > 0) || !(c1 > 0) || !std::isfinite(c0) || !std::isfinite(c1)) {
                b_nan = true;
                continue;
            }
            const double rise = c1 / c0 - 1;
            if (rise > worst_here) {
                worst_here = rise;
                where = std::to_string(j) + "->" + std::to_string(j + 1);
            }
            bad += std::log(c1) - std::log(c0) > std::log1p(e.cdnv_tolerance);
        }
        worst = std::max(worst, worst_here);
        if (bad) {
            ++b_bad;
            // the rise from the minimum over the top layers to layer L
            double cmin = 1e300;
            std::int64_t jmin = d;
            for (std::int64_t j = d; j <= L; ++j) {
                const double c = median_at(rs, &RunRecord::cdnv_train, size_t(j - 1));
                if (c < cmin) cmin = c, jmin = j;
            }
            b_detail += (b_detail.empty() ? "" : "; ") + std::string("L=") + std::to_string(L) + ": rises " +
                        std::to_string(bad) + "x above the tolerance (largest +" + fmt(100 * worst_here, 3) + "% at " +
                        where + "; " + fmt(cmin) + " at layer " + std::to_string(jmin) + " -> " +
                        fmt(median_at(rs, &RunRecord::cdnv_train, size_t(L - 1))) + " at layer " + std::to_string(L) + ")";
        }
    }
    int b_status = -1;
    std::string part_b;
    if (b_nan) {
        part_b = "(b) not evaluated: a train CDNV is not finite or not positive";
    } else if (!b_considered) {
        part_b = "(b) not evaluated: no clean depth with a fit run and two or more layers above its effective depth";
    } else {
        b_status = b_bad == 0;
        part_b = "(b) train CDNV along the top layers (effective depth .. L, +" + fmt(100 * e.cdnv_tolerance, 3) +
                 "% allowed): " + std::to_string(b_considered - b_bad) + "/" + std::to_string(b_considered) +
                 " depths non-increasing" + (b_detail.empty() ? "" : " (" + b_detail + ")") + ", largest rise +" +
                 fmt(100 * worst, 3) + "%";
    }
    const std::string detail = part_a + "; " + part_b;
    if (a_status == 0 || b_status == 0) return result(name, claim, false, detail, sc);
    if (a_status < 0 || b_status < 0) return not_evaluated(name, claim, detail, sc);
    return result(name, claim, true, detail, sc);
}

CheckResult check_test_plateau(const DeepExperiment& e, const Runs& runs) {
    const char *name = "test_plateau", *claim = "8";
    const Scope sc = scope_of(runs, [](const RunRecord&) { return true; });
    if (!sc.incomplete.empty()) return not_evaluated(name, claim, "runs did not complete: " + sc.incomplete, sc);
    int considered = 0, bad = 0, unfit = 0;
    double worst = 0;
    std::string where;
    for (const auto& r : runs) {
        if (!r.completed) continue;
        if (!r.ed_first) {
            ++unfit;
            continue;
        }
        ++considered;
        double run_worst = 0;
        for (size_t j = size_t(*r.ed_first - 1); j < r.ncc_test.size(); ++j) {
            const double gap = std::abs(r.ncc_test[j] - r.net_test_acc);
            if (!std::isfinite(gap))
                return not_evaluated(name, claim, r.label + ": NCC test accuracy or network test accuracy not finite", sc);
            if (gap > run_worst) run_worst = gap;
            if (gap > worst) worst = gap, where = r.label + " layer " + std::to_string(j + 1);
        }
        bad += run_worst > e.plateau_tolerance;
    }
    if (!considered)
        return not_evaluated(name, claim, "no run with an effective depth (" + std::to_string(unfit) + " unfit)", sc);
    return result(name, claim, !bad,
                  std::to_string(considered - bad) + "/" + std::to_string(considered) +
                      " fit runs with |NCC test acc - network test acc| <= " + fmt(e.plateau_tolerance) +
                      " from the effective depth up; largest gap " + fmt(worst, 3) + (where.empty() ? "" : " at " + where) +
                      (unfit ? "; " + std::to_string(unfit) + " unfit runs left out" : ""),
                  sc);
}

CheckResult check_width(const DeepExperiment& e, const Runs& runs) {
    const char *name = "width", *claim = "9";
    const Scope sc = scope_of(runs, clean);
    if (!sc.incomplete.empty()) return not_evaluated(name, claim, "runs did not complete: " + sc.incomplete, sc);
    const auto by_width = clean_by(runs, &RunRecord::width);
    if (std::int64_t(by_width.size()) < e.width_violations + 2)
        return not_evaluated(name, claim,
                             std::to_string(by_width.size()) + " widths cannot fail with " +
                                 std::to_string(e.width_violations) + " violations allowed (needs " +
                                 std::to_string(e.width_violations + 2) + ")",
                             sc);
    const size_t i = size_t(e.width_layer - 1);
    std::vector<std::pair<std::int64_t, std::pair<double, double>>> series;
    std::string table;
    for (const auto& [H, rs] : by_width) {
        const double a = median_at(rs, &RunRecord::ncc_train, i), c = median_at(rs, &RunRecord::cdnv_train, i);
        if (!std::isfinite(a) || !std::isfinite(c))
            return not_evaluated(name, claim,
                                 "H = " + std::to_string(H) + ": no finite NCC accuracy / CDNV at layer " +
                                     std::to_string(e.width_layer),
                                 sc);
        series.push_back({H, {a, c}});
        table += (table.empty() ? "" : ", ") + std::string("H=") + std::to_string(H) + ": " + fmt(a) + " / " + fmt(c);
    }
    int ncc_bad = 0, cdnv_bad = 0;
    for (size_t k = 1; k < series.size(); ++k) {
        ncc_bad += series[k].second.first < series[k - 1].second.first;
        cdnv_bad += series[k].second.second > series[k - 1].second.second;
    }
    return result(name, claim, ncc_bad <= e.width_violations && cdnv_bad <= e.width_violations,
                  "layer " + std::to_string(e.width_layer) + " NCC train acc / train CDNV (medians): " + table +
                      "; NCC decreases " + std::to_string(ncc_bad) + "x, CDNV increases " + std::to_string(cdnv_bad) +
                      "x (each <= " + std::to_string(e.width_violations) + " allowed)",
                  sc);
}

template <CheckResult (*F)(const DeepExperiment&, const Runs&)>
CheckResult on_runs(const DeepExperiment& e, const ClaimCheckInputs& in) {
    return F(e, *in.runs);
}

const Registrar<ClaimCheckEntry> reg_below{{"below_threshold", "5", "sweep",
    "the smallest fit depth L0 <= d* (median effective depth at L >= independence_min_depth) has d = L0 or unfit; "
    "|d(L) - min(L, d*)| <= below_threshold_tolerance at every fit depth", on_runs<check_below_threshold>}};
const Registrar<ClaimCheckEntry> reg_cdnv{{"cdnv_depth", "6", "sweep",
    "top-layer train CDNV at L = cdnv_deep below that at cdnv_shallow; train CDNV non-increasing (+cdnv_tolerance) "
    "from the effective depth to layer L", on_runs<check_cdnv_depth>}};
const Registrar<ClaimCheckEntry> reg_plateau{{"test_plateau", "8", "sweep",
    "from the effective depth up, NCC test accuracy within plateau_tolerance of the network's test accuracy",
    on_runs<check_test_plateau>}};
const Registrar<ClaimCheckEntry> reg_width{{"width", "9", "sweep",
    "at layer width_layer, NCC train accuracy non-decreasing and train CDNV non-increasing in model.width "
    "(width_violations each allowed)", on_runs<check_width>}};

}  // namespace
}  // namespace depthbias::deepnets
