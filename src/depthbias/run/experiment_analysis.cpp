#include "depthbias/run/experiment_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "depthbias/analysis/depth_separation.hpp"
#include "depthbias/analysis/references/lp.hpp"
#include "depthbias/analysis/references/omp.hpp"
#include "depthbias/analysis/references/q_program.hpp"
#include "depthbias/analysis/references/reference_distances.hpp"
#include "depthbias/analysis/references/saddle_to_saddle.hpp"
#include "depthbias/analysis/toy_theory.hpp"
#include "depthbias/models/model_registry.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/dynamics/dual_flow.hpp"
#include "depthbias/io/csv_table.hpp"
#include "depthbias/observe/recorder.hpp"
#include "depthbias/run/factory.hpp"
#include "depthbias/tasks/sparse_regression.hpp"

namespace depthbias {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

CsvTable timeseries(const std::string& out, const Variant& v) {
    return read_csv((fs::path(out) / slug(v.label) / "timeseries.csv").string());
}

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

// Toy model against the closed-form gradient flow: the largest vertical gap over the recorded spectrum, and the
// relative error of the learning times t_1/2 (the robust comparison: sigma(t) rises steeply, so a small time shift
// is a large vertical gap). The +- form starts at beta = 0 and follows the power form started at sigma0 up to
// O(sigma0) (T2).
void toy_theory(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs, ExperimentAnalysis& a) {
    std::map<std::string, ToyComparison> dev;
    for (const auto& [v, s] : runs) {
        const RunConfig c = variant_config(e, v);
        const CsvTable ts = timeseries(out, v);
        const int tcol = ts.column("time");
        const int k = int(std::min<size_t>(c.task.target.size(), size_t(c.observe.top_k)));
        const auto form = ModelRegistry::instance().get("model.kind", c.model.kind).product_rate ? theory::ToyForm::Product
                                                                                                  : theory::ToyForm::Power;
        const double cn = theory::rate_constant(form, int(c.model.depth));
        ToyComparison cmp;
        for (const auto& row : ts.rows) {
            const double t = row[size_t(tcol)];
            for (int i = 0; i < k; ++i) {
                const double th = theory::solution(int(c.model.depth), c.task.target[size_t(i)], c.model.init_scale, t, cn);
                cmp.max_vertical_deviation_over_target =
                    std::max(cmp.max_vertical_deviation_over_target,
                             std::abs(row[size_t(kColumnFirstSpectrum - 1 + i)] - th) / c.task.target[size_t(i)]);
            }
        }
        const size_t recorded = s.incremental ? s.incremental->components.size() : 0;
        for (int i = 0; i < k && i < int(recorded); ++i) {
            const double exact = theory::learning_time(int(c.model.depth), c.task.target[size_t(i)], c.model.init_scale, 0.5, cn);
            const auto& t_half = s.incremental->components[size_t(i)].t_half;
            const double sim = t_half && std::isfinite(*t_half) ? *t_half : INFINITY;
            cmp.max_relative_t_half_error = std::max(cmp.max_relative_t_half_error, std::abs(sim - exact) / exact);
            cmp.components.push_back({c.task.target[size_t(i)], exact, sim});
        }
        dev[v.label] = cmp;
    }
    a.toy_vs_theory = dev;
}

// Figure 1c / 1d: per-depth mean correlation with the target over seeds, and the same for the l2 max-margin
// baseline (depth-1 runs).
void classification(const Experiment&, const std::string&, const std::vector<VariantRun>& runs, ExperimentAnalysis& a) {
    std::map<int, std::vector<double>> corr;
    std::vector<double> svm;
    for (const auto& [v, s] : runs) {
        if (s.final) {
            const auto c = s.final->get("correlation");
            if (!c) throw IoError("run '" + v.label + "': field 'final.correlation' is missing or not finite");
            corr[s.depth].push_back(*c);
        }
        if (!s.reference_target_correlation.empty() && s.depth == 1) {
            const auto it = s.reference_target_correlation.find("l2_max_margin");
            if (it == s.reference_target_correlation.end())
                throw IoError("run '" + v.label + "': field 'reference_target_correlation.l2_max_margin' is missing");
            svm.push_back(it->second);
        }
    }
    auto mean_of = [](const std::vector<double>& v) {
        double m = 0;
        for (double x : v) m += x;
        return MeanOfValues{m / double(v.size()), v};
    };
    std::map<int, MeanOfValues> means;
    for (const auto& [depth, v] : corr) means[depth] = mean_of(v);
    a.correlation_by_depth = means;
    if (!svm.empty()) a.l2_max_margin_correlation = mean_of(svm);
}

// Moroshko et al.: a map over (alpha, gamma) of the distance of w/gamma to the l1 max-margin direction (D = 2, 3),
// computed with the dual flow on the base config's data.
void moroshko(const Experiment& e, const std::string&, const std::vector<VariantRun>&, ExperimentAnalysis& a) {
    const RunConfig base = e.base;
    const Index d = base.task.d;
    Mat xt(Index(base.task.signed_inputs.size()) / d, d);
    for (Index i = 0; i < xt.rows(); ++i)
        for (Index j = 0; j < d; ++j) xt(i, j) = base.task.signed_inputs[size_t(i * d + j)];
    const BinaryClassification task(xt, base.task.loss, base.task.reduction);
    const Vec l1 = refs::l1_max_margin(xt);
    const Vec l1dir = l1 / l1.norm();
    std::vector<DistanceMapPoint> map;
    for (int depth : {2, 3})
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
            for (const auto& c : r.checkpoints)
                map.push_back({depth, log10_alpha, ds.alpha, c.gamma, c.log10_inv_eps, direction_distance(c.normalized, l1dir)});
        }
    a.distance_to_l1_map = map;
}

