#include "depthbias/run/experiment_figures.hpp"

// GCC 12 reports -Wrestrict false positives inside std::string concatenation (char_traits::copy) once the
// label-building code here is inlined; the strings are ordinary and the warning is a known GCC 12 bug.
#pragma GCC diagnostic ignored "-Wrestrict"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "depthbias/analysis/depth_separation.hpp"
#include "depthbias/analysis/references/lp.hpp"
#include "depthbias/analysis/references/omp.hpp"
#include "depthbias/analysis/references/q_program.hpp"
#include "depthbias/analysis/references/saddle_to_saddle.hpp"
#include "depthbias/run/factory.hpp"
#include "depthbias/tasks/sparse_regression.hpp"
#include "depthbias/dynamics/dual_flow.hpp"
#include "depthbias/analysis/references/reference_distances.hpp"
#include "depthbias/analysis/toy_theory.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/observe/recorder.hpp"
#include "depthbias/io/csv_table.hpp"
#include "depthbias/io/gnuplot.hpp"

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
        const bool gd = c.dynamics.kind == "gd";
        Panel p{v.label, gd ? "epoch (GD step)" : "time t", c.task.kind == "quadratic" ? "eigenvalue" : "singular value",
                false, false, {}, "set yrange [0:*]"};
        for (int i = 0; i < int(c.observe.top_k); ++i)
            p.curves.push_back({slug(v.label) + "/timeseries.csv", gd ? kColumnStep : kColumnTime, kColumnFirstSpectrum + i, "s" + std::to_string(i + 1),
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
        const int k = int(std::min<size_t>(c.task.target.size(), size_t(c.observe.top_k)));
        const auto form = c.model.kind == "diagonal_product" ? theory::ToyForm::Product : theory::ToyForm::Power;
        const double cn = theory::rate_constant(form, int(c.model.depth));
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
                const double th = theory::solution(int(c.model.depth), c.task.target[size_t(i)], c.model.init_scale, t, cn);
                f << ',' << th;
                worst = std::max(worst, std::abs(row[size_t(kColumnFirstSpectrum - 1 + i)] - th) / c.task.target[size_t(i)]);
            }
            f << "\n";
        }
        // Learning times are the robust comparison: sigma(t) rises steeply, so a small time shift is a large
        // vertical gap. Relative error of t_1/2 (GD events, interpolated) against the closed form.
        json th = json::array();
        double worst_time = 0;
        const auto& comps = s.contains("incremental") ? s["incremental"]["components"] : json::array();
        for (int i = 0; i < k && i < int(comps.size()); ++i) {
            const double exact = theory::learning_time(int(c.model.depth), c.task.target[size_t(i)], c.model.init_scale, 0.5, cn);
            const double sim = comps[size_t(i)]["t_half"].is_null() ? INFINITY : comps[size_t(i)]["t_half"].get<double>();
            worst_time = std::max(worst_time, std::abs(sim - exact) / exact);
            th.push_back({{"target", c.task.target[size_t(i)]}, {"t_half_theory", exact}, {"t_half_simulated", sim}});
        }
        dev[v.label] = {{"max_vertical_deviation_over_target", worst},
                        {"max_relative_t_half_error", worst_time},
                        {"components", th}};
        Panel p{v.label, "time t = step x lr", "sigma_i", false, false, {}, "set yrange [0:*]"};
        for (int i = 0; i < k; ++i) {
            p.curves.push_back({slug(v.label) + "/timeseries.csv", kColumnTime, kColumnFirstSpectrum + i,
                                "sim sigma*=" + fmt_double(c.task.target[size_t(i)]), "points pt 7 ps 0.4"});
            p.curves.push_back({slug(v.label) + "/theory.csv", 1, 2 + i, "", "lines lc rgb 'black' lw 1"});
        }
        fig.panels.push_back(p);
    }
    analysis["toy_vs_theory"] = dev;
    return !draw || render(fig, out, "figure", warning);
}

