#include "depthbias/run/run_executor.hpp"

// GCC 12 reports -Wrestrict false positives inside std::string concatenation (char_traits::copy) here.
#pragma GCC diagnostic ignored "-Wrestrict"

#include <boost/version.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <numeric>
#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

#include "depthbias/analysis/incremental.hpp"
#include "depthbias/dynamics/gradient_descent.hpp"
#include "depthbias/dynamics/dual_flow.hpp"
#include "depthbias/dynamics/gradient_flow.hpp"
#include "depthbias/observe/activation_order.hpp"
#include "depthbias/observe/learning_events.hpp"
#include "depthbias/observe/recorder.hpp"
#include "depthbias/observe/reference_distances.hpp"
#include "depthbias/tasks/binary_classification.hpp"
#include "depthbias/tasks/fourier.hpp"
#include "depthbias/run/atomic_file.hpp"
#include "depthbias/run/factory.hpp"
#include "depthbias/run/gnuplot.hpp"
#include "depthbias/run/progress.hpp"
#include "depthbias/version.hpp"

namespace depthbias {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json incremental_json(const IncrementalReport& r, const std::vector<double>& targets) {
    json comps = json::array();
    for (size_t i = 0; i < targets.size(); ++i)
        comps.push_back({{"target", targets[i]},
                         {"t_eps", finite_or_null(r.t_start[i])},
                         {"t_half", finite_or_null(r.t_half[i])},
                         {"t_one_minus_eps", finite_or_null(r.t_done[i])}});
    json pairs = json::array();
    for (const auto& p : r.pairs)
        pairs.push_back({{"components", {p.first + 1, p.second + 1}},
                         {"t_first_done", finite_or_null(p.t_first_done)},
                         {"t_second_start", finite_or_null(p.t_second_start)},
                         {"incremental", p.incremental}});
    json order = json::array();
    for (int o : r.order) order.push_back(o + 1);
    return {{"epsilon", r.epsilon},     {"components", comps},           {"pairs", pairs},
            {"learning_order", order}, {"largest_first", r.largest_first}, {"verdict", r.verdict}};
}

void render_run_figure(const RunConfig& cfg, const Recorder& rec, const std::string& dir, json& summary) {
    Figure fig;
    fig.title = cfg.name;
    fig.cols = 2;
    fig.width_px = 1400;
    fig.height_px = 600;
    Panel spec{"top-" + std::to_string(rec.top_k()) + " spectrum", "time t (GD: step x lr)",
               cfg.task == "toy" ? "coordinate" : "singular value", false, false, {}, ""};
    for (Index i = 0; i < rec.top_k(); ++i)
        spec.curves.push_back({"timeseries.csv", kColumnTime, int(kColumnFirstSpectrum + i), "s" + std::to_string(i + 1), "lines lw 2"});
    Panel loss{"loss and errors", "time t", "", false, true, {}, ""};
    loss.curves.push_back({"timeseries.csv", kColumnTime, kColumnLoss, "training loss", "lines lw 2"});
    loss.curves.push_back({"timeseries.csv", kColumnTime, kColumnReconstruction, "reconstruction error", "lines"});
    loss.curves.push_back({"timeseries.csv", kColumnTime, kColumnTestError, "test error", "lines dt 2"});
    fig.panels = {spec, loss};
    std::string err;
    if (!render(fig, dir, "spectrum", &err)) summary["figure_warning"] = err;
}

}  // namespace

json manifest_json(const RunConfig& cfg) {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    const auto now = std::time(nullptr);
    char when[64];
    std::tm utc{};
    gmtime_r(&now, &utc);  // (not std::gmtime: runs execute on several threads)
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return {{"depthbias_version", kVersion},
            {"git_commit", kGitCommit},
            {"seed", cfg.seed},
            {"started_utc", when},
            {"host", host},
            {"compiler", kCompiler},
            {"libraries",
             {{"eigen", fmt::format("{}.{}.{}", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION)},
              {"boost", fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100)},
              {"tomlplusplus", fmt::format("{}.{}.{}", TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH)},
              {"nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                                            NLOHMANN_JSON_VERSION_PATCH)},
              {"fmt", FMT_VERSION},
              {"gnuplot", gnuplot_version()}}}};
}