// Woodworth et al. Fig. 1: the exact Q^D_alpha solutions over an alpha grid (D = 2, 3): population error and the
// excess l1 / l2 norms over the basis-pursuit / min-l2 interpolators.
void kernel_rich(const Experiment& e, const std::string&, const std::vector<VariantRun>&, ExperimentAnalysis& a) {
    const auto task_ptr = make_task(e.base);
    const auto& task = dynamic_cast<const SparseRegression&>(*task_ptr);
    const Vec bp = refs::basis_pursuit(task.inputs(), task.labels());
    const Vec l2 = refs::min_l2_interpolation(task.inputs(), task.labels());
    const Vec star = task.target().col(0);
    KernelRichAnalysis k;
    constexpr int kGrid = 20;
    for (int depth : {2, 3}) {
        // Solved from the largest alpha down, each solve warm-started from its neighbours' duals (issue 10: the
        // small-alpha programs take 8-20 Newton steps from nu = 0, 2-7 from there); rows are stored in
        // increasing alpha. The solutions equal cold solves to the solver's tolerance (test
        // RefQProgram.WarmStartGivesTheColdSolution).
        std::vector<QProgramRow> rows(kGrid + 1);
        std::optional<Vec> nu, prev;
        for (int i = kGrid; i >= 0; --i) {
            QProgramRow& row = rows[size_t(i)];
            row = QProgramRow{depth, std::pow(10.0, -2.0 + 0.2 * i), std::nullopt};
            refs::RegressionSolution sol;
            try {
                std::optional<Vec> start = nu;
                // Extrapolated from the two neighbours in log alpha, nu + f (nu - prev). D = 2: the dual is unbounded
                // and z = X^T nu shifts by about -2 log(alpha ratio) on the support, f = 1 (Newton steps for the 21
                // programs, measured: 58; f = 0: 69, 0.5: 64, 1.25: 62). D > 2: |z| < 1 and a full step overshoots
                // towards the boundary, f = 1/4 (67 steps; f = 0: 84, 0.5: 71, 0.75: 94).
                if (nu && prev) start = *nu + (depth == 2 ? 1.0 : 0.25) * (*nu - *prev);
                sol = refs::q_regression_with_dual(task.inputs(), task.labels(), depth, row.alpha,
                                                   start ? &*start : nullptr);
            } catch (const std::exception& ex) {
                row.error = ex.what();
                nu.reset();
                prev.reset();
                continue;
            }
            prev = std::move(nu);
            nu = sol.nu;
            const Vec& b = sol.beta;
            row.population_error = (b - star).squaredNorm();
            row.excess_l1 = b.lpNorm<1>() - bp.lpNorm<1>();
            row.excess_l2 = b.norm() - l2.norm();
        }
        k.rows.insert(k.rows.end(), rows.begin(), rows.end());
    }
    k.basis_pursuit_population_error = (bp - star).squaredNorm();
    k.min_l2_population_error = (l2 - star).squaredNorm();
    a.kernel_rich = k;
}

