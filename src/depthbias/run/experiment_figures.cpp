#include "depthbias/run/experiment_figures.hpp"

// GCC 12 reports -Wrestrict false positives inside std::string concatenation (char_traits::copy) once the
// label-building code here is inlined; the strings are ordinary and the warning is a known GCC 12 bug.
#pragma GCC diagnostic ignored "-Wrestrict"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <optional>
#include <sstream>

#include "depthbias/analysis/toy_theory.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/tasks/task_registry.hpp"
#include "depthbias/models/model_registry.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/io/csv_table.hpp"
#include "depthbias/io/gnuplot.hpp"
#include "depthbias/observe/recorder.hpp"

namespace depthbias {
namespace fs = std::filesystem;

namespace {

std::string fmt_double(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

std::string run_dir(const std::string& out, const Variant& v) { return (fs::path(out) / slug(v.label)).string(); }

// The analysis section a figure draws; its absence is a bug of the caller (analysis and figure kinds go together).
template <class T>
const T& section(const std::optional<T>& s, const char* name) {
    if (!s) throw std::logic_error(std::string("experiment figure: the analysis has no ") + name);
    return *s;
}

void layout(Figure& fig, size_t panels) {
    fig.cols = panels <= 1 ? 1 : 2;
    fig.rows = int((panels + 1) / 2);
    fig.width_px = fig.cols * 700;
    fig.height_px = fig.rows * 450 + 40;
}

bool spectrum_panels(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs, bool draw,
                     std::string* warning) {
    if (!draw) return true;
    Figure fig;
    fig.title = e.title;
    layout(fig, runs.size());
    for (const auto& [v, s] : runs) {
        const RunConfig c = variant_config(e, v);
        const std::string& step_axis = DynamicsRegistry::instance().get("dynamics.kind", c.dynamics.kind).step_axis_label;
        const bool gd = !step_axis.empty();
        Panel p{v.label, gd ? step_axis : "time t", TaskRegistry::instance().get("task.kind", c.task.kind).spectrum_label,
                false, false, {}, "set yrange [0:*]"};
        for (int i = 0; i < int(c.observe.top_k); ++i)
            p.curves.push_back({slug(v.label) + "/timeseries.csv", gd ? kColumnStep : kColumnTime, kColumnFirstSpectrum + i,
                                "s" + std::to_string(i + 1), "lines lw 2"});
        if (s.diverged()) p.title += " (DIVERGED)";
        fig.panels.push_back(p);
    }
    return render(fig, out, "figure", warning);
}

// Points: the recorded coordinates; lines: the closed-form flow at the recorded times (<run>/theory.csv).
bool toy_theory(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs, bool draw,
                std::string* warning) {
    Figure fig;
    fig.title = e.title + " (points: simulation, lines: closed-form gradient flow)";
    layout(fig, runs.size());
    for (const auto& [v, s] : runs) {
        const RunConfig c = variant_config(e, v);
        const std::string dir = run_dir(out, v);
        const CsvTable ts = read_csv(dir + "/timeseries.csv");
        const int tcol = ts.column("time");
        const int k = int(std::min<size_t>(c.task.target.size(), size_t(c.observe.top_k)));
        const auto form = ModelRegistry::instance().get("model.kind", c.model.kind).product_rate ? theory::ToyForm::Product
                                                                                                  : theory::ToyForm::Power;
        const double cn = theory::rate_constant(form, int(c.model.depth));
        AtomicOutputFile f(dir + "/theory.csv");
        f << "time";
        for (int i = 0; i < k; ++i) f << ",theory" << (i + 1);
        f << "\n" << std::setprecision(12);
        for (const auto& row : ts.rows) {
            const double t = row[size_t(tcol)];
            f << t;
            for (int i = 0; i < k; ++i)
                f << ',' << theory::solution(int(c.model.depth), c.task.target[size_t(i)], c.model.init_scale, t, cn);
            f << "\n";
        }
        f.commit();
        Panel p{v.label, "time t = step x lr", "sigma_i", false, false, {}, "set yrange [0:*]"};
        for (int i = 0; i < k; ++i) {
            p.curves.push_back({slug(v.label) + "/timeseries.csv", kColumnTime, kColumnFirstSpectrum + i,
                                "sim sigma*=" + fmt_double(c.task.target[size_t(i)]), "points pt 7 ps 0.4"});
            p.curves.push_back({slug(v.label) + "/theory.csv", 1, 2 + i, "", "lines lc rgb 'black' lw 1"});
        }
        fig.panels.push_back(p);
    }
    return !draw || render(fig, out, "figure", warning);
}

// Figure 1c / 1d: top-5 |w| (or Fourier amplitudes) against the GD step for the seed-0 runs.
bool classification(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs, bool draw,
                    std::string* warning) {
    if (!draw) return true;
    Figure fig;
    fig.title = e.title;
    std::vector<const VariantRun*> shown;
    for (const auto& r : runs)
        if (r.second.seed == 0) shown.push_back(&r);
    layout(fig, shown.size());
    for (const auto* r : shown) {
        const Variant& v = r->first;
        const RunConfig c = variant_config(e, v);
        Panel p{v.label, "epoch (GD step)", c.task.target_domain == "fourier" ? "Fourier amplitude |rfft(beta)|" : "|w_i|",
                false, false, {}, "set yrange [0:*]"};
        for (int i = 0; i < int(c.observe.top_k); ++i)
            p.curves.push_back({slug(v.label) + "/timeseries.csv", kColumnStep, kColumnFirstSpectrum + i,
                                "top " + std::to_string(i + 1), "lines lw 2"});
        fig.panels.push_back(p);
    }
    return render(fig, out, "figure", warning);
}

// Moroshko et al.: distance of w/gamma to the l1 and l2 max-margin directions against log10(1/eps), one panel per
// variant, and the analysis's map over (alpha, gamma) of the distance to l1 (D = 2 and D = 3).
bool moroshko(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs,
              const ExperimentAnalysis& a, bool draw, std::string* warning) {
    const auto& map = section(a.distance_to_l1_map, "distance_to_l1_map");
    for (int depth : {2, 3}) {
        AtomicOutputFile f(out + "/distance_map_D" + std::to_string(depth) + ".csv");
        f << "depth,log10_alpha,log10_gamma,log10_log10_inv_eps,dist_l1\n" << std::setprecision(8);
        for (int k = 0; k <= 12; ++k) {  // the analysis's alpha grid (run/experiment_analysis.cpp)
            const double log10_alpha = -1.0 + 0.25 * k;
            for (const auto& p : map)
                if (p.depth == depth && p.log10_alpha == log10_alpha)
                    f << depth << ',' << p.log10_alpha << ',' << std::log10(p.gamma) << ','
                      << std::log10(p.log10_inv_eps) << ',' << p.dist_l1 << "\n";
            f << "\n";  // gnuplot: blank line between scan lines
        }
        f.commit();
    }
    if (!draw) return true;
    Figure fig;
    fig.title = e.title;
    layout(fig, runs.size() + 2);
    for (const auto& [v, s] : runs) {
        Panel p{v.label, "log10(1/eps)", "distance to direction", true, true, {}, ""};
        const std::string file = slug(v.label) + "/timeseries.csv";
        // using: x = -log10 loss (column 4), y = dist columns after the spectrum and the task metrics
        const RunConfig c = variant_config(e, v);
        const int first_dist = kColumnFirstSpectrum + int(c.observe.top_k) + 5;  // 5 classification metrics
        p.curves.push_back({file, kColumnLog10Loss, first_dist, "to l1 max-margin", "lines lw 2"});
        p.curves.push_back({file, kColumnLog10Loss, first_dist + 1, "to l2 max-margin", "lines lw 2"});
        for (auto& cv : p.curves) cv.x_column = -kColumnLog10Loss;  // negative: plot -column (gnuplot.hpp)
        fig.panels.push_back(p);
    }
    for (int depth : {2, 3}) {
        Panel p{"D = " + std::to_string(depth) + ": distance of w/gamma to the l1 direction",
                "log10 alpha", "log10 gamma (= log10 log(1/eps) + O(log n / gamma))", false, false, {},
                "set view map\nset cbrange [0:*]\nset palette rgb 33,13,10"};
        p.curves.push_back({"distance_map_D" + std::to_string(depth) + ".csv", 2, 3, "", "image"});
        p.curves.back().z_column = 5;
        fig.panels.push_back(p);
    }
    return render(fig, out, "figure", warning);
}

// Woodworth et al. Fig. 1: the analysis's exact Q^D_alpha solutions over alpha (D = 2, 3).
bool kernel_rich(const Experiment& e, const std::string& out, const ExperimentAnalysis& a, bool draw,
                 std::string* warning) {
    const auto& k = section(a.kernel_rich, "q_program_over_alpha");
    for (int depth : {2, 3}) {
        AtomicOutputFile f(out + "/kernel_rich_D" + std::to_string(depth) + ".csv");
        f << "alpha,population_error,excess_l1,excess_l2\n" << std::setprecision(10);
        for (const auto& r : k.rows)
            if (r.depth == depth && !r.error)
                f << r.alpha << ',' << r.population_error << ',' << r.excess_l1 << ',' << r.excess_l2 << "\n";
        f.commit();
    }
    if (!draw) return true;
    Figure fig;
    fig.title = e.title + " (exact Q^D_alpha solutions)";
    fig.cols = 3;
    fig.width_px = 1800;
    fig.height_px = 520;
    Panel pa{"population error ||beta - beta*||^2", "alpha", "", true, true, {}, ""};
    Panel pb{"excess l1 norm over basis pursuit", "alpha", "", true, true, {}, ""};
    Panel pc{"excess l2 norm over min-l2", "alpha", "", true, true, {}, ""};
    for (int depth : {2, 3}) {
        const std::string file = "kernel_rich_D" + std::to_string(depth) + ".csv", t = "D = " + std::to_string(depth);
        pa.curves.push_back({file, 1, 2, t, "linespoints lw 2 pt 7"});
        pb.curves.push_back({file, 1, 3, t, "linespoints lw 2 pt 7"});
        pc.curves.push_back({file, 1, 4, t, "linespoints lw 2 pt 7"});
    }
    fig.panels = {pa, pb, pc};
    return render(fig, out, "figure", warning);
}

// Toy model vs OMP: the analysis's comparison rows (omp.csv); top-5 |beta_i| of the first four runs.
bool omp(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs, const ExperimentAnalysis& a,
         bool draw, std::string* warning) {
    {
        AtomicOutputFile f(out + "/omp.csv");
        f << "label,converged,concurrence,first_agrees,gd_order,omp_order\n";
        auto join = [](const std::vector<int>& x) {
            std::string r;
            for (int i : x) r += (r.empty() ? "" : " ") + std::to_string(i);
            return r;
        };
        for (const auto& r : section(a.omp_comparison, "omp_comparison"))
            f << r.label << ',' << r.converged << ',' << r.concurrence << ',' << r.first_agrees << ',' << join(r.gd_order)
              << ',' << join(r.omp_order) << "\n";
        f.commit();
    }
    if (!draw) return true;
    const size_t shown = std::min<size_t>(4, runs.size());
    Figure fig;
    fig.title = e.title;
    layout(fig, shown);
    for (size_t i = 0; i < shown; ++i) {
        const Variant& v = runs[i].first;
        Panel p{v.label + " (top-5 |beta_i|)", "epoch (GD step)", "|beta_i|", false, false, {}, "set yrange [0:*]"};
        for (int k = 0; k < 5; ++k)
            p.curves.push_back({slug(v.label) + "/timeseries.csv", kColumnStep, kColumnFirstSpectrum + k,
                                "top " + std::to_string(k + 1), "lines lw 2"});
        fig.panels.push_back(p);
    }
    return render(fig, out, "figure", warning);
}

// Saddle-to-saddle: each run's loss against the accelerated time 2t / log(1/alpha) (<run>/accelerated.csv) with the
// limit's staircase (saddle_limit.csv), and the analysis's jump-time errors against 1/log(1/alpha)
// (saddle_convergence.csv).
bool saddle_to_saddle(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs,
                      const ExperimentAnalysis& a, bool draw, std::string* warning) {
    const auto& sa = section(a.saddle_to_saddle, "saddle_to_saddle");
    {
        AtomicOutputFile f(out + "/saddle_limit.csv");  // the limit's loss staircase, our loss convention
        f << "t_accelerated,loss\n" << std::setprecision(12) << 0.0 << ',' << sa.loss0 << "\n";
        double prev = sa.loss0;
        for (const auto& j : sa.limit_jumps) {
            f << j.t << ',' << prev << "\n" << j.t << ',' << j.loss << "\n";
            prev = j.loss;
        }
        const double t_end = sa.limit_jumps.empty() ? 1.0 : 1.25 * sa.limit_jumps.back().t;
        f << t_end << ',' << prev << "\n";
        f.commit();
    }
    AtomicOutputFile conv(out + "/saddle_convergence.csv");
    conv << "label,alpha,inv_log_inv_alpha,max_rel_error,mean_rel_error\n" << std::setprecision(10);
    for (const auto& r : sa.runs) {
        const Variant* v = nullptr;
        for (const auto& run : runs)
            if (run.first.label == r.label) v = &run.first;
        if (!v) throw std::logic_error("saddle_to_saddle figure: no run labelled '" + r.label + "'");
        const std::string dir = run_dir(out, *v);
        const CsvTable ts = read_csv(dir + "/timeseries.csv");
        const int tcol = ts.column("time"), lcol = ts.column("loss");
        AtomicOutputFile f(dir + "/accelerated.csv");
        f << "t_accelerated,loss\n" << std::setprecision(12);
        for (const auto& row : ts.rows) f << 2 * row[size_t(tcol)] / r.log_inv_alpha << ',' << row[size_t(lcol)] << "\n";
        f.commit();
        conv << r.label << ',' << r.alpha << ',' << 1 / r.log_inv_alpha << ',' << r.max_relative_error << ','
             << r.mean_relative_error << "\n";
    }
    conv.commit();
    if (!draw) return true;
    Figure fig;
    fig.title = e.title;
    fig.cols = 2;
    fig.width_px = 1500;
    fig.height_px = 560;
    // (gnuplot's enhanced text treats '~' as an overprint: the label spells the accelerated time out)
    const double t_last = sa.limit_jumps.empty() ? 1.0 : sa.limit_jumps.back().t;
    Panel pa{"loss against accelerated time 2t / log(1/alpha)", "accelerated time 2t / log(1/alpha)",
             "loss (1/n)||X beta - y||^2", false, true, {},
             "set xrange [0:" + fmt_double(1.3 * t_last) + "]\nset yrange [1e-3:*]"};
    for (const auto& [v, s] : runs) pa.curves.push_back({slug(v.label) + "/accelerated.csv", 1, 2, v.label, "lines lw 2"});
    pa.curves.push_back({"saddle_limit.csv", 1, 2, "limit (Algorithm 1)", "lines lc rgb 'black' lw 2 dt 2"});
    Panel pb{"jump-time error against 1/log(1/alpha)", "1/log(1/alpha)", "relative error of the jump times", false, true,
             {}, "set xrange [0:*]"};
    pb.curves.push_back({"saddle_convergence.csv", 3, 4, "max over jumps", "linespoints lw 2 pt 7"});
    pb.curves.push_back({"saddle_convergence.csv", 3, 5, "mean over jumps", "linespoints lw 2 pt 5"});
    fig.panels = {pa, pb};
    return render(fig, out, "figure", warning);
}

// The depth-separation map (separation.csv: r, 1/(1-r), -log10(1-r), then -log10 sigma0_max per depth).
bool separation(const Experiment& e, const std::string& out, const ExperimentAnalysis& a, bool draw,
                std::string* warning) {
    const auto& sep = section(a.separation, "thresholds");
    {
        const std::string csv_path = out + "/separation.csv";
        AtomicOutputFile f(csv_path);
        f << "r,inv_one_minus_r,minus_log10_one_minus_r";
        for (int n : sep.depths) f << ",minus_log10_sigma0_max_N" << n;
        f << "\n" << std::setprecision(10);
        for (const auto& row : sep.thresholds) {
            f << row.r << ',' << 1 / (1 - row.r) << ',' << -std::log10(1 - row.r);
            for (int n : sep.depths) f << ',' << -std::log10(row.threshold.at(n));
            f << "\n";
        }
        f.commit();
    }
    if (!draw) return true;
    Figure fig;
    fig.title = e.title + " (eps = " + fmt_double(sep.epsilon) + ", targets 1 and r)";
    fig.cols = 2;
    fig.width_px = 1400;
    fig.height_px = 560;
    Panel pa{"depth 2 is exponential in 1/(1-r)", "1/(1-r)", "-log10 sigma0_max", false, false, {}, ""};
    Panel pb{"depth >= 3 is polynomial: slope N/(N-2)", "-log10(1-r)", "-log10 sigma0_max", false, false, {}, ""};
    for (size_t i = 0; i < sep.depths.size(); ++i) {
        const std::string t = "N = " + std::to_string(sep.depths[i]);
        pa.curves.push_back({"separation.csv", 2, int(4 + i), t, "linespoints lw 2 pt 7"});
        pb.curves.push_back({"separation.csv", 3, int(4 + i), t, "linespoints lw 2 pt 7"});
    }
    pb.extra = "set logscale y";
    fig.panels = {pa, pb};
    return render(fig, out, "figure", warning);
}

// Sharpness along GD (each run's sharpness.csv) with each run's stability limit 2 / lr as a dashed line.
bool sharpness(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs, bool draw,
               std::string* warning) {
    if (!draw) return true;
    Figure fig;
    fig.title = e.title;
    layout(fig, 1);
    Panel p{"top eigenvalue of the loss Hessian (dashed: 2 / lr)", "step", "sharpness", false, true, {}, ""};
    std::ostringstream extra;
    int colour = 1;
    for (const auto& [v, s] : runs) {
        const RunConfig c = variant_config(e, v);
        p.curves.push_back({slug(v.label) + "/sharpness.csv", 1, 3, v.label + (s.diverged() ? " (DIVERGED)" : ""),
                            "linespoints lw 2 lc " + std::to_string(colour)});
        extra << "set arrow from graph 0, first " << 2 / c.dynamics.lr << " to graph 1, first " << 2 / c.dynamics.lr
              << " nohead dt 2 lc " << colour << "\n";
        ++colour;
    }
    p.extra = extra.str();
    fig.panels.push_back(p);
    return render(fig, out, "figure", warning);
}

// Woodworth et al. Fig. 3a (completion-kernel-rich): over alpha = model.init_scale, the reconstruction error on the
// unobserved entries (final.test_error), their change from beta(0) = 0 (final.unobserved_energy) and the tangent
// kernel's distance from its start, with the minimum-nuclear-norm completion's own error (the oracle, dashed).
// kernel_to_rich.csv: alpha, test_error, unobserved_energy, tangent_kernel_distance, reference test error (empty when
// a run lacks a value).
bool kernel_to_rich(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs, bool draw,
                    std::string* warning) {
    std::vector<std::pair<double, const RunSummary*>> pts;
    for (const auto& [v, s] : runs)
        if (s.final) pts.emplace_back(variant_config(e, v).model.init_scale, &s);
    std::sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::optional<double> oracle;
    {
        AtomicOutputFile f(out + "/kernel_to_rich.csv");
        f << "alpha,test_error,unobserved_energy,tangent_kernel_distance,reference_test_error\n" << std::setprecision(12);
        for (const auto& [alpha, s] : pts) {
            const auto get = [s](const std::string& k) -> std::optional<double> {
                const auto it = s->final->values.find(k);
                return it == s->final->values.end() ? std::nullopt : it->second;
            };
            f << alpha;
            std::optional<double> ref;
            for (const auto& [k, v] : s->final->values)
                if (k.rfind("test_error_of_", 0) == 0 && v) ref = v;
            if (ref) oracle = ref;
            for (const auto& x : {get("test_error"), get("unobserved_energy"), get("tangent_kernel_distance"), ref}) {
                f << ',';
                if (x && std::isfinite(*x)) f << *x;
            }
            f << "\n";
        }
        f.commit();
    }
    if (!draw) return true;
    Figure fig;
    fig.title = e.title;
    fig.cols = 2;
    fig.width_px = 1400;
    fig.height_px = 560;
    Panel pa{"unobserved entries against alpha (dashed: min-nuclear-norm completion)", "alpha (init scale)",
             "relative to ||M*||_F^2", true, true, {}, ""};
    pa.curves.push_back({"kernel_to_rich.csv", 1, 2, "reconstruction error (unobserved)", "linespoints lw 2 pt 7"});
    pa.curves.push_back({"kernel_to_rich.csv", 1, 3, "change of the unobserved entries", "linespoints lw 2 pt 5"});
    if (oracle && *oracle > 1e-12)
        pa.extra = "set arrow from graph 0, first " + fmt_double(*oracle) + " to graph 1, first " + fmt_double(*oracle) +
                   " nohead dt 2 lw 2";
    else if (oracle)  // exact recovery: a line at ~1e-20 would only stretch the axis
        pa.title = "unobserved entries against alpha (the min-nuclear-norm completion's error: " + fmt_double(*oracle) + ")";
    Panel pb{"tangent kernel distance from its start", "alpha (init scale)", "S(K0, K at the end)", true, true, {}, ""};
    pb.curves.push_back({"kernel_to_rich.csv", 1, 4, "S", "linespoints lw 2 pt 7"});
    fig.panels = {pa, pb};
    return render(fig, out, "figure", warning);
}

using V = const std::vector<VariantRun>&;
using A = const ExperimentAnalysis&;
const Registrar<FigureEntry> f1{{"spectrum_panels", [](const Experiment& e, const std::string& o, V r, A, bool d, std::string* w) {
    return spectrum_panels(e, o, r, d, w);
}}};
const Registrar<FigureEntry> f2{{"toy_theory", [](const Experiment& e, const std::string& o, V r, A, bool d, std::string* w) {
    return toy_theory(e, o, r, d, w);
}}};
const Registrar<FigureEntry> f3{{"classification", [](const Experiment& e, const std::string& o, V r, A, bool d, std::string* w) {
    return classification(e, o, r, d, w);
}}};
const Registrar<FigureEntry> f4{{"moroshko", [](const Experiment& e, const std::string& o, V r, A a, bool d, std::string* w) {
    return moroshko(e, o, r, a, d, w);
}}};
const Registrar<FigureEntry> f5{{"kernel_rich", [](const Experiment& e, const std::string& o, V, A a, bool d, std::string* w) {
    return kernel_rich(e, o, a, d, w);
}}};
const Registrar<FigureEntry> f6{{"omp", [](const Experiment& e, const std::string& o, V r, A a, bool d, std::string* w) {
    return omp(e, o, r, a, d, w);
}}};
const Registrar<FigureEntry> f7{{"saddle_to_saddle", [](const Experiment& e, const std::string& o, V r, A a, bool d, std::string* w) {
    return saddle_to_saddle(e, o, r, a, d, w);
}}};
const Registrar<FigureEntry> f9{{"sharpness", [](const Experiment& e, const std::string& o, V r, A, bool d, std::string* w) {
    return sharpness(e, o, r, d, w);
}}};
const Registrar<FigureEntry> f10{{"kernel_to_rich", [](const Experiment& e, const std::string& o, V r, A, bool d, std::string* w) {
    return kernel_to_rich(e, o, r, d, w);
}}};
const Registrar<FigureEntry> f8{{"separation", [](const Experiment& e, const std::string& o, V, A a, bool d, std::string* w) {
    return separation(e, o, a, d, w);
}}};

}  // namespace

bool draw_experiment(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs,
                     const ExperimentAnalysis& a, bool draw, std::string* warning) {
    return FigureRegistry::instance().get("experiment.figure", e.figure).draw(e, out, runs, a, draw, warning);
}

}  // namespace depthbias
