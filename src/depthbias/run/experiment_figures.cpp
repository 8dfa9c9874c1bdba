#include "depthbias/run/experiment_figures.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "depthbias/analysis/depth_separation.hpp"
#include "depthbias/analysis/toy_theory.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/run/csv_table.hpp"
#include "depthbias/run/gnuplot.hpp"

namespace depthbias {
namespace fs = std::filesystem;
using nlohmann::json;

std::string fmt_double(double v);

namespace {

// Least-squares slope of y against x.
double slope(const std::vector<double>& x, const std::vector<double>& y) {
    const double n = double(x.size());
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        sx += x[i];
        sy += y[i];
        sxx += x[i] * x[i];
        sxy += x[i] * y[i];
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

void layout(Figure& fig, size_t panels) {
    fig.cols = panels <= 1 ? 1 : 2;
    fig.rows = int((panels + 1) / 2);
    fig.width_px = fig.cols * 700;
    fig.height_px = fig.rows * 450 + 40;
}

bool spectrum_panels(const Experiment& e, const std::string& out, const std::vector<std::pair<Variant, json>>& runs,
                     bool draw, std::string* warning) {
    if (!draw) return true;
    Figure fig;
    fig.title = e.title;
    layout(fig, runs.size());
    for (const auto& [v, s] : runs) {
        const RunConfig c = variant_config(e, v);
        const bool gd = c.dynamics == "gd";
        Panel p{v.label, gd ? "epoch (GD step)" : "time t", c.task == "quadratic" ? "eigenvalue" : "singular value",
                false, false, {}, "set yrange [0:*]"};
        for (int i = 0; i < int(c.top_k); ++i)
            p.curves.push_back({slug(v.label) + "/timeseries.csv", gd ? 1 : 2, 8 + i, "s" + std::to_string(i + 1),
                                "lines lw 2"});
        if (s["status"] == "diverged") p.title += " (DIVERGED)";
        fig.panels.push_back(p);
    }
    return render(fig, out, "figure", warning);
}

bool toy_theory(const Experiment& e, const std::string& out, const std::vector<std::pair<Variant, json>>& runs,
                json& analysis, bool draw, std::string* warning) {
    Figure fig;
    fig.title = e.title + " (points: simulation, lines: closed-form gradient flow)";
    layout(fig, runs.size());
    json dev = json::object();
    for (const auto& [v, s] : runs) {
        const RunConfig c = variant_config(e, v);
        const std::string dir = (fs::path(out) / slug(v.label)).string();
        const CsvTable ts = read_csv(dir + "/timeseries.csv");
        const int tcol = ts.column("time");
        const int k = int(std::min<size_t>(c.target.size(), size_t(c.top_k)));
        const auto form = c.model == "toy_product" ? theory::ToyForm::Product : theory::ToyForm::Power;
        const double cn = theory::rate_constant(form, int(c.depth));
        // The +- form starts at beta = 0 and follows the power form started at sigma0 up to O(sigma0) (T2).
        std::ofstream f(dir + "/theory.csv");
        f << "time";
        for (int i = 0; i < k; ++i) f << ",theory" << (i + 1);
        f << "\n" << std::setprecision(12);
        double worst = 0;
        for (const auto& row : ts.rows) {
            const double t = row[size_t(tcol)];
            f << t;
            for (int i = 0; i < k; ++i) {
                const double th = theory::solution(int(c.depth), c.target[size_t(i)], c.init_scale, t, cn);
                f << ',' << th;
                worst = std::max(worst, std::abs(row[size_t(7 + i)] - th) / c.target[size_t(i)]);
            }
            f << "\n";
        }
        // Learning times are the robust comparison: sigma(t) rises steeply, so a small time shift is a large
        // vertical gap. Relative error of t_1/2 (GD events, interpolated) against the closed form.
        json th = json::array();
        double worst_time = 0;
        const auto& comps = s.contains("incremental") ? s["incremental"]["components"] : json::array();
        for (int i = 0; i < k && i < int(comps.size()); ++i) {
            const double exact = theory::learning_time(int(c.depth), c.target[size_t(i)], c.init_scale, 0.5, cn);
            const double sim = comps[size_t(i)]["t_half"].is_null() ? INFINITY : comps[size_t(i)]["t_half"].get<double>();
            worst_time = std::max(worst_time, std::abs(sim - exact) / exact);
            th.push_back({{"target", c.target[size_t(i)]}, {"t_half_theory", exact}, {"t_half_simulated", sim}});
        }
        dev[v.label] = {{"max_vertical_deviation_over_target", worst},
                        {"max_relative_t_half_error", worst_time},
                        {"components", th}};
        Panel p{v.label, "time t = step x lr", "sigma_i", false, false, {}, "set yrange [0:*]"};
        for (int i = 0; i < k; ++i) {
            p.curves.push_back({slug(v.label) + "/timeseries.csv", 2, 8 + i,
                                "sim sigma*=" + fmt_double(c.target[size_t(i)]), "points pt 7 ps 0.4"});
            p.curves.push_back({slug(v.label) + "/theory.csv", 1, 2 + i, "", "lines lc rgb 'black' lw 1"});
        }
        fig.panels.push_back(p);
    }
    analysis["toy_vs_theory"] = dev;
    return !draw || render(fig, out, "figure", warning);
}

}  // namespace

std::string fmt_double(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

json write_separation_table(const std::vector<int>& depths, const std::vector<double>& ratios, double eps,
                            const std::string& csv_path) {
    std::ofstream f(csv_path);
    if (!f) throw IoError("cannot write " + csv_path);
    f << "r,inv_one_minus_r,minus_log10_one_minus_r";
    for (int n : depths) f << ",minus_log10_sigma0_max_N" << n;
    f << "\n" << std::setprecision(10);
    json table = json::array();
    for (double r : ratios) {
        f << r << ',' << 1 / (1 - r) << ',' << -std::log10(1 - r);
        json row = {{"r", r}};
        for (int n : depths) {
            const double th = theory::threshold_sigma0(n, 1.0, r, eps);
            f << ',' << -std::log10(th);
            row["N" + std::to_string(n)] = th;
        }
        f << "\n";
        table.push_back(row);
    }
    return table;
}

bool analyze_and_draw(const Experiment& e, const std::string& out, const std::vector<std::pair<Variant, json>>& runs,
                      json& analysis, bool draw, std::string* warning) {
    if (e.figure == "spectrum_panels") return spectrum_panels(e, out, runs, draw, warning);
    if (e.figure == "toy_theory") return toy_theory(e, out, runs, analysis, draw, warning);
    // separation
    const std::vector<int> depths{2, 3, 4, 5};
    std::vector<double> ratios;
    for (double r = 0.30; r < 0.951; r += 0.05) ratios.push_back(r);
    for (double r : {0.97, 0.98, 0.99}) ratios.push_back(r);
    const double eps = e.base.epsilon;
    analysis["epsilon"] = eps;
    analysis["targets"] = "(1, r)";
    analysis["thresholds"] = write_separation_table(depths, ratios, eps, out + "/separation.csv");
    // Slopes: N = 2 against 1/(1-r) (exponential in 1/(1-r)); N >= 3 against -log10(1-r) over r >= 0.9
    // (polynomial, slope -> N/(N-2) as r -> 1).
    json slopes = json::object();
    for (int n : depths) {
        std::vector<double> x, y;
        for (const auto& row : analysis["thresholds"]) {
            const double r = row["r"];
            if (n > 2 && r < 0.899) continue;
            x.push_back(n == 2 ? 1 / (1 - r) : -std::log10(1 - r));
            y.push_back(-std::log10(row["N" + std::to_string(n)].get<double>()));
        }
        slopes["N" + std::to_string(n)] = {{"slope", slope(x, y)},
                                           {"against", n == 2 ? "1/(1-r)" : "-log10(1-r), r >= 0.9"},
                                           {"expected", n == 2 ? 2 * std::log10((1 - eps) / eps) : double(n) / (n - 2)}};
    }
    analysis["slopes"] = slopes;
    if (!draw) return true;
    Figure fig;
    fig.title = e.title + " (eps = " + fmt_double(eps) + ", targets 1 and r)";
    fig.cols = 2;
    fig.width_px = 1400;
    fig.height_px = 560;
    Panel a{"depth 2 is exponential in 1/(1-r)", "1/(1-r)", "-log10 sigma0_max", false, false, {}, ""};
    Panel b{"depth >= 3 is polynomial: slope N/(N-2)", "-log10(1-r)", "-log10 sigma0_max", false, false, {}, ""};
    for (size_t i = 0; i < depths.size(); ++i) {
        const std::string t = "N = " + std::to_string(depths[i]);
        a.curves.push_back({"separation.csv", 2, int(4 + i), t, "linespoints lw 2 pt 7"});
        b.curves.push_back({"separation.csv", 3, int(4 + i), t, "linespoints lw 2 pt 7"});
    }
    b.extra = "set logscale y";
    fig.panels = {a, b};
    return render(fig, out, "figure", warning);
}

}  // namespace depthbias
