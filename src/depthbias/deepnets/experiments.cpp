#include "depthbias/deepnets/experiments.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <sstream>
#include <thread>
#include <variant>

#include "depthbias/core/error.hpp"
#include "depthbias/core/job_pool.hpp"
#include "depthbias/run/config_schema.hpp"
#include "depthbias/core/rng.hpp"
#include "depthbias/run/check_result.hpp"
#include "depthbias/deepnets/trainer.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/io/gnuplot.hpp"

namespace depthbias::deepnets {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using E = DeepExperiment;
// The [experiment] keys: one field table (run/config_schema.hpp, shared with the run configs).
const schema::Schema<E>& experiment_schema() {
    static const schema::Schema<E> s{
        {
            {"experiment.name", &E::name, "experiment name (defaults to the preset name)"},
            {"experiment.title", &E::title, "figure title"},
            {"experiment.description", &E::description, "what the experiment shows"},
            {"experiment.kind", &E::kind, "sweep | bound"},
            {"experiment.vary", &E::vary, "dotted config key swept over `values` (e.g. model.depth, data.corruption)"},
            {"experiment.values", &E::values, "values of `vary`"},
            {"experiment.seeds", &E::seeds, "run.seed of each repetition"},
            {"experiment.checks", &E::checks, "fit | monotone | small_depth | depth_independence | noise_depth (sweep only)"},
            {"experiment.fit_accuracy", &E::fit_accuracy, "claim 1: network train accuracy required (clean labels)"},
            {"experiment.fit_min_depth", &E::fit_min_depth, "claim 1: applies to L >= this"},
            {"experiment.nc4_tolerance", &E::nc4_tolerance, "claim 1: |NCC train acc at layer L - network train acc| when L > d"},
            {"experiment.monotone_dip", &E::monotone_dip, "claim 2: allowed drop of NCC train accuracy between layers"},
            {"experiment.monotone_dip_top", &E::monotone_dip_top, "claim 2: allowed drop in the top layers (>= effective depth)"},
            {"experiment.small_depth_at", &E::small_depth_at, "claim 3: depth L the claim is checked at"},
            {"experiment.small_depth_max", &E::small_depth_max, "claim 3: bound on the median effective depth"},
            {"experiment.independence_min_depth", &E::independence_min_depth, "claim 4: depths L >= this are compared"},
            {"experiment.independence_spread", &E::independence_spread, "claim 4: allowed spread of median effective depths"},
            {"experiment.independence_layers", &E::independence_layers, "claim 4: first layers whose NCC accuracy is compared"},
            {"experiment.independence_tolerance", &E::independence_tolerance, "claim 4: allowed spread of those accuracies"},
            {"experiment.noise_min_increase", &E::noise_min_increase, "claim 7: d(largest fit p) - d(0) must be at least this"},
            {"experiment.noise_inversions", &E::noise_inversions, "claim 7: allowed 1-layer inversions of the median depth in p"},
            {"experiment.bound_m_per_class", &E::bound_m_per_class, "bound: |S1| = |S2| = this x classes"},
            {"experiment.bound_draws", &E::bound_draws, "bound: number of (S1, S2) draws"},
            {"experiment.bound_p", &E::bound_p, "bound: fraction p of S2's labels changed (exactly p m)"},
            {"experiment.bound_alpha", &E::bound_alpha, "bound: alpha of the (1 + alpha) p term"},
        },
        "experiment",
        "such as [experiment]",
        schema::shortest_double,
    };
    return s;
}

std::string value_literal(double v) {
    std::ostringstream s;
    s.precision(15);
    s << v;
    return s.str();
}

void validate_experiment(const E& e) {
    if (e.kind != "sweep" && e.kind != "bound")
        throw ConfigError("experiment.kind", "'" + e.kind + "' is not one of: sweep, bound");
    if (e.seeds.empty()) throw ConfigError("experiment.seeds", "must hold at least one seed");
    for (auto s : e.seeds)
        if (s < 0) throw ConfigError("experiment.seeds", "seeds must be >= 0");
    if (!e.vary.empty() && e.values.empty()) throw ConfigError("experiment.values", "`vary` needs values");
    if (e.vary.empty() && !e.values.empty()) throw ConfigError("experiment.vary", "`values` need a key to vary");
    static const std::vector<std::string> known{"fit", "monotone", "small_depth", "depth_independence", "noise_depth"};
    for (const auto& c : e.checks)
        if (std::find(known.begin(), known.end(), c) == known.end())
            throw ConfigError("experiment.checks", "unknown check '" + c +
                                                       "' (fit, monotone, small_depth, depth_independence, noise_depth)");
    // Every variant must be a valid config.
    for (double v : e.values.empty() ? std::vector<double>{0.0} : e.values) {
        DeepConfig c = e.base;
        if (!e.vary.empty()) apply_override(c, e.vary + "=" + value_literal(v));
        validate(c);
    }
    if (e.kind == "bound") {
        if (e.bound_m_per_class < 1) throw ConfigError("experiment.bound_m_per_class", "must be at least 1");
        if (e.bound_draws < 1) throw ConfigError("experiment.bound_draws", "must be at least 1");
        if (!(e.bound_p > 0 && e.bound_p < 0.5)) throw ConfigError("experiment.bound_p", "must be in (0, 0.5)");
        if (!(e.bound_alpha > 0 && e.bound_alpha < 1)) throw ConfigError("experiment.bound_alpha", "must be in (0, 1)");
    }
}

}  // namespace

