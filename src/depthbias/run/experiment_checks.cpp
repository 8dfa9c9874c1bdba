#include "depthbias/run/experiment_checks.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "depthbias/run/check_result.hpp"

namespace depthbias {
using nlohmann::json;

namespace {

struct Checks {
    json list = json::array();
    void add(const std::string& name, bool pass, const std::string& detail) {
        list.push_back(to_json(CheckResult{name, "", pass ? CheckStatus::Pass : CheckStatus::Fail, detail, {}}));
    }
    void not_evaluated(const std::string& name, const std::string& reason) {
        list.push_back(to_json(CheckResult{name, "", CheckStatus::NotEvaluated, reason, {}}));
    }
};

std::string str(double v) {
    std::ostringstream s;
    s.precision(4);
    s << v;
    return s.str();
}

const json* final_of(const json& s) { return s.contains("final") ? &s["final"] : nullptr; }

double time_or_inf(const json& v) { return v.is_null() ? INFINITY : v.get<double>(); }

void fig1a(const std::vector<std::pair<Variant, json>>& runs, Checks& c) {
    std::vector<const json*> by_depth(5, nullptr);
    for (const auto& [v, s] : runs) {
        const int d = s["depth"];
        if (d >= 1 && d <= 4 && final_of(s)) by_depth[size_t(d)] = &s;
    }
    for (int d = 1; d <= 4; ++d)
        if (!by_depth[size_t(d)]) {
            c.not_evaluated("M1 all depths finished", "depth " + std::to_string(d) + " missing or diverged");
            return;
        }
    auto err = [&](int d) { return (*by_depth[size_t(d)])["final"]["reconstruction_error"].get<double>(); };
    c.add("M1 depth 1 reconstruction error > 0.4", err(1) > 0.4, str(err(1)));
    for (int d = 2; d <= 4; ++d)
        c.add("M1 depth " + std::to_string(d) + " reconstruction error < 5e-3", err(d) < 5e-3, str(err(d)));
    c.add("M1 depth 4 reconstruction error < 1e-3", err(4) < 1e-3, str(err(4)));
    const auto& inc4 = (*by_depth[4])["incremental"];
    c.add("M1 depth 4 strictly incremental (each value reaches 1-eps before the next reaches eps)",
          inc4["verdict"] == "incremental", inc4["verdict"].get<std::string>());
    const auto& inc2 = (*by_depth[2])["incremental"];
    bool overlap = false;
    for (const auto& p : inc2["pairs"]) overlap = overlap || !p["incremental"].get<bool>();
    c.add("M1 depth 2 overlaps for at least one pair", overlap, inc2["verdict"].get<std::string>());
}

void fig1b(const std::vector<std::pair<Variant, json>>& runs, Checks& c) {
    const json *plain = nullptr, *bias = nullptr;
    for (const auto& [v, s] : runs) {
        if (!final_of(s)) continue;
        (s["model"] == "symmetric_factor_bias" ? bias : plain) = &s;
    }
    if (!plain || !bias) {
        c.not_evaluated("M2 both variants finished", "a variant is missing or diverged");
        return;
    }
    const auto& comps = (*bias)["incremental"]["components"];
    bool increasing = true;
    double min_gap = INFINITY;
    for (size_t i = 0; i + 1 < comps.size(); ++i) {
        const double a = time_or_inf(comps[i]["t_eps"]), b = time_or_inf(comps[i + 1]["t_eps"]);
        increasing = increasing && b > a;
        min_gap = std::min(min_gap, b - a);
    }
    // 100 epochs at the preset's lr = 1e-3 is a gap of 0.1 in time.
    c.add("M2 with bias: eigenvalues reach eps of target one at a time (gaps >= 0.1 time = 100 epochs)",
          increasing && min_gap >= 0.1, "smallest gap " + str(min_gap));
    const double s5b = (*bias)["final"]["spectrum"][4], s5p = (*plain)["final"]["spectrum"][4];
    c.add("M2 smaller 5th eigenvalue with bias (< 0.05) than without", s5b < 0.05 && s5b < s5p,
          "with " + str(s5b) + ", without " + str(s5p));
    const double tb = (*bias)["final"]["test_error"], tp = (*plain)["final"]["test_error"];
    c.add("M2 lower test error with bias", tb < tp, "with " + str(tb) + ", without " + str(tp));
}

void toy(const std::vector<std::pair<Variant, json>>& runs, const json& analysis, Checks& c) {
    if (!analysis.contains("toy_vs_theory")) return;
    for (const auto& [label, dev] : analysis["toy_vs_theory"].items()) {
        // GD with step lr is a first-order discretization of the flow: learning times shift by O(lr) relative
        // (measured 1e-4..1e-3 at the preset's lr = 1e-3); 1% leaves room for other presets' steps.
        const double e = dev["max_relative_t_half_error"];
        c.add("toy " + label + ": GD learning times t_1/2 within 1% of the closed-form flow", e < 0.01,
              "max relative error " + str(e));
    }
    for (const auto& [v, s] : runs) {
        if (!s.contains("incremental")) continue;
        const auto& comps = s["incremental"]["components"];
        bool ok = !comps.empty() && !comps[0]["t_half"].is_null();
        std::ostringstream d;
        for (size_t i = 1; ok && i < comps.size(); ++i) {
            if (comps[i]["t_half"].is_null()) { ok = false; break; }
            d << (i > 1 ? ", " : "") << str(comps[i]["t_half"].get<double>() / comps[0]["t_half"].get<double>());
        }
        c.add("toy " + v.label + ": every component reaches half its target", ok, "t_1/2 ratios " + d.str());
    }
}

void separation(const json& analysis, Checks& c) {
    if (!analysis.contains("thresholds")) return;
    for (const auto& row : analysis["thresholds"]) {
        if (std::abs(row["r"].get<double>() - 0.95) > 1e-9) continue;
        const double n2 = row["N2"], n4 = row["N4"];
        c.add("T6 N=2 threshold at r=0.95 below 1e-40", n2 < 1e-40, str(n2));
        c.add("T6 N=4 threshold at r=0.95 above 1e-5", n4 > 1e-5, str(n4));
    }
    const auto& s = analysis["slopes"];
    const double s2 = s["N2"]["slope"], e2 = s["N2"]["expected"];
    c.add("T6 N=2: -log10 threshold linear in 1/(1-r) with slope ~ 2 log10((1-eps)/eps)",
          std::abs(s2 - e2) < 0.15 * e2, "slope " + str(s2) + ", expected " + str(e2));
    const double s4 = s["N4"]["slope"];
    c.add("T6 N=4: polynomial, slope in -log10(1-r) near N/(N-2) = 2", std::abs(s4 - 2) < 0.3,
          "slope " + str(s4));
}

void fig1c(const json& analysis, Checks& c) {
    if (!analysis.contains("correlation_by_depth")) return;
    const auto& m = analysis["correlation_by_depth"];
    auto mean = [&](int d) { return m.contains(std::to_string(d)) ? m[std::to_string(d)]["mean"].get<double>() : NAN; };
    const size_t seeds = m.contains("1") ? m["1"]["values"].size() : 0;
    c.add("M3 at least 3 seeds per depth", seeds >= 3, std::to_string(seeds) + " seeds");
    c.add("M3 depth 1 mean correlation in [0.75, 0.9]", mean(1) >= 0.75 && mean(1) <= 0.9, str(mean(1)));
    c.add("M3 depth 2 mean correlation >= 0.97", mean(2) >= 0.97, str(mean(2)));
    for (int d = 3; d <= 5; ++d)
        c.add("M3 depth " + std::to_string(d) + " mean correlation >= 0.98", mean(d) >= 0.98, str(mean(d)));
    bool monotone = true;
    for (int d = 2; d <= 4; ++d) monotone = monotone && mean(d) >= mean(d - 1);
    c.add("M3 mean correlation non-decreasing in depth 1..4", monotone,
          str(mean(1)) + ", " + str(mean(2)) + ", " + str(mean(3)) + ", " + str(mean(4)));
    if (analysis.contains("l2_max_margin_correlation")) {
        const double svm = analysis["l2_max_margin_correlation"]["mean"];
        c.add("M3 l2 max-margin (SVM) baseline correlation in [0.7, 0.9]", svm >= 0.7 && svm <= 0.9, str(svm));
    }
}

// moroshko_woodworth.md 2.4 table: w/gamma at gamma = 1e1..1e6 (RK4 on the nu-ODE, +-0.002 by the digest's own
// step halving); claim 6 tolerance +-0.003 per coordinate.
void moroshko(const std::vector<std::pair<Variant, json>>& runs, Checks& c) {
    struct Row {
        int depth;
        double alpha;
        double w[6][2];
    };
    const Row table[] = {
        {2, 0.1, {{.937, .126}, {.980, .041}, {.994, .013}, {.998, .0041}, {.9993, .0013}, {.9998, .0004}}},
        {2, 1, {{.849, .302}, {.945, .109}, {.982, .0355}, {.994, .0113}, {.998, .0036}, {.9994, .0011}}},
        {2, 10, {{.789, .421}, {.802, .396}, {.8685, .263}, {.952, .0964}, {.984, .0313}, {.995, .0100}}},
        {3, 1, {{.877, .246}, {.9745, .051}, {.9964, .0072}, {.9996, .0009}, {1.000, .0001}, {1.000, .0000}}},
        {3, 10, {{.776, .448}, {.795, .410}, {.806, .388}, {.901, .199}, {.980, .0407}, {.997, .0056}}},
    };
    for (const auto& [v, s] : runs) {
        if (!s.contains("margin_checkpoints")) continue;
        const int depth = s["depth"];
        const auto& cps = s["margin_checkpoints"];
        const double alpha = std::pow(cps[0]["mu"].get<double>() * cps[0]["gamma"].get<double>(), 1.0 / depth);
        for (const auto& row : table) {
            if (row.depth != depth || std::abs(row.alpha - alpha) > 1e-9 * row.alpha) continue;
            double worst = 0;
            size_t compared = 0;
            size_t skipped = 0;
            for (size_t k = 0; k < 6 && k < cps.size(); ++k) {
                // The digest integrated with fixed RK4 steps h = 1e-4 (D = 3) / 2e-3 (D = 2) in tau and interpolated
                // linearly: a margin reached within its first 10 steps is not resolved to its +-0.002 there, so that
                // cell is not a reference (D = 3, alpha = 10: gamma = 10 at tau = 4.2e-5, gamma = 100 at 4.4e-4).
                // Our dual integration itself is checked against the primal gradient flow where that can run
                // (loss >= 1e-4, tests/test_kernel_rich.cpp).
                if (cps[k]["tau"].get<double>() < 10 * (depth == 2 ? 2e-3 : 1e-4)) {
                    ++skipped;
                    continue;
                }
                const auto& w = cps[k]["normalized_predictor"];
                worst = std::max({worst, std::abs(w[0].get<double>() - row.w[k][0]),
                                  std::abs(w[1].get<double>() - row.w[k][1])});
                ++compared;
            }
            c.add("claim 6 " + v.label + ": w/gamma at gamma = 1e1..1e6 within 0.003 of the digest's table",
                  compared + skipped == 6 && compared >= 4 && worst <= 0.003,
                  "max deviation " + str(worst) + " over " + std::to_string(compared) + " margins" +
                      (skipped ? " (" + std::to_string(skipped) + " within the digest's first 10 RK4 steps)" : ""));
        }
        if (depth == 2 && std::abs(alpha - 10) < 1e-6 && cps.size() >= 2)
            c.add("claim 6 kernel side: D=2 alpha=10 gamma=1e2 within 5e-3 of the l2 direction",
                  cps[1]["dist_l2_max_margin"].get<double>() < 5e-3, str(cps[1]["dist_l2_max_margin"].get<double>()));
        if (alpha <= 1 + 1e-9 && cps.size() >= 6)
            c.add("claim 6 rich side: " + v.label + " gamma=1e6 within 1.5e-3 of the l1 direction",
                  cps[5]["dist_l1_max_margin"].get<double>() < 1.5e-3, str(cps[5]["dist_l1_max_margin"].get<double>()));
        if (depth == 2 && std::abs(alpha - 1) < 1e-9 && cps.size() >= 6) {
            // claim 7: w2 / sqrt(mu) constant for gamma >= 1e3 (to 5%).
            double lo = INFINITY, hi = 0;
            for (size_t k = 2; k < 6; ++k) {
                const double r = cps[k]["normalized_predictor"][1].get<double>() / std::sqrt(cps[k]["mu"].get<double>());
                lo = std::min(lo, r);
                hi = std::max(hi, r);
            }
            c.add("claim 7 D=2 alpha=1: w2/sqrt(mu) constant for gamma >= 1e3 (5%)", hi / lo - 1 < 0.05,
                  "range " + str(lo) + " .. " + str(hi));
        }
    }
}

void fig1d(const std::vector<std::pair<Variant, json>>& runs, const json& analysis, Checks& c) {
    if (!analysis.contains("correlation_by_depth")) return;
    const auto& m = analysis["correlation_by_depth"];
    auto mean = [&](int d) { return m.contains(std::to_string(d)) ? m[std::to_string(d)]["mean"].get<double>() : NAN; };
    c.add("M4 depth 2 mean correlation >= 0.97", mean(2) >= 0.97, str(mean(2)));
    c.add("M4 depth 1 mean correlation in [0.75, 0.9]", mean(1) >= 0.75 && mean(1) <= 0.9, str(mean(1)));
    c.add("M4 depth 3 mean correlation > depth 1", mean(3) > mean(1), str(mean(3)) + " vs " + str(mean(1)));
    if (analysis.contains("l2_max_margin_correlation")) {
        const double svm = analysis["l2_max_margin_correlation"]["mean"];
        c.add("M4 l2 max-margin baseline correlation in [0.75, 0.9]", svm >= 0.75 && svm <= 0.9, str(svm));
    }
    for (const auto& [v, s] : runs) {
        if (s["depth"] != 2 || !s.contains("final")) continue;
        std::vector<int> top = s["final"]["top_indices"];
        top.resize(std::min<size_t>(4, top.size()));
        std::sort(top.begin(), top.end());
        c.add("M4 " + v.label + ": top-4 frequencies are bins {0, 1, 2, 3}", top == std::vector<int>{0, 1, 2, 3},
              s["final"]["top_indices"].dump());
    }
}

void kernel_rich(const std::vector<std::pair<Variant, json>>& runs, const json& analysis, Checks& c) {
    for (const auto& [v, s] : runs) {
        if (!s.contains("final") || !s["final"].contains("relative_error_to_q")) continue;
        // claim 2: the flow's endpoint is argmin Q^D_alpha s.t. X beta = y. Tolerance 1e-3: the flow stops at a
        // finite loss (1e-14) and integrates at rtol 1e-10; the digest allows 1e-6 for a converged solver.
        const double e = s["final"]["relative_error_to_q"];
        c.add("claim 2 " + v.label + ": flow endpoint = argmin Q^D_alpha (relative error < 1e-3)", e < 1e-3, str(e));
    }
    if (!analysis.contains("q_program_over_alpha")) return;
    // claim 3: the l1 excess shrinks monotonically as alpha -> 0 and the l2 excess vanishes as alpha -> infinity;
    // the l1 limit is only logarithmic for D = 2 (excess ~ 1/log(1/alpha^2)) but polynomial for D = 3, so at the
    // smallest alpha D = 3 is much closer to basis pursuit than D = 2.
    std::map<int, double> smallest;
    for (int depth : {2, 3}) {
        std::vector<double> l1, l2;  // ascending alpha
        for (const auto& r : analysis["q_program_over_alpha"])
            if (r["depth"] == depth && r.contains("excess_l1")) {
                l1.push_back(r["excess_l1"]);
                l2.push_back(r["excess_l2"]);
            }
        if (l1.empty()) continue;
        bool monotone = true;
        for (size_t i = 1; i < l1.size(); ++i) monotone = monotone && l1[i] >= l1[i - 1] - 1e-9;
        smallest[depth] = l1.front();
        c.add("claim 3 D=" + std::to_string(depth) + ": l1 excess decreases as alpha decreases", monotone,
              str(l1.front()) + " at the smallest alpha, " + str(l1.back()) + " at the largest");
        c.add("claim 3 D=" + std::to_string(depth) + ": large alpha reaches the min-l2 norm", std::abs(l2.back()) < 1e-6,
              "excess l2 " + str(l2.back()));
    }
    if (smallest.size() == 2)
        c.add("claim 3/5: at the smallest alpha depth 3 is closer to the l1 solution than depth 2",
              smallest[3] < 0.1 * smallest[2], "excess l1 D=3 " + str(smallest[3]) + " vs D=2 " + str(smallest[2]));
}

void omp(const json& analysis, Checks& c) {
    if (!analysis.contains("omp_comparison")) return;
    size_t n = 0, converged = 0, full = 0, first = 0;
    for (const auto& r : analysis["omp_comparison"]) {
        ++n;
        converged += r["converged"].get<bool>();
        full += r["concurrence"].get<double>() == 1.0;
        first += r["first_agrees"].get<bool>();
    }
    c.add("M5 every seed converges within the budget", converged == n, std::to_string(converged) + "/" + std::to_string(n));
    c.add("M5 concurrence 1.0 on every seed", full == n, std::to_string(full) + "/" + std::to_string(n));
    c.add("M5 first GD choice = first OMP choice on >= 90% of seeds", double(first) >= 0.9 * double(n),
          std::to_string(first) + "/" + std::to_string(n));
}

// Saddle-to-saddle (moroshko_woodworth.md 3.1): GD's jump times in accelerated time against Algorithm 1's.
// The convergence is slow (corrections ~ 1/log(1/alpha)), so the checks are: the error shrinks from the largest
// to the smallest alpha, the smallest alpha is within kSaddleTolerance on every scored jump, and every run's endpoint
// is the basis-pursuit (min-l1) interpolator that the limit process ends at.
void saddle_to_saddle(const std::vector<std::pair<Variant, json>>& runs, const json& analysis, Checks& c) {
    if (!analysis.contains("saddle_to_saddle")) return;
    const auto& a = analysis["saddle_to_saddle"];
    c.add("limit algorithm converges (grad L = 0 reached)", a["limit_converged"].get<bool>(),
          std::to_string(a["limit_jumps"].size()) + " jumps");
    std::vector<std::pair<double, double>> by_alpha;  // (alpha, max relative error)
    int scored_min = 1 << 30;
    for (const auto& r : a["runs"]) {
        by_alpha.emplace_back(r["alpha"].get<double>(),
                              r["max_relative_error"].is_null() ? INFINITY : r["max_relative_error"].get<double>());
        scored_min = std::min(scored_min, r["scored_jumps"].get<int>());
    }
    if (by_alpha.size() < 2) return;
    std::sort(by_alpha.begin(), by_alpha.end());  // smallest alpha first
    c.add("at least 3 of the limit's jumps are resolvable by the loss (drop >= 5%) and scored in every run",
          scored_min >= 3, std::to_string(scored_min));
    constexpr double kSaddleTolerance = 0.05;
    c.add("smallest alpha: every jump time within 5% of the limit's", by_alpha.front().second <= kSaddleTolerance,
          "alpha " + str(by_alpha.front().first) + ": max relative error " + str(by_alpha.front().second));
    bool monotone = true;
    std::string trail;
    for (size_t i = by_alpha.size(); i-- > 0;) {  // largest alpha first
        trail += (trail.empty() ? "" : " -> ") + str(by_alpha[i].second);
        if (i + 1 < by_alpha.size() && !(by_alpha[i].second < by_alpha[i + 1].second)) monotone = false;
    }
    c.add("jump-time error shrinks at every step from the largest to the smallest alpha", monotone, trail);
    // Claim 9 at finite alpha: the smallest-alpha run ends at the limit's last saddle, the min-l1 interpolator.
    std::string smallest;
    for (const auto& r : a["runs"])
        if (r["alpha"].get<double>() == by_alpha.front().first) smallest = r["label"].get<std::string>();
    double bp = INFINITY;
    for (const auto& [v, s] : runs) {
        const json* f = final_of(s);
        if (v.label == smallest && f && f->contains("relative_error_to_basis_pursuit") &&
            (*f)["relative_error_to_basis_pursuit"].is_number())
            bp = (*f)["relative_error_to_basis_pursuit"].get<double>();
    }
    c.add("claim 9: the smallest-alpha endpoint within 1e-3 of the basis-pursuit interpolator (the last saddle)",
          bp < 1e-3, "relative error " + str(bp));
}

}  // namespace

json run_checks(const std::string& name, const std::vector<std::pair<Variant, json>>& runs, const json& analysis) {
    Checks c;
    if (name == "fig1a") fig1a(runs, c);
    if (name == "fig1b") fig1b(runs, c);
    if (name == "toy") toy(runs, analysis, c);
    if (name == "separation") separation(analysis, c);
    if (name == "fig1c") fig1c(analysis, c);
    if (name == "moroshko") moroshko(runs, c);
    if (name == "fig1d") fig1d(runs, analysis, c);
    if (name == "kernel-rich") kernel_rich(runs, analysis, c);
    if (name == "omp") omp(analysis, c);
    if (name == "saddle-to-saddle") saddle_to_saddle(runs, analysis, c);
    // Every check above reads the runs (directly or through analysis computed from them), and some skip or zero
    // what a diverged run lacks: with a diverged run none of them was measured.
    std::string diverged;
    for (const auto& [v, s] : runs)
        if (!final_of(s)) diverged += (diverged.empty() ? "'" : ", '") + v.label + "'";
    if (!diverged.empty())
        for (auto& chk : c.list)
            if (chk["status"] == "pass") {
                chk["status"] = to_string(CheckStatus::NotEvaluated);
                chk["pass"] = false;
                chk["detail"] = "run " + diverged + " diverged (" + chk["detail"].get<std::string>() + ")";
            }
    return c.list;
}

}  // namespace depthbias