// Toy model vs OMP (gissin.md 3.5): per run, GD's activation order (first time beta_i > threshold) against OMP's
// selection order on the same data; concurrence |A n B| / min(|A|, |B|) and whether the first choices agree.
void omp(const Experiment& e, const std::string&, const std::vector<VariantRun>& runs, ExperimentAnalysis& a) {
    std::vector<OmpRow> rows;
    for (const auto& [v, s] : runs) {
        const RunConfig c = variant_config(e, v);
        const auto task_ptr = make_task(c);
        const auto& task = dynamic_cast<const SparseRegression&>(*task_ptr);
        const auto o = refs::omp(task.inputs(), task.labels());
        OmpRow row;
        row.label = v.label;
        row.gd_order = s.activation_order.value_or(std::vector<int>{});
        row.omp_order = o.order;
        row.concurrence = row.gd_order.empty() ? 0.0 : refs::concurrence(o.order, row.gd_order);
        row.first_agrees = !row.gd_order.empty() && !o.order.empty() && row.gd_order[0] == o.order[0];
        row.converged = s.status == RunStatus::Converged;
        rows.push_back(row);
    }
    a.omp_comparison = rows;
}

// Saddle-to-saddle (moroshko_woodworth.md 3.1; Pesme & Flammarion 2023): GD on beta = u (.) v from
// u(0) = sqrt2 alpha, v(0) = 0 (model diagonal_product, depth 2, shape [sqrt2, 0], init_scale = alpha^2) on the
// sparse-regression data, against the limit algorithm's jump times. Time: the limit uses L_P = (1/2n)||y - X b||^2,
// our loss is (1/n)||.||^2 = 2 L_P, so our flow runs at twice the speed: t_P = 2 t and the accelerated time is
// t~ = 2 t / log(1/alpha). The limit is piecewise constant in t~, with loss 2 L_P(beta_k) after the k-th jump.
// GD's jump time for jump k: the first t~ at which its loss falls below the mid-level between the saddles before
// and after the jump (linear interpolation between records); a jump whose loss drop is under 5 % of the level
// before it is not resolvable this way and is listed but not scored.
void saddle_to_saddle(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs,
                      ExperimentAnalysis& a) {
    const auto task_ptr = make_task(e.base);
    const auto* task = dynamic_cast<const SparseRegression*>(task_ptr.get());
    if (!task) throw ConfigError("task.kind", "the saddle_to_saddle figure needs task.kind = \"regression\"");
    const auto limit = refs::saddle_to_saddle(task->inputs(), task->labels());
    SaddleAnalysis sa;
    sa.limit_converged = limit.converged;
    sa.loss0 = task->labels().squaredNorm() / double(task->labels().size());
    for (const auto& st : limit.steps) sa.limit_jumps.push_back({st.t, 2 * st.loss, st.support});
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
        SaddleAnalysis::Run run;
        run.label = v.label;
        run.alpha = std::sqrt(c.model.init_scale);
        if (!(run.alpha < 1)) throw ConfigError("model.init_scale", "must be below 1 (alpha = sqrt(init_scale) < 1)");
        run.log_inv_alpha = std::log(1.0 / run.alpha);
        const CsvTable ts = timeseries(out, v);
        const int tcol = ts.column("time"), lcol = ts.column("loss");
        std::vector<double> tt, ll;
        for (const auto& row : ts.rows) {
            tt.push_back(2 * row[size_t(tcol)] / run.log_inv_alpha);
            ll.push_back(row[size_t(lcol)]);
        }
        double worst = 0, sum = 0;
        double prev = sa.loss0;
        for (size_t k = 0; k < limit.steps.size(); ++k) {
            const double lk = 2 * limit.steps[k].loss, tk = limit.steps[k].t;
            SaddleAnalysis::Jump j{int(k + 1), tk, prev, lk, false};
            if (!(prev - lk < 0.05 * prev)) {
                const double mid = 0.5 * (prev + lk);
                double tg = NAN;
                for (size_t i = 1; i < ll.size(); ++i)
                    if (ll[i] <= mid && ll[i - 1] > mid) {
                        tg = tt[i - 1] + (tt[i] - tt[i - 1]) * (ll[i - 1] - mid) / (ll[i - 1] - ll[i]);
                        break;
                    }
                const double err = std::isfinite(tg) ? std::abs(tg - tk) / tk : INFINITY;
                j.resolvable = true;
                j.t_gd = tg;
                j.relative_error = err;
                worst = std::max(worst, err);
                sum += err;
                ++run.scored_jumps;
            }
            run.jumps.push_back(j);
            prev = lk;
        }
        if (run.scored_jumps > 0) {  // nothing scored: no error to report (NaN, not 0)
            run.max_relative_error = worst;
            run.mean_relative_error = sum / run.scored_jumps;
        }
        sa.runs.push_back(run);
    }
    a.saddle_to_saddle = sa;
}

