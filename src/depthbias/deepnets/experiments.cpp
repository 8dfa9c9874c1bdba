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
#include "depthbias/deepnets/claim_checks.hpp"
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
            {"experiment.checks", &E::checks, "registered claim checks (deepnets/claim_checks.hpp): fit, monotone, small_depth, depth_independence, below_threshold, cdnv_depth, noise_depth, test_plateau, width (sweeps); bound_valid, bound_non_vacuous, bound_depth_stable (bound)"},
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
            {"experiment.below_threshold_tolerance", &E::below_threshold_tolerance, "claim 5: |d(L) - min(L, d*)| allowed (layers)"},
            {"experiment.cdnv_shallow", &E::cdnv_shallow, "claim 6: the shallow depth L whose top-layer train CDNV must exceed the deep one's"},
            {"experiment.cdnv_deep", &E::cdnv_deep, "claim 6: the deep depth L"},
            {"experiment.cdnv_tolerance", &E::cdnv_tolerance, "claim 6: relative rise of the train CDNV allowed between consecutive top layers (0.1 = 10%)"},
            {"experiment.plateau_tolerance", &E::plateau_tolerance, "claim 8: |NCC test acc - network test acc| allowed from the effective depth up"},
            {"experiment.width_layer", &E::width_layer, "claim 9: the layer i compared across widths"},
            {"experiment.width_violations", &E::width_violations, "claim 9: allowed violations of each monotone trend in H"},
            {"experiment.bound_vacuous", &E::bound_vacuous, "claim 10: the bound must be below this to be non-vacuous"},
            {"experiment.bound_depth_spread", &E::bound_depth_spread, "claim 10: allowed spread of the bound across depths"},
            {"experiment.bound_q", &E::bound_q, "bound: corruption levels q >= (1 + alpha) p of the delta-2 estimate ([] = delta-2 not estimated)"},
            {"experiment.bound_q_labelings", &E::bound_q_labelings, "bound: corrupted labelings of S2 per q (E over Y~q)"},
            {"experiment.bound_confidence", &E::bound_confidence, "bound: confidence of the Clopper-Pearson intervals"},
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
    validate_claim_checks(e);
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
        for (double q : e.bound_q)
            if (!(q >= (1 + e.bound_alpha) * e.bound_p - 1e-12 && q < 1))
                throw ConfigError("experiment.bound_q", "each q must be in [(1 + alpha) p, 1) = [" +
                                                            value_literal((1 + e.bound_alpha) * e.bound_p) + ", 1), not " +
                                                            value_literal(q));
        if (e.bound_q_labelings < 1) throw ConfigError("experiment.bound_q_labelings", "must be at least 1");
        if (!(e.bound_confidence > 0 && e.bound_confidence < 1))
            throw ConfigError("experiment.bound_confidence", "must be in (0, 1)");
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

void apply_experiment_overrides(DeepExperiment& e, const std::vector<std::string>& assignments) {
    // Apply every assignment first, then validate once: keys that only make sense together (experiment.vary with
    // experiment.values) can be given as separate --set options in either order.
    const std::string prefix = "experiment.";
    for (const auto& assignment : assignments) {
        if (assignment.rfind(prefix, 0) != 0)
            apply_override(e.base, assignment);
        else
            experiment_schema().apply_override(e, assignment);
    }
    validate_experiment(e);
}

void apply_experiment_override(DeepExperiment& e, const std::string& assignment) {
    apply_experiment_overrides(e, {assignment});
}

std::string describe_experiment_keys() { return experiment_schema().describe_keys(); }

