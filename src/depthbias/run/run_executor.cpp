#include "depthbias/run/run_executor.hpp"

#include <boost/version.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

#include "depthbias/analysis/incremental.hpp"
#include "depthbias/dynamics/gradient_descent.hpp"
#include "depthbias/dynamics/gradient_flow.hpp"
#include "depthbias/observe/learning_events.hpp"
#include "depthbias/observe/recorder.hpp"
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
        spec.curves.push_back({"timeseries.csv", 2, int(8 + i), "s" + std::to_string(i + 1), "lines lw 2"});
    Panel loss{"loss and errors", "time t", "", false, true, {}, ""};
    loss.curves.push_back({"timeseries.csv", 2, 3, "training loss", "lines lw 2"});
    loss.curves.push_back({"timeseries.csv", 2, 4, "reconstruction error", "lines"});
    loss.curves.push_back({"timeseries.csv", 2, 5, "test error", "lines dt 2"});
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
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
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

    StopRules stop;
    stop.loss_threshold = cfg.loss_threshold;
    stop.max_steps = cfg.max_steps;
    stop.max_time = cfg.max_time > 0 ? cfg.max_time : std::numeric_limits<double>::infinity();
    stop.divergence_factor = cfg.divergence_factor;
    auto cb = [&](const StepView& v) {
        rec.observe(v);
        events.observe(v);
        progress.update(v.step, v.time, v.loss, v.final);
    };
    Outcome out = cfg.dynamics == "gd" ? run_gradient_descent(obj, theta, cfg.lr, stop, cb)
                                       : run_gradient_flow(obj, theta, {cfg.rtol, cfg.atol, std::min(1e-3, cfg.lr)},
                                                           stop, cb);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

    rec.write_csv(dir + "/timeseries.csv");
    events.write_csv(dir + "/events.csv");

    json s;
    s["name"] = cfg.name;
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
        const Predictor& p = obj.predictor();
        s["final"] = {{"loss", out.loss},
                      {"reconstruction_error", reconstruction_error(p.beta, task->target())},
                      {"test_error", task->test_error(p)},
                      {"offset", p.offset},
                      {"spectrum", spectrum(p.beta, task->spectrum_kind(), cfg.top_k)}};
        s["final"]["max_invariant_drift"] = finite_or_null(rec.max_invariant_drift());
        s["incremental"] = incremental_json(analyze_incremental(events, eps), events.targets());
    }
    if (opt.figures) render_run_figure(cfg, rec, dir, s);
    write_file_atomically(dir + "/summary.json", s.dump(2) + "\n");
    return s;
}

}  // namespace depthbias