// Figure 1c / 1d: top-5 |w| (or Fourier amplitudes) against the GD step for the seed-0 runs; per-depth mean
// correlation with the target over seeds, and the same for the l2 max-margin baseline.
bool classification(const Experiment& e, const std::string& out, const std::vector<std::pair<Variant, json>>& runs,
                    json& analysis, bool draw, std::string* warning) {
    std::map<int, std::vector<double>> corr;
    std::vector<double> svm;
    Figure fig;
    fig.title = e.title;
    std::vector<std::pair<Variant, json>> shown;
    for (const auto& [v, s] : runs) {
        if (s.contains("final")) corr[s["depth"].get<int>()].push_back(s["final"]["correlation"].get<double>());
        if (s.contains("reference_target_correlation") && s["depth"] == 1)
            svm.push_back(s["reference_target_correlation"]["l2_max_margin"].get<double>());
        if (s["seed"] == 0) shown.emplace_back(v, s);
    }
    json means = json::object();
    for (const auto& [depth, v] : corr) {
        double m = 0;
        for (double x : v) m += x;
        means[std::to_string(depth)] = {{"mean", m / double(v.size())}, {"values", v}};
    }
    analysis["correlation_by_depth"] = means;
    if (!svm.empty()) {
        double m = 0;
        for (double x : svm) m += x;
        analysis["l2_max_margin_correlation"] = {{"mean", m / double(svm.size())}, {"values", svm}};
    }
    if (!draw) return true;
    layout(fig, shown.size());
    for (const auto& [v, s] : shown) {
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
// variant, and a map over (alpha, gamma) of the distance to l1 (D = 2 and D = 3), computed here with the dual flow.
bool moroshko(const Experiment& e, const std::string& out, const std::vector<std::pair<Variant, json>>& runs,
              json& analysis, bool draw, std::string* warning) {
    const RunConfig base = e.base;
    const Index d = base.task.d;
    Mat xt(Index(base.task.signed_inputs.size()) / d, d);
    for (Index i = 0; i < xt.rows(); ++i)
        for (Index j = 0; j < d; ++j) xt(i, j) = base.task.signed_inputs[size_t(i * d + j)];
    const BinaryClassification task(xt, base.task.loss, base.task.reduction);
    const Vec l1 = refs::l1_max_margin(xt);
    const Vec l1dir = l1 / l1.norm();
    json map = json::array();
    for (int depth : {2, 3}) {
        std::ofstream f(out + "/distance_map_D" + std::to_string(depth) + ".csv");
        f << "depth,log10_alpha,log10_gamma,log10_log10_inv_eps,dist_l1\n" << std::setprecision(8);
        for (int k = 0; k <= 12; ++k) {
            const double log10_alpha = -1.0 + 0.25 * k;
            DualFlowSpec ds;
            ds.depth = depth;
            ds.alpha = std::pow(10.0, log10_alpha);
            ds.max_margin = base.dynamics.max_margin;
            ds.rtol = base.dynamics.rtol;
            ds.atol = base.dynamics.atol;
            for (double g = 10; g <= base.dynamics.max_margin * (1 + 1e-12); g *= std::sqrt(10.0)) ds.checkpoints.push_back(g);
            const auto r = run_dual_flow(task, ds, nullptr);
            for (const auto& c : r.checkpoints) {
                const double dist = direction_distance(c.normalized, l1dir);
                f << depth << ',' << log10_alpha << ',' << std::log10(c.gamma) << ',' << std::log10(c.log10_inv_eps)
                  << ',' << dist << "\n";
                map.push_back({{"depth", depth}, {"alpha", ds.alpha}, {"gamma", c.gamma}, {"dist_l1", dist}});
            }
            f << "\n";  // gnuplot: blank line between scan lines
        }
    }
    analysis["distance_to_l1_map"] = map;
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

// Woodworth et al. Fig. 1: the exact Q^D_alpha solutions over an alpha grid (D = 2, 3): population error and the
// excess l1 / l2 norms over the basis-pursuit / min-l2 interpolators (kernel_rich.csv).
bool kernel_rich(const Experiment& e, const std::string& out, json& analysis, bool draw, std::string* warning) {
    const auto task_ptr = make_task(e.base);
    const auto& task = dynamic_cast<const SparseRegression&>(*task_ptr);
    const Vec bp = refs::basis_pursuit(task.inputs(), task.labels());
    const Vec l2 = refs::min_l2_interpolation(task.inputs(), task.labels());
    const Vec star = task.target().col(0);
    json rows = json::array();
    for (int depth : {2, 3}) {
        std::ofstream f(out + "/kernel_rich_D" + std::to_string(depth) + ".csv");
        f << "alpha,population_error,excess_l1,excess_l2\n" << std::setprecision(10);
        for (int k = 0; k <= 20; ++k) {
            const double alpha = std::pow(10.0, -2.0 + 0.2 * k);
            Vec b;
            try {
                b = refs::q_regression(task.inputs(), task.labels(), depth, alpha);
            } catch (const std::exception& ex) {
                rows.push_back({{"depth", depth}, {"alpha", alpha}, {"error", ex.what()}});
                continue;
            }
            const double pop = (b - star).squaredNorm();
            const double ex1 = b.lpNorm<1>() - bp.lpNorm<1>(), ex2 = b.norm() - l2.norm();
            f << alpha << ',' << pop << ',' << ex1 << ',' << ex2 << "\n";
            rows.push_back({{"depth", depth}, {"alpha", alpha}, {"population_error", pop}, {"excess_l1", ex1},
                            {"excess_l2", ex2}});
        }
    }
    analysis["q_program_over_alpha"] = rows;
    analysis["basis_pursuit_population_error"] = (bp - star).squaredNorm();
    analysis["min_l2_population_error"] = (l2 - star).squaredNorm();
    if (!draw) return true;
    Figure fig;
    fig.title = e.title + " (exact Q^D_alpha solutions)";
    fig.cols = 3;
    fig.width_px = 1800;
    fig.height_px = 520;
    Panel a{"population error ||beta - beta*||^2", "alpha", "", true, true, {}, ""};
    Panel b{"excess l1 norm over basis pursuit", "alpha", "", true, true, {}, ""};
    Panel c{"excess l2 norm over min-l2", "alpha", "", true, true, {}, ""};
    for (int depth : {2, 3}) {
        const std::string file = "kernel_rich_D" + std::to_string(depth) + ".csv", t = "D = " + std::to_string(depth);
        a.curves.push_back({file, 1, 2, t, "linespoints lw 2 pt 7"});
        b.curves.push_back({file, 1, 3, t, "linespoints lw 2 pt 7"});
        c.curves.push_back({file, 1, 4, t, "linespoints lw 2 pt 7"});
    }
    fig.panels = {a, b, c};
    return render(fig, out, "figure", warning);
}

// Toy model vs OMP (gissin.md 3.5): per seed, GD's activation order (first time beta_i > threshold) against OMP's
// selection order on the same data; concurrence |A n B| / min(|A|, |B|) and whether the first choices agree.
bool omp(const Experiment& e, const std::string& out, const std::vector<std::pair<Variant, json>>& runs,
         json& analysis, bool draw, std::string* warning) {
    json rows = json::array();
    std::ofstream f(out + "/omp.csv");
    f << "label,converged,concurrence,first_agrees,gd_order,omp_order\n";
    for (const auto& [v, s] : runs) {
        const RunConfig c = variant_config(e, v);
        const auto task_ptr = make_task(c);
        const auto& task = dynamic_cast<const SparseRegression&>(*task_ptr);
        const auto o = refs::omp(task.inputs(), task.labels());
        std::vector<int> gd = s.value("activation_order", std::vector<int>{});
        const double conc = gd.empty() ? 0.0 : refs::concurrence(o.order, gd);
        const bool first = !gd.empty() && !o.order.empty() && gd[0] == o.order[0];
        const bool converged = s["status"] == "converged";
        auto join = [](const std::vector<int>& x) {
            std::string r;
            for (int i : x) r += (r.empty() ? "" : " ") + std::to_string(i);
            return r;
        };
        f << v.label << ',' << converged << ',' << conc << ',' << first << ',' << join(gd) << ',' << join(o.order)
          << "\n";
        rows.push_back({{"label", v.label}, {"converged", converged}, {"concurrence", conc}, {"first_agrees", first},
                        {"gd_order", gd}, {"omp_order", o.order}, {"same_order", gd == o.order}});
    }
    analysis["omp_comparison"] = rows;
    if (!draw) return true;
    std::vector<std::pair<Variant, json>> shown(runs.begin(), runs.begin() + long(std::min<size_t>(4, runs.size())));
    Figure fig;
    fig.title = e.title;
    layout(fig, shown.size());
    for (const auto& [v, s] : shown) {
        Panel p{v.label + " (top-5 |beta_i|)", "epoch (GD step)", "|beta_i|", false, false, {}, "set yrange [0:*]"};
        for (int i = 0; i < 5; ++i)
            p.curves.push_back({slug(v.label) + "/timeseries.csv", kColumnStep, kColumnFirstSpectrum + i,
                                "top " + std::to_string(i + 1), "lines lw 2"});
        fig.panels.push_back(p);
    }
    return render(fig, out, "figure", warning);
}

// Saddle-to-saddle (moroshko_woodworth.md 3.1; Pesme & Flammarion 2023): GD on beta = u (.) v from
// u(0) = sqrt2 alpha, v(0) = 0 (model diagonal_product, depth 2, shape [sqrt2, 0], init_scale = alpha^2) on the
// sparse-regression data, against the limit algorithm's jump times. Time: the limit uses L_P = (1/2n)||y - X b||^2,
// our loss is (1/n)||.||^2 = 2 L_P, so our flow runs at twice the speed: t_P = 2 t and the accelerated time is
// t~ = 2 t / log(1/alpha). The limit is piecewise constant in t~, with loss 2 L_P(beta_k) after the k-th jump.
// GD's jump time for jump k: the first t~ at which its loss falls below the mid-level between the saddles before
// and after the jump (linear interpolation between records); a jump whose loss drop is under 5 % of the level
// before it is not resolvable this way and is listed but not scored.
bool saddle_to_saddle(const Experiment& e, const std::string& out, const std::vector<std::pair<Variant, json>>& runs,
                      json& analysis, bool draw, std::string* warning) {
    const auto task_ptr = make_task(e.base);
    const auto* task = dynamic_cast<const SparseRegression*>(task_ptr.get());
    if (!task) throw ConfigError("task.kind", "the saddle_to_saddle figure needs task.kind = \"regression\"");
    const auto limit = refs::saddle_to_saddle(task->inputs(), task->labels());
    const double loss0 = task->labels().squaredNorm() / double(task->labels().size());  // our loss at beta = 0
    json jumps = json::array();
    {
        std::ofstream f(out + "/saddle_limit.csv");  // the limit's loss staircase, our loss convention
        f << "t_accelerated,loss\n" << std::setprecision(12) << 0.0 << ',' << loss0 << "\n";
        double prev = loss0;
        for (const auto& st : limit.steps) {
            f << st.t << ',' << prev << "\n" << st.t << ',' << 2 * st.loss << "\n";
            jumps.push_back({{"t", st.t}, {"loss", 2 * st.loss}, {"support", st.support}});
            prev = 2 * st.loss;
        }
        const double t_end = limit.steps.empty() ? 1.0 : 1.25 * limit.steps.back().t;
        f << t_end << ',' << prev << "\n";
    }
    json per_run = json::array();
    std::ofstream conv(out + "/saddle_convergence.csv");
    conv << "label,alpha,inv_log_inv_alpha,max_rel_error,mean_rel_error\n" << std::setprecision(10);
    for (const auto& [v, s] : runs) {
        const RunConfig c = variant_config(e, v);
        if (c.model.kind != "diagonal_product" || c.model.depth != 2 || c.model.shape.size() != 2 ||
            std::abs(c.model.shape[0] - std::sqrt(2.0)) > 1e-12 || c.model.shape[1] != 0.0)
            throw ConfigError("model.shape", "the saddle_to_saddle figure needs model.kind = \"diagonal_product\", "
                                             "depth 2, shape = [1.4142135623730951, 0] (u(0) = sqrt2 alpha, v(0) = 0)");
        {  // the limit is computed once, on the base's data: every variant must train on the same X and y
            const auto vt = make_task(c);
            const auto* vr = dynamic_cast<const SparseRegression*>(vt.get());
            if (!vr || vr->inputs() != task->inputs() || vr->labels() != task->labels())
                throw ConfigError("variant", "'" + v.label + "' trains on other data than the base (task.* or "
                                             "run.seed overridden); the saddle_to_saddle figure compares every run "
                                             "with one limit process");
        }
        const double alpha = std::sqrt(c.model.init_scale);
        if (!(alpha < 1)) throw ConfigError("model.init_scale", "must be below 1 (alpha = sqrt(init_scale) < 1)");
        const double lg = std::log(1.0 / alpha);
        const std::string dir = (fs::path(out) / slug(v.label)).string();
        const CsvTable ts = read_csv(dir + "/timeseries.csv");
        const int tcol = ts.column("time"), lcol = ts.column("loss");
        std::vector<double> tt, ll;
        {
            std::ofstream f(dir + "/accelerated.csv");
            f << "t_accelerated,loss\n" << std::setprecision(12);
            for (const auto& row : ts.rows) {
                tt.push_back(2 * row[size_t(tcol)] / lg);
                ll.push_back(row[size_t(lcol)]);
                f << tt.back() << ',' << ll.back() << "\n";
            }
        }
        json js = json::array();
        double worst = 0, sum = 0;
        int scored = 0;
        double prev = loss0;
        for (size_t k = 0; k < limit.steps.size(); ++k) {
            const double lk = 2 * limit.steps[k].loss, tk = limit.steps[k].t;
            json j = {{"k", k + 1}, {"t_limit", tk}, {"loss_before", prev}, {"loss_after", lk}};
            if (prev - lk < 0.05 * prev) {
                j["resolvable"] = false;
            } else {
                const double mid = 0.5 * (prev + lk);
                double tg = NAN;
                for (size_t i = 1; i < ll.size(); ++i)
                    if (ll[i] <= mid && ll[i - 1] > mid) {
                        tg = tt[i - 1] + (tt[i] - tt[i - 1]) * (ll[i - 1] - mid) / (ll[i - 1] - ll[i]);
                        break;
                    }
                const double err = std::isfinite(tg) ? std::abs(tg - tk) / tk : INFINITY;
                j["resolvable"] = true;
                j["t_gd"] = std::isfinite(tg) ? json(tg) : json(nullptr);
                j["relative_error"] = std::isfinite(err) ? json(err) : json(nullptr);
                worst = std::max(worst, err);
                sum += err;
                ++scored;
            }
            js.push_back(j);
            prev = lk;
        }
        if (scored == 0) worst = NAN;  // nothing scored: no error to report (not 0)
        const double mean = scored ? sum / scored : NAN;
        conv << v.label << ',' << alpha << ',' << 1 / lg << ',' << worst << ',' << mean << "\n";
        per_run.push_back({{"label", v.label}, {"alpha", alpha}, {"log_inv_alpha", lg}, {"jumps", js},
                           {"scored_jumps", scored}, {"max_relative_error", std::isfinite(worst) ? json(worst) : json(nullptr)},
                           {"mean_relative_error", std::isfinite(mean) ? json(mean) : json(nullptr)}});
    }
    conv.close();
    analysis["saddle_to_saddle"] = {{"limit_converged", limit.converged}, {"limit_jumps", jumps}, {"runs", per_run}};
    if (!draw) return true;
    Figure fig;
    fig.title = e.title;
    fig.cols = 2;
    fig.width_px = 1500;
    fig.height_px = 560;
    // (gnuplot's enhanced text treats '~' as an overprint: the label spells the accelerated time out)
    const double t_last = limit.steps.empty() ? 1.0 : limit.steps.back().t;
    Panel a{"loss against accelerated time 2t / log(1/alpha)", "accelerated time 2t / log(1/alpha)",
            "loss (1/n)||X beta - y||^2", false, true, {},
            "set xrange [0:" + fmt_double(1.3 * t_last) + "]\nset yrange [1e-3:*]"};
    for (const auto& [v, s] : runs)
        a.curves.push_back({slug(v.label) + "/accelerated.csv", 1, 2, v.label, "lines lw 2"});
    a.curves.push_back({"saddle_limit.csv", 1, 2, "limit (Algorithm 1)", "lines lc rgb 'black' lw 2 dt 2"});
    Panel b{"jump-time error against 1/log(1/alpha)", "1/log(1/alpha)", "relative error of the jump times", false, true, {},
            "set xrange [0:*]"};
    b.curves.push_back({"saddle_convergence.csv", 3, 4, "max over jumps", "linespoints lw 2 pt 7"});
    b.curves.push_back({"saddle_convergence.csv", 3, 5, "mean over jumps", "linespoints lw 2 pt 5"});
    fig.panels = {a, b};
    return render(fig, out, "figure", warning);
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
    if (e.figure == "classification") return classification(e, out, runs, analysis, draw, warning);
    if (e.figure == "moroshko") return moroshko(e, out, runs, analysis, draw, warning);
    if (e.figure == "kernel_rich") return kernel_rich(e, out, analysis, draw, warning);
    if (e.figure == "omp") return omp(e, out, runs, analysis, draw, warning);
    if (e.figure == "saddle_to_saddle") return saddle_to_saddle(e, out, runs, analysis, draw, warning);
    // separation
    const std::vector<int> depths{2, 3, 4, 5};
    std::vector<double> ratios;
    for (double r = 0.30; r < 0.951; r += 0.05) ratios.push_back(r);
    for (double r : {0.97, 0.98, 0.99}) ratios.push_back(r);
    const double eps = e.base.analysis.epsilon;
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
