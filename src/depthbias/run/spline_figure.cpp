// The spline_bias experiment kind's analysis step (nothing beyond the runs' own function-space metrics) and
// figure (Jin & Montufar Figure 1 and the n^-1/2 law): left, the data, g* (the run's `spline` reference column of
// function.csv) and the trained networks (runs with more than one step); right, the median over seeds of
// `final.min_norm_affine_sup_to_spline` per width (runs of at most one step: the interpolant runs) against n on log-log axes with the line c n^-1/2 through the
// first median. Also the spline_trajectory figure (below). Reads the run directories' function.csv and summaries; writes spline_scaling.csv and data.csv.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "depthbias/io/atomic_file.hpp"
#include "depthbias/io/gnuplot.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/run/experiment_analysis.hpp"
#include "depthbias/run/experiment_figures.hpp"
#include "depthbias/run/factory.hpp"
#include "depthbias/tasks/point_regression.hpp"

namespace depthbias {
namespace {
namespace fs = std::filesystem;

bool spline_bias(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs, bool draw,
                 std::string* warning) {
    Panel fn{"data, g* and trained networks", "x", "f(x)"};
    Panel scaling{"finite-n min-norm interpolant vs g* (median over seeds)", "width n", "sup |f_n - g*|"};
    scaling.logx = scaling.logy = true;
    std::map<double, std::vector<double>> by_width;
    bool have_spline = false, have_data = false;
    int trained = 0;
    for (const auto& [v, s] : runs) {
        if (!s.final) continue;
        const RunConfig c = variant_config(e, v);
        const std::string rel = slug(v.label) + "/function.csv";
        if (!fs::exists(fs::path(out) / rel)) continue;
        if (const auto m = s.final_value("min_norm_affine_sup_to_spline"); m && c.dynamics.max_steps <= 1)
            by_width[double(c.extra.get<std::int64_t>("model.width"))].push_back(*m);
        if (!have_data) {
            auto task = make_task(c);
            const auto& t = dynamic_cast<const PointRegression&>(*task);
            std::ostringstream d;
            d.precision(17);
            d << "x,y\n";
            for (Index j = 0; j < t.inputs().size(); ++j) d << t.inputs()(j) << "," << t.labels()(j) << "\n";
            write_file_atomically(out + "/data.csv", d.str());
            fn.curves.push_back({"data.csv", 1, 2, "data", "points pt 7 ps 1.5"});
            have_data = true;
        }
        if (!have_spline && s.final_value("sup_to_spline")) {
            fn.curves.push_back({rel, 1, 5, "g* (spline)", "lines lw 3 dt 2"});
            have_spline = true;
        }
        if (c.dynamics.max_steps > 1 && trained < 6) {
            fn.curves.push_back({rel, 1, 2, v.label, "lines"});
            ++trained;
        }
    }
    std::ostringstream sc;
    sc.precision(10);
    sc << "n,median,c_over_sqrt_n\n";
    double c0 = NAN;
    for (const auto& [n, vals] : by_width) {
        std::vector<double> v = vals;
        std::sort(v.begin(), v.end());
        const double med = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
        if (std::isnan(c0)) c0 = med * std::sqrt(n);
        sc << n << "," << med << "," << c0 / std::sqrt(n) << "\n";
    }
    write_file_atomically(out + "/spline_scaling.csv", sc.str());
    scaling.curves.push_back({"spline_scaling.csv", 1, 2, "median sup error", "linespoints pt 7"});
    scaling.curves.push_back({"spline_scaling.csv", 1, 3, "c n^{-1/2}", "lines dt 2"});
    if (!draw) return true;
    Figure fig;
    fig.title = e.title;
    const bool two = !by_width.empty();  // a preset without interpolant runs (mirror-wide) has no scaling panel
    fig.cols = two ? 2 : 1;
    fig.width_px = two ? 1400 : 800;
    fig.height_px = 520;
    fig.panels = two ? std::vector<Panel>{fn, scaling} : std::vector<Panel>{fn};
    return render(fig, out, "figure", warning);
}


// spline_trajectory (Remark 5, observe/smoothing_path.hpp): left, the first run's network at up to 6 times of its
// window against the best-matching smoothing spline (smoothing_path_functions.csv); right, lambda* x t against t
// for every run (smoothing_path.csv; Remark 5: flat).
bool spline_trajectory(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs, bool draw,
                       std::string* warning) {
    Panel fn{"network along training (solid) vs smoothing spline s_{lambda*} (dashed)", "x", "f(x)"};
    Panel lt{"lambda*(t) t: constant if lambda proportional to 1/t", "time t", "lambda* t"};
    lt.logx = lt.logy = true;
    bool have_functions = false;
    for (const auto& [v, s] : runs) {
        if (!s.final) continue;
        const std::string dir = slug(v.label);
        if (!fs::exists(fs::path(out) / dir / "smoothing_path.csv")) continue;
        lt.curves.push_back({dir + "/smoothing_path.csv", 2, 4, v.label, "linespoints pt 7 ps 0.6"});
        const fs::path fcsv = fs::path(out) / dir / "smoothing_path_functions.csv";
        if (have_functions || !fs::exists(fcsv)) continue;
        std::ifstream in(fcsv);
        std::string header;
        std::getline(in, header);
        const long cols = long(std::count(header.begin(), header.end(), ','));
        for (long k = 0; k < cols / 2; ++k) {
            fn.curves.push_back({dir + "/smoothing_path_functions.csv", 1, int(2 + 2 * k), k == 0 ? v.label : "", "lines lw 2 lc " + std::to_string(k + 1)});
            fn.curves.push_back({dir + "/smoothing_path_functions.csv", 1, int(3 + 2 * k), "", "lines dt 2 lc " + std::to_string(k + 1)});
        }
        have_functions = true;
    }
    if (!draw) return true;
    Figure fig;
    fig.title = e.title;
    fig.cols = 2;
    fig.width_px = 1400;
    fig.height_px = 520;
    fig.panels = {fn, lt};
    return render(fig, out, "figure", warning);
}

const Registrar<AnalysisStepEntry> analysis{{"spline_bias",
                                             "wide networks against g* and the min-norm interpolant (per-run metrics)",
                                             true,
                                             {}}};
const Registrar<FigureEntry> figure{{"spline_bias",
                                     [](const Experiment& e, const std::string& o, const std::vector<VariantRun>& r,
                                        const ExperimentAnalysis&, bool d, std::string* w) { return spline_bias(e, o, r, d, w); },
                                     "data, g*, trained networks; n^-1/2 law of the min-norm interpolant"}};

}  // namespace
}  // namespace depthbias

namespace depthbias {
namespace {
const Registrar<AnalysisStepEntry> trajectory_analysis{{"spline_trajectory",
                                                        "wide networks along training against smoothing splines "
                                                        "(per-run metrics of the smoothing_path observer)",
                                                        true,
                                                        {}}};
const Registrar<FigureEntry> trajectory_figure{{"spline_trajectory",
                                                [](const Experiment& e, const std::string& o,
                                                   const std::vector<VariantRun>& r, const ExperimentAnalysis&, bool d,
                                                   std::string* w) { return spline_trajectory(e, o, r, d, w); },
                                                "network along training vs smoothing splines; lambda* t against t"}};
}  // namespace
}  // namespace depthbias