namespace {

// ---------------------------------------------------------------------------------------------------------
// Runs.

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

std::string fmt(double v, int prec = 4) {
    std::ostringstream s;
    s.precision(prec);
    s << v;
    return s.str();
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
    bool any_fit = false;  // gnuplot refuses a panel whose every point is undefined (all runs unfit)
    for (double v : values) {
        std::vector<const RunRecord*> rs;
        for (const auto& r : runs)
            if (r.value == v && r.completed) rs.push_back(&r);
        std::vector<double> first, stays;
        double tr = 0, te = 0;
        for (const auto* r : rs) {
            if (r->ed_first) first.push_back(*r->ed_first), any_fit = true;
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
        fig.panels = {ncc, cdnv};
        if (any_fit) fig.panels.push_back(edp);
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
            j.rec.width = j.cfg.width;
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
    for (const auto& c : evaluate_claim_checks(e, ClaimCheckInputs{&runs, nullptr})) checks.push_back(to_json(c));
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

// The seed of the exact corruption of S2 at level q (index qi of bound_q, labeling l) in draw d; the p-level
// corruption keeps its seed 1000 + d.
std::uint64_t q_corruption_seed(size_t qi, std::int64_t l, std::int64_t d) {
    return 0x5100000000ULL + (std::uint64_t(qi) << 24) + (std::uint64_t(l) << 12) + std::uint64_t(d);
}

json run_bound(const DeepExperiment& e, const std::string& out, const ExperimentRunOptions& opt) {
    const std::vector<double> values = e.values.empty() ? std::vector<double>{0.0} : e.values;
    std::vector<Job> jobs;
    struct Slot {
        double value;
        int classes;
        std::int64_t draw;
        std::vector<size_t> clean, noisy;             // job indices: S1; S1 + S2~p
        std::vector<std::vector<std::vector<size_t>>> q;  // [q index][labeling] -> job indices (one per seed)
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
        auto add_job = [&](const Dataset& train, const std::string& what, double corruption, std::int64_t seed,
                           std::int64_t d) {
            Job j;
            j.cfg = cfg;
            j.cfg.seed = seed;
            j.rec.value = v;
            j.rec.seed = seed;
            j.rec.depth = cfg.depth;
            j.rec.width = cfg.width;
            j.rec.corruption = corruption;
            j.rec.label = value_label(e, v) + "-draw" + std::to_string(d) + "-" + what + "-seed" + std::to_string(seed);
            j.cfg.name = e.name + "/" + j.rec.label;
            j.rec.dir = out + "/runs/" + j.rec.label;
            j.data = DataSplit{train, pool.test, pool.source};
            jobs.push_back(std::move(j));
            return jobs.size() - 1;
        };
        for (std::int64_t d = 0; d < e.bound_draws; ++d) {
            auto [s1, s2] = draw_pair(pool.train, e.bound_m_per_class, std::uint64_t(d));
            const Dataset s2_clean = s2;
            corrupt_labels_exact(s2.labels, e.bound_p, s2.classes, 1000 + std::uint64_t(d));
            Slot slot{v, pool.train.classes, d, {}, {}, {}, s2.corrupted_fraction()};
            const Dataset s12 = concat(s1, s2);
            for (auto seed : e.seeds) {
                slot.clean.push_back(add_job(s1, "S1", 0.0, seed, d));
                slot.noisy.push_back(add_job(s12, "S1+S2noisy", e.bound_p, seed, d));
            }
            // delta-2: S1 + S2 with q-corrupted labels, bound_q_labelings labelings per q.
            for (size_t qi = 0; qi < e.bound_q.size(); ++qi) {
                slot.q.emplace_back();
                for (std::int64_t l = 0; l < e.bound_q_labelings; ++l) {
                    Dataset s2q = s2_clean;
                    corrupt_labels_exact(s2q.labels, e.bound_q[qi], s2q.classes, q_corruption_seed(qi, l, d));
                    const Dataset s12q = concat(s1, s2q);
                    slot.q.back().emplace_back();
                    for (auto seed : e.seeds)
                        slot.q.back().back().push_back(add_job(
                            s12q, "S1+S2q" + value_literal(e.bound_q[qi]) + "l" + std::to_string(l), e.bound_q[qi],
                            seed, d));
                }
            }
            slots.push_back(slot);
        }
    }
    std::cout << "experiment " << e.name << ": " << jobs.size() << " runs -> " << out << std::endl;
    run_all(jobs, opt);

    auto min_depth = [&](const std::vector<size_t>& idx) {
        double m = 1e9;
        for (size_t k : idx) m = std::min(m, jobs[k].rec.depth_or_unfit());
        return m;
    };
    json result;
    json rows = json::array();
    std::string csv = "value,draw,mean_depth_S1,d_min_S1_S2p,first_indicator";
    for (double q : e.bound_q) csv += ",mean_d_min_S1_S2q" + value_literal(q);
    csv += ",delta2_indicator,mean_test_error,wrong_fraction_S2p\n";
    std::string terms_csv = "value,m,draws,first_term,first_lo,first_hi,noise_term,delta1,delta2,delta2_lo,delta2_hi,"
                            "delta2_draws,bound,bound_lower,bound_upper,measured_test_error,bound_minus_error\n";
    std::map<double, std::vector<const Slot*>> by_value;
    for (const auto& s : slots) by_value[s.value].push_back(&s);
    json per_value = json::array();
    std::vector<BoundValue> bvs;
    for (const auto& [v, ss] : by_value) {
        BoundValue bv;
        bv.value = v;
        bv.depth = jobs[ss.front()->clean.front()].rec.depth;
        std::int64_t first_k = 0, delta2_k = 0;
        double test_err = 0;
        for (const auto* s : ss) {
            auto count_incomplete = [&](const std::vector<size_t>& idx) {
                for (size_t k : idx) bv.incomplete += !jobs[k].rec.completed;
            };
            count_incomplete(s->clean);
            count_incomplete(s->noisy);
            for (const auto& qq : s->q)
                for (const auto& ll : qq) count_incomplete(ll);
            double dbar = 0, err = 0;
            for (size_t k : s->clean) {
                dbar += jobs[k].rec.depth_or_unfit() / double(s->clean.size());
                err += (1 - jobs[k].rec.net_test_acc) / double(s->clean.size());
            }
            const double dmin = min_depth(s->noisy);
            const int ind1 = dbar >= dmin;
            // delta-2's event: some q >= (1 + alpha) p whose expected d_min is below the p-level d_min.
            int ind2 = 0;
            std::vector<double> dq;
            for (const auto& qq : s->q) {
                double mean = 0;
                for (const auto& ll : qq) mean += min_depth(ll) / double(qq.size());
                dq.push_back(mean);
                ind2 |= dmin > mean;
            }
            first_k += ind1;
            delta2_k += ind2;
            test_err += err / double(ss.size());
            csv += csv_num(v) + "," + std::to_string(s->draw) + "," + csv_num(dbar) + "," + csv_num(dmin) + "," +
                   std::to_string(ind1);
            for (double x : dq) csv += "," + csv_num(x);
            csv += "," + (s->q.empty() ? std::string("nan") : std::to_string(ind2)) + "," + csv_num(err) + "," +
                   csv_num(s->wrong_fraction) + "\n";
            json row = {{"value", v}, {"draw", s->draw}, {"mean_depth_S1", dbar}, {"d_min_S1_S2p", dmin},
                        {"first_indicator", ind1}, {"mean_test_error", err}, {"wrong_fraction_S2p", s->wrong_fraction}};
            if (!s->q.empty()) {
                row["mean_d_min_S1_S2q"] = dq;
                row["delta2_indicator"] = ind2;
            }
            rows.push_back(row);
        }
        const std::int64_t n = std::int64_t(ss.size());
        bv.draws = n;
        bv.first_term = double(first_k) / double(n);
        std::tie(bv.first_lo, bv.first_hi) = clopper_pearson(first_k, n, e.bound_confidence);
        bv.noise_term = (1 + e.bound_alpha) * e.bound_p;
        bv.delta1 = 0;
        if (!e.bound_q.empty()) {
            bv.delta2_draws = n;
            bv.delta2 = double(delta2_k) / double(n);
            std::tie(bv.delta2_lo, bv.delta2_hi) = clopper_pearson(delta2_k, n, e.bound_confidence);
        } else {
            bv.delta2 = 0, bv.delta2_lo = 0, bv.delta2_hi = 1;  // not estimated: anything in [0, 1]
        }
        bv.bound = bv.first_term + bv.noise_term + bv.delta1 + bv.delta2;
        bv.bound_upper = bv.first_hi + bv.noise_term + bv.delta1 + bv.delta2_hi;
        bv.bound_lower = bv.first_lo + bv.noise_term + bv.delta1 + bv.delta2_lo;
        bv.test_error = test_err;
        bvs.push_back(bv);
        const std::string conf = fmt(100 * e.bound_confidence, 3) + "%";
        json pv = {{"value", v},
                   {"depth", bv.depth},
                   {"m", e.bound_m_per_class * ss.front()->classes},
                   {"draws", n},
                   {"seeds", e.seeds.size()},
                   {"p", e.bound_p},
                   {"alpha", e.bound_alpha},
                   {"q", e.bound_q},
                   {"q_labelings", e.bound_q_labelings},
                   {"confidence", e.bound_confidence},
                   {"first_term", bv.first_term},
                   {"first_term_interval", {bv.first_lo, bv.first_hi}},
                   {"noise_term_(1+alpha)p", bv.noise_term},
                   {"delta1", bv.delta1},
                   {"delta1_note", "assumed 0: the delta1-uniform-errors assumption of Prop. 1 (the network's mistakes on "
                                   "S2 uniformly distributed over gamma); not measurable from these runs"},
                   {"delta2", bv.delta2},
                   {"delta2_interval", {bv.delta2_lo, bv.delta2_hi}},
                   {"delta2_draws", bv.delta2_draws},
                   {"delta2_note", e.bound_q.empty()
                                       ? "not estimated (experiment.bound_q is empty): the interval is [0, 1]"
                                       : "Monte Carlo over draws of S1, S2 and the labels: fraction of draws in which "
                                         "some q in bound_q needs less minimal depth (mean over labelings of the min "
                                         "over seeds) than p; Clopper-Pearson " + conf},
                   {"bound", bv.bound},
                   {"bound_upper", bv.bound_upper},
                   {"bound_lower", bv.bound_lower},
                   {"measured_test_error", bv.test_error},
                   {"bound_minus_error", bv.bound - bv.test_error},
                   {"valid", bv.incomplete ? json(nullptr) : json(bv.bound >= bv.test_error)},
                   {"non_vacuous", bv.incomplete ? json(nullptr) : json(bv.bound < e.bound_vacuous)}};
        if (bv.incomplete) pv["not_evaluated"] = std::to_string(bv.incomplete) + " runs did not complete";
        per_value.push_back(pv);
        terms_csv += csv_num(v) + "," + std::to_string(e.bound_m_per_class * ss.front()->classes) + "," +
                     std::to_string(n) + "," + csv_num(bv.first_term) + "," + csv_num(bv.first_lo) + "," +
                     csv_num(bv.first_hi) + "," + csv_num(bv.noise_term) + "," + csv_num(bv.delta1) + "," +
                     csv_num(bv.delta2) + "," + csv_num(bv.delta2_lo) + "," + csv_num(bv.delta2_hi) + "," +
                     std::to_string(bv.delta2_draws) + "," + csv_num(bv.bound) + "," + csv_num(bv.bound_lower) + "," +
                     csv_num(bv.bound_upper) + "," +
                     csv_num(bv.test_error) + "," + csv_num(bv.bound - bv.test_error) + "\n";
        std::cout << "  " << value_label(e, v) << " (m = " << e.bound_m_per_class * ss.front()->classes << ", "
                  << n << " draws x " << e.seeds.size() << " seeds):\n"
                  << "    first term            " << fmt(bv.first_term) << "  [" << fmt(bv.first_lo) << ", "
                  << fmt(bv.first_hi) << "] (" << first_k << "/" << n << " draws, " << conf << " Clopper-Pearson)\n"
                  << "    (1 + alpha) p         " << fmt(bv.noise_term) << "\n"
                  << "    delta1                0 (assumed: uniform errors; not measurable)\n"
                  << "    delta2                "
                  << (e.bound_q.empty() ? std::string("not estimated (bound_q empty): in [0, 1]")
                                        : fmt(bv.delta2) + "  [" + fmt(bv.delta2_lo) + ", " + fmt(bv.delta2_hi) + "] (" +
                                              std::to_string(delta2_k) + "/" + std::to_string(n) + " draws)")
                  << "\n"
                  << "    bound                 " << fmt(bv.bound) << "  [" << fmt(bv.bound_lower) << ", " << fmt(bv.bound_upper)
                  << "] (the terms at their interval ends)\n"
                  << "    measured test error   " << fmt(bv.test_error) << "  -> bound - error = "
                  << fmt(bv.bound - bv.test_error)
                  << (bv.incomplete ? "  [not evaluated: " + std::to_string(bv.incomplete) + " runs did not complete]"
                                    : std::string(bv.bound >= bv.test_error ? "  [valid]" : "  [VIOLATED]"))
                  << "\n";
    }
    write_file_atomically(out + "/bound.csv", csv);
    write_file_atomically(out + "/bound_terms.csv", terms_csv);
    result["draws"] = rows;
    result["per_value"] = per_value;
    std::vector<RunRecord> records;
    for (const auto& j : jobs) records.push_back(j.rec);
    json checks = json::array();
    for (const auto& c : evaluate_claim_checks(e, ClaimCheckInputs{&records, &bvs})) checks.push_back(to_json(c));
    result["checks"] = checks;
    for (const auto& c : checks)
        std::cout << "  [" << check_status_label(check_status(c)) << "] claim " << c["claim"].get<std::string>() << " ("
                  << c["name"].get<std::string>() << "): " << c["detail"].get<std::string>() << "\n";
    json rj = json::array();
    for (const auto& j : jobs)
        rj.push_back({{"label", j.rec.label},
                      {"status", j.rec.summary.value("status", "?")},
                      {"effective_depth_first", j.rec.ed_first ? json(*j.rec.ed_first) : json("unfit")},
                      {"network_test_acc", j.rec.completed ? json(j.rec.net_test_acc) : json(nullptr)},
                      {"wall_seconds", j.rec.summary.value("wall_seconds", 0.0)}});
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