// The depth-separation map (analysis/depth_separation.hpp): the largest eps-incremental sigma0 for targets (1, r),
// N = 2..5. Slopes: N = 2 against 1/(1-r) (exponential in 1/(1-r)); N >= 3 against -log10(1-r) over r >= 0.9
// (polynomial, slope -> N/(N-2) as r -> 1).
void separation(const Experiment& e, const std::string&, const std::vector<VariantRun>&, ExperimentAnalysis& a) {
    SeparationAnalysis sep;
    sep.depths = {2, 3, 4, 5};
    sep.epsilon = e.base.analysis.epsilon;
    std::vector<double> ratios;
    for (double r = 0.30; r < 0.951; r += 0.05) ratios.push_back(r);
    for (double r : {0.97, 0.98, 0.99}) ratios.push_back(r);
    for (double r : ratios) {
        SeparationAnalysis::Row row{r, {}};
        for (int n : sep.depths) row.threshold[n] = theory::threshold_sigma0(n, 1.0, r, sep.epsilon);
        sep.thresholds.push_back(row);
    }
    for (int n : sep.depths) {
        std::vector<double> x, y;
        for (const auto& row : sep.thresholds) {
            if (n > 2 && row.r < 0.899) continue;
            x.push_back(n == 2 ? 1 / (1 - row.r) : -std::log10(1 - row.r));
            y.push_back(-std::log10(row.threshold.at(n)));
        }
        sep.slopes[n] = {slope(x, y), n == 2 ? "1/(1-r)" : "-log10(1-r), r >= 0.9",
                         n == 2 ? 2 * std::log10((1 - sep.epsilon) / sep.epsilon) : double(n) / (n - 2)};
    }
    a.separation = sep;
}

using Entry = AnalysisStepEntry;
const Registrar<Entry> r1{{"spectrum_panels", "Figure 1a/1b: spectra of each variant (nothing to analyze)", true,
                           {}}};
const Registrar<Entry> r2{{"toy_theory", "toy model: GD learning times against the closed-form flow", true, toy_theory}};
const Registrar<Entry> r3{{"classification", "Figure 1c/1d: correlation with the target by depth, SVM baseline", true,
                           classification}};
const Registrar<Entry> r4{{"moroshko", "distances to the l1 / l2 max-margin directions along the margin", true, moroshko}};
const Registrar<Entry> r5{{"kernel_rich", "Q^D_alpha programs over alpha against the l1 / l2 solutions", true, kernel_rich}};
const Registrar<Entry> r6{{"omp", "activation order against greedy OMP over seeds", true, omp}};
const Registrar<Entry> r7{{"saddle_to_saddle", "jump times in accelerated time against the limit algorithm", true,
                           saddle_to_saddle}};
const Registrar<Entry> r9{{"sharpness", "sharpness (top loss-Hessian eigenvalue) along GD against 2 / lr (nothing to analyze)",
                           true, {}}};
const Registrar<Entry> r10{{"kernel_to_rich",
                            "completion over alpha: unobserved entries, tangent-kernel distance, the min-nuclear-norm "
                            "oracle (per-run metrics; nothing to analyze)",
                            true, {}}};
const Registrar<Entry> r8{{"separation", "depth-separation thresholds (references only: no runs)", false, separation}};

}  // namespace

ExperimentAnalysis analyze_experiment(const Experiment& e, const std::string& out, const std::vector<VariantRun>& runs) {
    ExperimentAnalysis a;
    const AnalysisStepEntry& step = AnalysisStepRegistry::instance().get("experiment.figure", e.figure);
    if (step.analyze) step.analyze(e, out, runs, a);
    return a;
}

