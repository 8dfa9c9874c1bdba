#include "depthbias/run/experiment_checks.hpp"

#include <cmath>
#include <sstream>

namespace depthbias {
using nlohmann::json;

namespace {

struct Checks {
    json list = json::array();
    void add(const std::string& name, bool pass, const std::string& detail) {
        list.push_back({{"name", name}, {"pass", pass}, {"detail", detail}});
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
            c.add("M1 all depths finished", false, "depth " + std::to_string(d) + " missing or diverged");
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
        c.add("M2 both variants finished", false, "a variant is missing or diverged");
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

}  // namespace

json run_checks(const std::string& name, const std::vector<std::pair<Variant, json>>& runs, const json& analysis) {
    Checks c;
    if (name == "fig1a") fig1a(runs, c);
    if (name == "fig1b") fig1b(runs, c);
    if (name == "toy") toy(runs, analysis, c);
    if (name == "separation") separation(analysis, c);
    return c.list;
}

}  // namespace depthbias
