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

#include "depthbias/observe/observer.hpp"
#include "depthbias/analysis/references/reference_distances.hpp"
#include "depthbias/tasks/fourier.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/run/factory.hpp"
#include "depthbias/io/gnuplot.hpp"
#include "depthbias/io/progress.hpp"
#include "depthbias/version.hpp"

namespace depthbias {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The endpoint's metrics (summary "final"), for a run that did not diverge.
FinalMetrics final_metrics(const RunConfig& cfg, const Task& task, const Predictor& p, const Outcome& out,
                           double final_log10_loss, const std::vector<NamedReference>& references) {
    FinalMetrics f;
    f.values["loss"] = out.loss;
    f.values["log10_loss"] = final_log10_loss;
    f.values["reconstruction_error"] = task.reconstruction_error(p);
    f.values["test_error"] = task.test_error(p);
    f.values["offset"] = p.offset;
    f.spectrum = spectrum(p.beta, task.spectrum_kind(), cfg.observe.top_k);
    const auto names = task.metric_names();
    const auto values = task.metrics(p);
    for (size_t i = 0; i < names.size(); ++i) f.values[names[i]] = values[i];
    for (const auto& r : references) {
        f.values["dist_" + r.name] = direction_distance(p.beta.col(0), r.direction);
        if (r.same_scale)  // the endpoint itself against the reference interpolator
            f.values["relative_error_to_" + r.name] = (p.beta.col(0) - r.raw).norm() / r.raw.norm();
    }
    if (task.spectrum_kind() == SpectrumKind::AbsCoordinates || task.spectrum_kind() == SpectrumKind::FourierAmplitudes) {
        // Indices of the largest coordinates / Fourier bins, largest first.
        std::vector<double> v = task.spectrum_kind() == SpectrumKind::AbsCoordinates
                                    ? std::vector<double>(p.beta.data(), p.beta.data() + p.beta.size())
                                    : fourier_amplitudes(p.beta);
        std::vector<int> idx(v.size());
        std::iota(idx.begin(), idx.end(), 0);
        const size_t k = std::min<size_t>(size_t(cfg.observe.top_k), idx.size());
        std::partial_sort(idx.begin(), idx.begin() + long(k), idx.end(),
                          [&](int a, int b) { return std::abs(v[size_t(a)]) > std::abs(v[size_t(b)]); });
        f.top_indices = std::vector<int>(idx.begin(), idx.begin() + long(k));
    }
    if (p.beta.cols() == 1 && p.beta.size() <= 16)
        f.predictor = std::vector<double>(p.beta.data(), p.beta.data() + p.beta.size());
    return f;
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
            {"seed", cfg.run.seed},
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

RunSummary run_in_directory(const RunConfig& cfg, const std::string& dir, const RunOptions& opt) {
    validate(cfg);
    const auto wall0 = std::chrono::steady_clock::now();
    auto task = make_task(cfg);
    auto model = make_model(cfg, *task);
    auto dynamics = make_dynamics(cfg);
    Rng init_rng = Rng::stream(std::uint64_t(cfg.run.seed), kStreamInit);
    Vec theta = model->initialize(init_rng, *task);
    const Vec theta0 = theta;

    // References first: a reference that cannot be computed (non-separable data) is bad input, reported
    // before anything final is written.
    const std::vector<NamedReference> references = compute_references(cfg.analysis.references, *task, cfg.model);

    write_file_atomically(dir + "/config.resolved.toml", to_toml(cfg));
    write_file_atomically(dir + "/manifest.json", manifest_json(cfg).dump(2) + "\n");

    Objective obj(*model, *task);
    const ObserverContext ctx{cfg.observe, cfg.analysis, obj, theta0, dynamics->first_record_time(), references, cfg.run.name};
    std::vector<std::unique_ptr<Observer>> observers;
    for (const auto& entry : ObserverRegistry::instance().entries())
        if (auto o = entry.build(ctx)) observers.push_back(std::move(o));
    ProgressLine progress(opt.progress, opt.progress_label.empty() ? cfg.run.name : opt.progress_label);

    double final_log10_loss = NAN;
    auto on_step = [&](const StepView& v) {
        StepAction action = StepAction::Continue;
        for (auto& o : observers)
            if (o->observe(v) == StepAction::Stop) action = StepAction::Stop;
        progress.update(v.step, v.time, v.loss, v.final);
        if (v.final) final_log10_loss = std::isfinite(v.log10_loss) ? v.log10_loss : std::log10(v.loss);
        return action;
    };
    StopRules stop = stop_rules_of(cfg.dynamics);
    if (opt.max_wall_seconds > 0) {
        stop.wall_seconds = opt.max_wall_seconds;
        stop.deadline = wall0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(opt.max_wall_seconds));
    }
    const Outcome out = dynamics->run(obj, theta, stop, on_step);
    const bool finished = out.status != RunStatus::Diverged;

    RunSummary s;
    s.name = cfg.run.name;
    s.seed = cfg.run.seed;
    s.status = out.status;
    s.stop_reason = out.reason;
    s.steps = out.steps;
    s.time = out.time;
    s.gradient_evaluations = out.evaluations;
    s.model = model->name();
    s.depth = model->depth();
    s.task = task->name();
    if (finished) {
        const std::optional<Predictor> own = dynamics->final_predictor();
        s.final = final_metrics(cfg, *task, own ? *own : obj.predictor(), out, final_log10_loss, references);
    }
    dynamics->write_outputs({dir, references, s, !finished});
    for (auto& o : observers) o->finish({dir, s, finished, opt.figures});
    for (const auto& r : references)
        s.references[r.name] = std::vector<double>(r.raw.data(), r.raw.data() + std::min<Index>(r.raw.size(), 16));
    const double tnorm = task->target().norm();
    if (tnorm > 0 && task->target().cols() == 1)
        for (const auto& r : references) s.reference_target_correlation[r.name] = task->target().col(0).dot(r.direction) / tnorm;
    s.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    write_file_atomically(dir + "/summary.json", s.to_json().dump(2) + "\n");
    return s;
}

json execute_run(const RunConfig& cfg, const std::string& dir, const RunOptions& opt) {
    return run_in_directory(cfg, dir, opt).to_json();
}

}  // namespace depthbias