json ExperimentAnalysis::to_json() const {
    json j = json::object();
    if (toy_vs_theory) {
        json dev = json::object();
        for (const auto& [label, c] : *toy_vs_theory) {
            json comps = json::array();
            for (const auto& x : c.components)
                comps.push_back({{"target", x.target}, {"t_half_theory", x.t_half_theory}, {"t_half_simulated", x.t_half_simulated}});
            dev[label] = {{"max_vertical_deviation_over_target", c.max_vertical_deviation_over_target},
                          {"max_relative_t_half_error", c.max_relative_t_half_error},
                          {"components", comps}};
        }
        j["toy_vs_theory"] = dev;
    }
    if (correlation_by_depth) {
        json means = json::object();
        for (const auto& [depth, m] : *correlation_by_depth)
            means[std::to_string(depth)] = {{"mean", m.mean}, {"values", m.values}};
        j["correlation_by_depth"] = means;
    }
    if (l2_max_margin_correlation)
        j["l2_max_margin_correlation"] = {{"mean", l2_max_margin_correlation->mean},
                                          {"values", l2_max_margin_correlation->values}};
    if (distance_to_l1_map) {
        json map = json::array();
        for (const auto& p : *distance_to_l1_map)
            map.push_back({{"depth", p.depth}, {"alpha", p.alpha}, {"gamma", p.gamma}, {"dist_l1", p.dist_l1}});
        j["distance_to_l1_map"] = map;
    }
    if (kernel_rich) {
        json rows = json::array();
        for (const auto& r : kernel_rich->rows) {
            if (r.error)
                rows.push_back({{"depth", r.depth}, {"alpha", r.alpha}, {"error", *r.error}});
            else
                rows.push_back({{"depth", r.depth}, {"alpha", r.alpha}, {"population_error", r.population_error},
                                {"excess_l1", r.excess_l1}, {"excess_l2", r.excess_l2}});
        }
        j["q_program_over_alpha"] = rows;
        j["basis_pursuit_population_error"] = kernel_rich->basis_pursuit_population_error;
        j["min_l2_population_error"] = kernel_rich->min_l2_population_error;
    }
    if (omp_comparison) {
        json rows = json::array();
        for (const auto& r : *omp_comparison)
            rows.push_back({{"label", r.label}, {"converged", r.converged}, {"concurrence", r.concurrence},
                            {"first_agrees", r.first_agrees}, {"gd_order", r.gd_order}, {"omp_order", r.omp_order},
                            {"same_order", r.gd_order == r.omp_order}});
        j["omp_comparison"] = rows;
    }
    if (saddle_to_saddle) {
        const auto& sa = *saddle_to_saddle;
        json jumps = json::array(), runs = json::array();
        for (const auto& l : sa.limit_jumps) jumps.push_back({{"t", l.t}, {"loss", l.loss}, {"support", l.support}});
        for (const auto& r : sa.runs) {
            json js = json::array();
            for (const auto& x : r.jumps) {
                json jj = {{"k", x.k}, {"t_limit", x.t_limit}, {"loss_before", x.loss_before}, {"loss_after", x.loss_after},
                           {"resolvable", x.resolvable}};
                if (x.resolvable) {
                    jj["t_gd"] = finite_or_null(x.t_gd);
                    jj["relative_error"] = finite_or_null(x.relative_error);
                }
                js.push_back(jj);
            }
            runs.push_back({{"label", r.label}, {"alpha", r.alpha}, {"log_inv_alpha", r.log_inv_alpha}, {"jumps", js},
                            {"scored_jumps", r.scored_jumps},
                            {"max_relative_error", finite_or_null(r.max_relative_error)},
                            {"mean_relative_error", finite_or_null(r.mean_relative_error)}});
        }
        j["saddle_to_saddle"] = {{"limit_converged", sa.limit_converged}, {"limit_jumps", jumps}, {"runs", runs}};
    }
    if (separation) {
        const auto& sep = *separation;
        json table = json::array(), slopes = json::object();
        for (const auto& row : sep.thresholds) {
            json r = {{"r", row.r}};
            for (const auto& [n, th] : row.threshold) r["N" + std::to_string(n)] = th;
            table.push_back(r);
        }
        for (const auto& [n, s] : sep.slopes)
            slopes["N" + std::to_string(n)] = {{"slope", s.slope}, {"against", s.against}, {"expected", s.expected}};
        j["epsilon"] = sep.epsilon;
        j["targets"] = "(1, r)";
        j["thresholds"] = table;
        j["slopes"] = slopes;
    }
    return j;
}

}  // namespace depthbias