json execute_run(const RunConfig& cfg, const std::string& dir, const RunOptions& opt) {
    validate(cfg);
    const auto wall0 = std::chrono::steady_clock::now();
    auto task = make_task(cfg);
    auto model = make_model(cfg, *task);
    Rng init_rng = Rng::stream(std::uint64_t(cfg.seed), kStreamInit);
    Vec theta = model->initialize(init_rng, *task);

    write_file_atomically(dir + "/config.resolved.toml", to_toml(cfg));
    write_file_atomically(dir + "/manifest.json", manifest_json(cfg).dump(2) + "\n");

    Objective obj(*model, *task);
    RecordSchedule sched;
    sched.log_spaced = cfg.schedule == "log";
    sched.points_per_decade = cfg.points_per_decade;
    sched.interval = cfg.interval;
    sched.capacity = cfg.max_records;
    sched.t_min = cfg.dynamics == "gd" ? cfg.lr : 1e-3;
    Recorder rec(obj, sched, cfg.top_k, theta);
    const double eps = cfg.epsilon;
    LearningEventDetector events(obj, {eps, 0.5, 1 - eps}, cfg.event_every);
    ProgressLine progress(opt.progress, opt.progress_label.empty() ? cfg.name : opt.progress_label);

    // References first: a reference that cannot be computed (non-separable data) is bad input, reported
    // before anything final is written.
    const std::vector<NamedReference> references = compute_references(cfg, *task);
    if (!references.empty()) {
        std::vector<std::string> names;
        for (const auto& r : references) names.push_back("dist_" + r.name);
        rec.add_metrics(names, [&references](const Predictor& p) {
            std::vector<double> d;
            for (const auto& r : references) d.push_back(direction_distance(p.beta.col(0), r.direction));
            return d;
        });
    }
    ActivationOrder activations(cfg.activation_threshold);

    StopRules stop;
    stop.loss_threshold = cfg.loss_threshold;
    stop.max_steps = cfg.max_steps;
    stop.max_time = cfg.max_time > 0 ? cfg.max_time : std::numeric_limits<double>::infinity();
    stop.divergence_factor = cfg.divergence_factor;
    double final_log10_loss = NAN;
    auto cb = [&](const StepView& v) {
        rec.observe(v);
        events.observe(v);
        if (cfg.activation_threshold > 0) activations.observe(v);
        progress.update(v.step, v.time, v.loss, v.final);
        if (v.final) final_log10_loss = std::isfinite(v.log10_loss) ? v.log10_loss : std::log10(v.loss);
    };
    Outcome out;
    Predictor final_pred;
    json dual_json;
    if (cfg.dynamics == "dual_flow") {
        const auto& cls = dynamic_cast<const BinaryClassification&>(*task);
        DualFlowSpec ds;
        ds.depth = int(cfg.depth);
        ds.alpha = std::pow(cfg.init_scale, 1.0 / double(cfg.depth));
        ds.max_margin = cfg.max_margin;
        ds.rtol = cfg.rtol;
        ds.atol = cfg.atol;
        for (double g = 10; g <= cfg.max_margin * (1 + 1e-12); g *= 10) ds.checkpoints.push_back(g);
        const DualFlowResult dual = run_dual_flow(cls, ds, cb);
        out = dual.outcome;
        final_pred = {dual.w.size() ? Mat(dual.w) : Mat(obj.predictor().beta), 0.0};
        dual_json = json::array();
        std::ofstream f(dir + "/checkpoints.csv");
        f << "gamma,log10_inv_eps,tau";
        const bool coords = cls.rows() <= 16;
        if (coords)
            for (Index i = 0; i < cls.rows(); ++i) f << ",w" << (i + 1);
        for (const auto& r : references) f << ",dist_" << r.name;
        f << "\n" << std::setprecision(12);
        for (const auto& c : dual.checkpoints) {
            json row = {{"gamma", c.gamma}, {"log10_inv_eps", c.log10_inv_eps}, {"tau", c.tau},
                        {"mu", std::pow(ds.alpha, ds.depth) / c.gamma}};
            f << c.gamma << ',' << c.log10_inv_eps << ',' << c.tau;
            if (coords) {
                row["normalized_predictor"] = std::vector<double>(c.normalized.data(), c.normalized.data() + c.normalized.size());
                for (Index i = 0; i < c.normalized.size(); ++i) f << ',' << c.normalized(i);
            }
            for (const auto& r : references) {
                const double dist = direction_distance(c.normalized, r.direction);
                row["dist_" + r.name] = dist;
                f << ',' << dist;
            }
            f << "\n";
            dual_json.push_back(row);
        }
    } else {
        out = cfg.dynamics == "gd" ? run_gradient_descent(obj, theta, cfg.lr, stop, cb)
                                   : run_gradient_flow(obj, theta, {cfg.rtol, cfg.atol, std::min(1e-3, cfg.lr)}, stop, cb);
        final_pred = obj.predictor();
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

    rec.write_csv(dir + "/timeseries.csv");
    events.write_csv(dir + "/events.csv");

    json s;
    s["name"] = cfg.name;
    s["seed"] = cfg.seed;
    s["status"] = to_string(out.status);
    s["stop_reason"] = out.reason;
    s["steps"] = out.steps;
    s["time"] = out.time;
    s["gradient_evaluations"] = out.evaluations;
    s["wall_seconds"] = wall;
    s["model"] = model->name();
    s["depth"] = model->depth();
    s["task"] = task->name();
    if (out.status != RunStatus::Diverged) {
        const Predictor& p = final_pred;
        s["final"] = {{"loss", out.loss},
                      {"log10_loss", finite_or_null(final_log10_loss)},
                      {"reconstruction_error", task->reconstruction_error(p)},
                      {"test_error", finite_or_null(task->test_error(p))},
                      {"offset", p.offset},
                      {"spectrum", spectrum(p.beta, task->spectrum_kind(), cfg.top_k)}};
        s["final"]["max_invariant_drift"] = finite_or_null(rec.max_invariant_drift());
        const auto names = task->metric_names();
        const auto values = task->metrics(p);
        for (size_t i = 0; i < names.size(); ++i) s["final"][names[i]] = finite_or_null(values[i]);
        for (const auto& r : references) {
            s["final"]["dist_" + r.name] = finite_or_null(direction_distance(p.beta.col(0), r.direction));
            if (cfg.task == "regression")  // same scale: the endpoint itself against the reference interpolator
                s["final"]["relative_error_to_" + r.name] = (p.beta.col(0) - r.raw).norm() / r.raw.norm();
        }
        if (task->spectrum_kind() == SpectrumKind::AbsCoordinates ||
            task->spectrum_kind() == SpectrumKind::FourierAmplitudes) {
            // Indices of the largest coordinates / Fourier bins, largest first.
            std::vector<double> v = task->spectrum_kind() == SpectrumKind::AbsCoordinates
                                        ? std::vector<double>(p.beta.data(), p.beta.data() + p.beta.size())
                                        : fourier_amplitudes(p.beta);
            std::vector<int> idx(v.size());
            std::iota(idx.begin(), idx.end(), 0);
            const size_t k = std::min<size_t>(size_t(cfg.top_k), idx.size());
            std::partial_sort(idx.begin(), idx.begin() + long(k), idx.end(),
                              [&](int a, int b) { return std::abs(v[size_t(a)]) > std::abs(v[size_t(b)]); });
            s["final"]["top_indices"] = std::vector<int>(idx.begin(), idx.begin() + long(k));
        }
        if (p.beta.cols() == 1 && p.beta.size() <= 16)
            s["final"]["predictor"] = std::vector<double>(p.beta.data(), p.beta.data() + p.beta.size());
        if (!events.targets().empty())
            s["incremental"] = incremental_json(analyze_incremental(events, eps), events.targets());
        if (cfg.activation_threshold > 0) {
            s["activation_order"] = activations.order();
            s["activation_times"] = activations.times();
        }
        if (!dual_json.is_null()) s["margin_checkpoints"] = dual_json;
    }
    json refs_json = json::object();
    for (const auto& r : references)
        refs_json[r.name] = std::vector<double>(r.raw.data(), r.raw.data() + std::min<Index>(r.raw.size(), 16));
    if (!references.empty()) s["references"] = refs_json;
    const double tnorm = task->target().norm();
    if (tnorm > 0 && task->target().cols() == 1)
        for (const auto& r : references)
            s["reference_target_correlation"][r.name] = task->target().col(0).dot(r.direction) / tnorm;
    if (opt.figures) render_run_figure(cfg, rec, dir, s);
    write_file_atomically(dir + "/summary.json", s.dump(2) + "\n");
    return s;
}

}  // namespace depthbias