double median(std::vector<double> v) {
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

DeepExperiment parse_deep_experiment(const std::string& text, const std::string& origin) {
    toml::table doc;
    try {
        doc = toml::parse(text, origin);
    } catch (const toml::parse_error& err) {
        std::ostringstream s;
        s << err.description() << " at line " << err.source().begin.line;
        throw ConfigError(origin, s.str());
    }
    DeepExperiment e;
    e.name = fs::path(origin).stem().string();
    apply_toml(e.base, doc, {"experiment"});
    if (const auto* ex = doc["experiment"].as_table()) {
        experiment_schema().apply_table(e, *ex, "experiment", {});
    } else if (doc.contains("experiment")) {
        throw ConfigError("experiment", "must be a table");
    }
    if (e.title.empty()) e.title = e.name;
    validate_experiment(e);
    return e;
}

void apply_experiment_override(DeepExperiment& e, const std::string& assignment) {
    const std::string prefix = "experiment.";
    if (assignment.rfind(prefix, 0) != 0) {
        apply_override(e.base, assignment);
        validate_experiment(e);
        return;
    }
    experiment_schema().apply_override(e, assignment);
    validate_experiment(e);
}

std::string describe_experiment_keys() { return experiment_schema().describe_keys(); }

namespace {

// ---------------------------------------------------------------------------------------------------------
// Runs.

struct RunRecord {
    std::string label, dir;
    double value = 0;
    std::int64_t seed = 0;
    std::int64_t depth = 0;
    double corruption = 0;
    json summary;
    bool completed = false, diverged = false;
    std::vector<double> ncc_train, ncc_test, cdnv_train, cdnv_test;
    double net_train_acc = 0, net_test_acc = 0;
    std::optional<int> ed_first, ed_stays;

    double depth_or_unfit() const { return ed_first ? double(*ed_first) : double(depth + 1); }
};

std::optional<int> parse_depth(const json& j) {
    if (j.is_number_integer()) return j.get<int>();
    return std::nullopt;
}

double get_or_nan(const json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

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

struct Job {
    RunRecord rec;
    DeepConfig cfg;
    std::optional<DataSplit> data;  // explicit data (bound); otherwise load_data(cfg)
};

std::mutex print_mutex;

std::string describe_run(const RunRecord& r) {
    std::ostringstream s;
    s << "  " << r.label << ": " << r.summary.value("status", "?");
    if (r.completed) {
        s.precision(4);
        s << ", train acc " << r.net_train_acc << ", test acc " << r.net_test_acc << ", effective depth "
          << (r.ed_first ? std::to_string(*r.ed_first) : std::string("unfit")) << " (stays "
          << (r.ed_stays ? std::to_string(*r.ed_stays) : std::string("unfit")) << ")";
        s.precision(3);
        s << ", " << r.summary.value("wall_seconds", 0.0) << " s";
    } else if (r.summary.contains("stop_reason")) {
        s << ": " << r.summary["stop_reason"].get<std::string>();
    }
    return s.str();
}

void execute(Job& job, const ExperimentRunOptions& opt) {
    RunRecord& r = job.rec;
    std::error_code ec;
    const bool finished = fs::exists(r.dir + "/summary.json", ec);
    if (opt.resume && finished) {
        std::ifstream f(r.dir + "/summary.json");
        r.summary = json::parse(f);
    } else {
        prepare_output_directory(r.dir, "--out", true);
        TrainOptions to;
        to.figures = opt.figures;
        to.progress = opt.progress;
        to.max_wall_seconds = opt.max_wall_seconds;
        to.resume = opt.resume && fs::exists(r.dir + "/checkpoint.pt", ec);
        const DataSplit data = job.data ? *job.data : load_data(job.cfg);
        r.summary = train_network(job.cfg, data, r.dir, to);
    }
    fill_record(r);
    std::lock_guard<std::mutex> lock(print_mutex);
    std::cout << describe_run(r) << std::endl;
}

void run_all(std::vector<Job>& jobs, const ExperimentRunOptions& opt) {
    run_jobs(jobs.size(), std::max(1, opt.jobs), {}, [&](size_t i) { execute(jobs[i], opt); });
}

std::string value_label(const DeepExperiment& e, double v) {
    if (e.vary.empty()) return "run";
    const std::string key = e.vary.substr(e.vary.find('.') + 1);
    std::string shortk = key == "depth" ? "L" : key == "corruption" ? "p" : key == "width" ? "H" : key;
    return shortk + value_literal(v);
}

// ---------------------------------------------------------------------------------------------------------
// Checks (galanti.md section 3). Each returns a CheckResult's JSON (run/check_result.hpp): {name, claim, status:
// pass | fail | not_evaluated, pass, detail, runs}. A check whose scope holds a run that did not complete
// (diverged), or that has too few runs to decide (inconclusive), is not_evaluated: it measured nothing.

json check(const std::string& name, const std::string& claim, CheckStatus status, const std::string& detail,
           const std::vector<std::string>& runs) {
    return to_json(CheckResult{name, claim, status, detail, runs});
}

json check(const std::string& name, const std::string& claim, bool pass, const std::string& detail,
           const std::vector<std::string>& runs) {
    return check(name, claim, pass ? CheckStatus::Pass : CheckStatus::Fail, detail, runs);
}

// The labels of the runs in a check's scope, and those of them that did not complete.
struct Scope {
    std::vector<std::string> labels;
    std::string incomplete;  // "'L3-seed0' (diverged), ..." or ""
};

template <class Pred>
Scope scope_of(const std::vector<RunRecord>& runs, Pred in_scope) {
    Scope s;
    for (const auto& r : runs) {
        if (!in_scope(r)) continue;
        s.labels.push_back(r.label);
        if (!r.completed)
            s.incomplete += (s.incomplete.empty() ? "'" : ", '") + r.label + "' (" + r.summary.value("status", "?") + ")";
    }
    return s;
}

json not_evaluated(const std::string& name, const std::string& claim, const std::string& why, const Scope& sc) {
    return check(name, claim, CheckStatus::NotEvaluated, why, sc.labels);
}

std::string fmt(double v, int prec = 4) {
    std::ostringstream s;
    s.precision(prec);
    s << v;
    return s.str();
}

json check_fit(const DeepExperiment& e, const std::vector<RunRecord>& runs) {
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
    return check("fit", "1", !(acc_fail || nc4_fail), detail, sc.labels);
}

json check_monotone(const DeepExperiment& e, const std::vector<RunRecord>& runs) {
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
    return check("monotone", "2", !bad,
                 std::to_string(considered - bad) + "/" + std::to_string(considered) +
                     " runs non-decreasing within the allowed dips (" + fmt(e.monotone_dip) + ", top layers " +
                     fmt(e.monotone_dip_top) + "); largest drop " + fmt(worst, 3) +
                     (where.empty() ? "" : " at " + where),
                 sc.labels);
}

json check_small_depth(const DeepExperiment& e, const std::vector<RunRecord>& runs) {
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
    return check("small_depth", "3", ok,
                 "L = " + std::to_string(e.small_depth_at) + ": median effective depth " + fmt(med) + " (<= " +
                     std::to_string(e.small_depth_max) + " required; unfit counts as L + 1), " +
                     std::to_string(plateau_bad) + " runs with a layer above d below 1 - 2 eps",
                 sc.labels);
}

json check_depth_independence(const DeepExperiment& e, const std::vector<RunRecord>& runs) {
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
    return check("depth_independence", "4", ok,
                 "median effective depths " + meds + " (spread " + fmt(hi - lo) + ", <= " +
                     std::to_string(e.independence_spread) + " required); NCC train accuracy of layers 1-" +
                     std::to_string(e.independence_layers) + " spreads by " + fmt(acc_spread, 3) + " (<= " +
                     fmt(e.independence_tolerance) + ")",
                 sc.labels);
}

json check_noise_depth(const DeepExperiment& e, const std::vector<RunRecord>& runs) {
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
    return check("noise_depth", "7", ok,
                 "median effective depth (fit runs) " + table + "; d(p=" + fmt(med.back().first) + ") - d(0) = " +
                     fmt(increase) + " (>= " + std::to_string(e.noise_min_increase) + " required), " +
                     std::to_string(inversions) + " inversions",
                 sc.labels);
}

// ---------------------------------------------------------------------------------------------------------

std::string csv_num(double v) {
    if (!std::isfinite(v)) return "nan";
    char b[40];
    std::snprintf(b, sizeof b, "%.8g", v);
    return b;
}

json sweep_tables_and_figure(const DeepExperiment& e, const std::vector<RunRecord>& runs, const std::string& out,
                             bool figures) {
    json result;
    std::string runs_csv = "label,value,seed,status,depth,effective_depth_first,effective_depth_stays,"
                           "network_train_acc,network_test_acc\n";
    for (const auto& r : runs)
        runs_csv += r.label + "," + csv_num(r.value) + "," + std::to_string(r.seed) + "," +
                    r.summary.value("status", "?") + "," + std::to_string(r.depth) + "," +
                    (r.ed_first ? std::to_string(*r.ed_first) : "unfit") + "," +
                    (r.ed_stays ? std::to_string(*r.ed_stays) : "unfit") + "," + csv_num(r.net_train_acc) + "," +
                    csv_num(r.net_test_acc) + "\n";
    write_file_atomically(out + "/runs.csv", runs_csv);

    std::vector<double> values = e.values.empty() ? std::vector<double>{0.0} : e.values;
    std::string ed_csv = "value,median_effective_depth_first,median_effective_depth_stays,fit_runs,runs,"
                         "mean_network_train_acc,mean_network_test_acc\n";
    Figure fig;
    fig.title = e.title;
    fig.cols = 3;
    fig.width_px = 1900;
    fig.height_px = 600;
    Panel ncc{"NCC train accuracy per layer (mean over seeds)", "layer i", "NCC train accuracy", false, false, {},
              "set key bottom right"};
    Panel cdnv{"train CDNV per layer (mean over seeds)", "layer i", "CDNV", false, true, {}, "set key top right"};
    Panel edp{"effective depth (median over fit runs)", e.vary.empty() ? "run" : e.vary, "effective depth", false,
              false, {}, "set key top left\nset yrange [0:*]"};
    json per_value = json::array();
    for (double v : values) {
        std::vector<const RunRecord*> rs;
        for (const auto& r : runs)
            if (r.value == v && r.completed) rs.push_back(&r);
        std::vector<double> first, stays;
        double tr = 0, te = 0;
        for (const auto* r : rs) {
            if (r->ed_first) first.push_back(*r->ed_first);
            if (r->ed_stays) stays.push_back(*r->ed_stays);
            tr += r->net_train_acc / double(rs.size());
            te += r->net_test_acc / double(rs.size());
        }
        ed_csv += csv_num(v) + "," + csv_num(median(first)) + "," + csv_num(median(stays)) + "," +
                  std::to_string(first.size()) + "," + std::to_string(rs.size()) + "," + csv_num(tr) + "," +
                  csv_num(te) + "\n";
        json pv = {{"value", v},          {"runs", rs.size()},     {"fit_runs", first.size()},
                   {"median_effective_depth_first", first.empty() ? json("unfit") : json(median(first))},
                   {"median_effective_depth_stays", stays.empty() ? json("unfit") : json(median(stays))},
                   {"mean_network_train_acc", tr}, {"mean_network_test_acc", te}};
        if (!rs.empty()) {
            const size_t L = rs[0]->ncc_train.size();
            std::string csv = "layer,ncc_train_acc,ncc_test_acc,cdnv_train,cdnv_test\n";
            json layers = json::array();
            for (size_t i = 0; i < L; ++i) {
                double a = 0, b = 0, c = 0, d = 0;
                for (const auto* r : rs) {
                    a += r->ncc_train[i] / double(rs.size());
                    b += r->ncc_test[i] / double(rs.size());
                    c += r->cdnv_train[i] / double(rs.size());
                    d += r->cdnv_test[i] / double(rs.size());
                }
                csv += std::to_string(i + 1) + "," + csv_num(a) + "," + csv_num(b) + "," + csv_num(c) + "," + csv_num(d) + "\n";
                layers.push_back({{"layer", i + 1}, {"ncc_train_acc", a}, {"ncc_test_acc", b}, {"cdnv_train", c}});
            }
            pv["layers_mean"] = layers;
            const std::string file = "layers_" + value_label(e, v) + ".csv";
            write_file_atomically(out + "/" + file, csv);
            ncc.curves.push_back({file, 1, 2, value_label(e, v), "linespoints lw 2"});
            cdnv.curves.push_back({file, 1, 4, value_label(e, v), "linespoints lw 2"});
        }
        per_value.push_back(pv);
    }
    write_file_atomically(out + "/effective_depth.csv", ed_csv);
    edp.curves.push_back({"effective_depth.csv", 1, 2, "first crossing", "linespoints lw 2 pt 7"});
    edp.curves.push_back({"effective_depth.csv", 1, 3, "stays separable", "linespoints dt 2 pt 6"});
    result["per_value"] = per_value;
    if (figures) {
        fig.panels = {ncc, cdnv, edp};
        std::string err;
        if (!render(fig, out, "figure", &err)) result["figure_warning"] = err;
    }
    return result;
}

// ---------------------------------------------------------------------------------------------------------

json run_sweep(const DeepExperiment& e, const std::string& out, const ExperimentRunOptions& opt) {
    std::vector<Job> jobs;
    const std::vector<double> values = e.values.empty() ? std::vector<double>{0.0} : e.values;
    for (double v : values)
        for (auto seed : e.seeds) {
            Job j;
            j.cfg = e.base;
            if (!e.vary.empty()) apply_override(j.cfg, e.vary + "=" + value_literal(v));
            j.cfg.seed = seed;
            j.rec.value = v;
            j.rec.seed = seed;
            j.rec.label = value_label(e, v) + "-seed" + std::to_string(seed);
            j.cfg.name = e.name + "/" + j.rec.label;
            j.rec.depth = j.cfg.depth;
            j.rec.corruption = j.cfg.corruption;
            j.rec.dir = out + "/runs/" + j.rec.label;
            jobs.push_back(std::move(j));
        }
    std::cout << "experiment " << e.name << ": " << jobs.size() << " runs -> " << out << std::endl;
    FigureBatch figures;  // the runs' figures and the experiment's in one gnuplot process
    run_all(jobs, opt);
    std::vector<RunRecord> runs;
    for (auto& j : jobs) runs.push_back(j.rec);
    json result = sweep_tables_and_figure(e, runs, out, opt.figures);
    if (std::string err; !figures.close(&err)) result["figure_warning"] = err;
    json checks = json::array();
    for (const auto& c : e.checks) {
        if (c == "fit") checks.push_back(check_fit(e, runs));
        if (c == "monotone") checks.push_back(check_monotone(e, runs));
        if (c == "small_depth") checks.push_back(check_small_depth(e, runs));
        if (c == "depth_independence") checks.push_back(check_depth_independence(e, runs));
        if (c == "noise_depth") checks.push_back(check_noise_depth(e, runs));
    }
    result["checks"] = checks;
    json rj = json::array();
    for (const auto& r : runs)
        rj.push_back({{"label", r.label},
                      {"dir", "runs/" + r.label},
                      {"value", r.value},
                      {"seed", r.seed},
                      {"status", r.summary.value("status", "?")},
                      {"effective_depth_first", r.ed_first ? json(*r.ed_first) : json("unfit")},
                      {"effective_depth_stays", r.ed_stays ? json(*r.ed_stays) : json("unfit")},
                      {"network_train_acc", r.completed ? json(r.net_train_acc) : json(nullptr)},
                      {"network_test_acc", r.completed ? json(r.net_test_acc) : json(nullptr)},
                      {"wall_seconds", r.summary.value("wall_seconds", 0.0)}});
    result["runs"] = rj;
    for (const auto& c : checks)
        std::cout << "  [" << check_status_label(check_status(c)) << "] claim " << c["claim"].get<std::string>() << " ("
                  << c["name"].get<std::string>() << "): " << c["detail"].get<std::string>() << "\n";
    return result;
}

// Draws S1 and S2 (disjoint, m per class each) from `pool` with the draw's seed.
std::pair<Dataset, Dataset> draw_pair(const Dataset& pool, std::int64_t m, std::uint64_t seed) {
    std::vector<std::vector<std::int64_t>> by_class(size_t(pool.classes));
    for (std::int64_t i = 0; i < pool.size(); ++i) by_class[size_t(pool.clean_labels[size_t(i)])].push_back(i);
    Rng rng = Rng::stream(seed, 21);
    std::vector<std::int64_t> s1, s2;
    for (int c = 0; c < pool.classes; ++c) {
        auto& v = by_class[size_t(c)];
        if (std::int64_t(v.size()) < 2 * m)
            throw ConfigError("experiment.bound_m_per_class", "class " + std::to_string(c) + " has " +
                                                                  std::to_string(v.size()) + " samples, fewer than 2 m");
        for (std::int64_t k = 0; k < 2 * m; ++k) {
            const std::int64_t j = k + std::int64_t(rng.next() % std::uint64_t(std::int64_t(v.size()) - k));
            std::swap(v[size_t(k)], v[size_t(j)]);
        }
        s1.insert(s1.end(), v.begin(), v.begin() + m);
        s2.insert(s2.end(), v.begin() + m, v.begin() + 2 * m);
    }
    std::sort(s1.begin(), s1.end());
    std::sort(s2.begin(), s2.end());
    return {select(pool, s1), select(pool, s2)};
}

json run_bound(const DeepExperiment& e, const std::string& out, const ExperimentRunOptions& opt) {
    const std::vector<double> values = e.values.empty() ? std::vector<double>{0.0} : e.values;
    std::vector<Job> jobs;
    struct Slot {
        double value;
        int classes;
        std::int64_t draw;
        std::vector<size_t> clean, noisy;  // job indices
        double wrong_fraction = 0;
    };
    std::vector<Slot> slots;
    for (double v : values) {
        DeepConfig cfg = e.base;
        if (!e.vary.empty()) apply_override(cfg, e.vary + "=" + value_literal(v));
        if (cfg.corruption > 0)
            throw ConfigError("data.corruption", "the bound experiment draws its own corruption (experiment.bound_p); "
                                                 "keep data.corruption = 0");
        // The pool: the full training split (Fashion-MNIST) or the configured mixture.
        DeepConfig pool_cfg = cfg;
        if (pool_cfg.dataset == "fashion-mnist") pool_cfg.train_per_class = 0;
        const DataSplit pool = load_data(pool_cfg);
        for (std::int64_t d = 0; d < e.bound_draws; ++d) {
            auto [s1, s2] = draw_pair(pool.train, e.bound_m_per_class, std::uint64_t(d));
            corrupt_labels_exact(s2.labels, e.bound_p, s2.classes, 1000 + std::uint64_t(d));
            Slot slot{v, pool.train.classes, d, {}, {}, s2.corrupted_fraction()};
            const Dataset s12 = concat(s1, s2);
            for (auto seed : e.seeds)
                for (int noisy = 0; noisy < 2; ++noisy) {
                    Job j;
                    j.cfg = cfg;
                    j.cfg.seed = seed;
                    j.rec.value = v;
                    j.rec.seed = seed;
                    j.rec.depth = cfg.depth;
                    j.rec.corruption = noisy ? e.bound_p : 0.0;
                    j.rec.label = value_label(e, v) + "-draw" + std::to_string(d) + (noisy ? "-S1+S2noisy" : "-S1") +
                                  "-seed" + std::to_string(seed);
                    j.cfg.name = e.name + "/" + j.rec.label;
                    j.rec.dir = out + "/runs/" + j.rec.label;
                    j.data = DataSplit{noisy ? s12 : s1, pool.test, pool.source};
                    (noisy ? slot.noisy : slot.clean).push_back(jobs.size());
                    jobs.push_back(std::move(j));
                }
            slots.push_back(slot);
        }
    }
    std::cout << "experiment " << e.name << ": " << jobs.size() << " runs -> " << out << std::endl;
    run_all(jobs, opt);

    json result;
    json rows = json::array();
    std::string csv = "value,draw,mean_depth_S1,d_min_S1_S2noisy,indicator,mean_test_error,wrong_fraction_S2\n";
    std::map<double, std::vector<const Slot*>> by_value;
    for (const auto& s : slots) by_value[s.value].push_back(&s);
    json per_value = json::array();
    for (const auto& [v, ss] : by_value) {
        double first = 0, test_err = 0;
        int n = 0, incomplete = 0;  // runs that did not complete: no depth or test error was measured for them
        for (const auto* s : ss) {
            for (size_t k : s->clean) incomplete += !jobs[k].rec.completed;
            for (size_t k : s->noisy) incomplete += !jobs[k].rec.completed;
            std::vector<double> d1;
            double err = 0;
            for (size_t k : s->clean) {
                d1.push_back(jobs[k].rec.depth_or_unfit());
                err += (1 - jobs[k].rec.net_test_acc) / double(s->clean.size());
            }
            double dmin = 1e9;
            for (size_t k : s->noisy) dmin = std::min(dmin, jobs[k].rec.depth_or_unfit());
            const double dbar = std::accumulate(d1.begin(), d1.end(), 0.0) / double(d1.size());
            const int ind = dbar >= dmin;
            first += ind;
            test_err += err;
            ++n;
            csv += csv_num(v) + "," + std::to_string(s->draw) + "," + csv_num(dbar) + "," + csv_num(dmin) + "," +
                   std::to_string(ind) + "," + csv_num(err) + "," + csv_num(s->wrong_fraction) + "\n";
            rows.push_back({{"value", v}, {"draw", s->draw}, {"mean_depth_S1", dbar}, {"d_min_S1_S2noisy", dmin},
                            {"indicator", ind}, {"mean_test_error", err}});
        }
        first /= n;
        test_err /= n;
        const double noise_term = (1 + e.bound_alpha) * e.bound_p;
        const double bound = first + noise_term;
        json pv = {{"value", v},
                   {"m", e.bound_m_per_class * ss.front()->classes},
                   {"draws", n},
                   {"seeds", e.seeds.size()},
                   {"first_term", first},
                   {"noise_term_(1+alpha)p", noise_term},
                   {"delta1", 0.0},
                   {"delta2", 0.0},
                   {"deltas_note", "not estimated (treated as 0)"},
                   {"bound", bound},
                   {"measured_test_error", test_err},
                   {"valid", incomplete ? json(nullptr) : json(bound >= test_err)},
                   {"non_vacuous", incomplete ? json(nullptr) : json(bound < 0.5)}};
        if (incomplete) pv["not_evaluated"] = std::to_string(incomplete) + " runs did not complete";
        per_value.push_back(pv);
        std::cout << "  " << value_label(e, v) << ": bound " << fmt(bound) << " = first term " << fmt(first)
                  << " + (1+alpha)p " << fmt(noise_term) << " + delta1 0 + delta2 0 (not estimated); measured mean "
                  << "test error " << fmt(test_err)
                  << (incomplete ? "  [not evaluated: " + std::to_string(incomplete) + " runs did not complete]"
                                 : std::string(bound >= test_err ? "  [valid: bound >= error]"
                                                                 : "  [VIOLATED: bound < error]") +
                                       (bound < 0.5 ? " [non-vacuous]" : " [vacuous]"))
                  << "\n";
    }
    write_file_atomically(out + "/bound.csv", csv);
    result["draws"] = rows;
    result["per_value"] = per_value;
    result["checks"] = json::array();
    json rj = json::array();
    for (const auto& j : jobs)
        rj.push_back({{"label", j.rec.label},
                      {"status", j.rec.summary.value("status", "?")},
                      {"effective_depth_first", j.rec.ed_first ? json(*j.rec.ed_first) : json("unfit")},
                      {"network_test_acc", j.rec.completed ? json(j.rec.net_test_acc) : json(nullptr)}});
    result["runs"] = rj;
    return result;
}

}  // namespace

json run_deep_experiment(const DeepExperiment& e, const std::string& out, const ExperimentRunOptions& opt) {
    const auto t0 = std::chrono::steady_clock::now();
    json result = e.kind == "bound" ? run_bound(e, out, opt) : run_sweep(e, out, opt);
    result["experiment"] = e.name;
    result["title"] = e.title;
    result["kind"] = e.kind;
    result["vary"] = e.vary;
    result["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result["base_config"] = to_toml(e.base);
    write_file_atomically(out + "/experiment.json", result.dump(2) + "\n");
    return result;
}

int deep_experiment_exit_code(const json& r) {
    for (const auto& run : r["runs"])
        if (run["status"] == "diverged") return 3;
    for (const auto& run : r["runs"])
        if (run["status"] == "wall_budget_exhausted") return 5;
    return checks_exit_code(r["checks"]);
}

}  // namespace depthbias::deepnets
