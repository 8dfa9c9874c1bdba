#include "depthbias/run/run_executor.hpp"

// GCC 12 reports -Wrestrict false positives inside std::string concatenation (char_traits::copy) here.
#pragma GCC diagnostic ignored "-Wrestrict"

#include <Eigen/SVD>
#include <boost/version.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

#include "depthbias/observe/observer.hpp"
#include "depthbias/analysis/references/reference_distances.hpp"
#include "depthbias/tasks/fourier.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/run/factory.hpp"
#include "depthbias/run/run_checkpoint.hpp"
#include "depthbias/io/read_file.hpp"
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
        if (r.function_space) continue;  // compared on the task's grid by the function-space observer
        const Eigen::Map<const Vec> flat(p.beta.data(), p.beta.size());  // a matrix predictor column-major (vec)
        f.values["dist_" + r.name] = direction_distance(flat, r.direction);
        if (r.same_scale) {  // the endpoint itself against the reference interpolator
            f.values["relative_error_to_" + r.name] = (flat - r.raw).norm() / r.raw.norm();
            if (r.raw.size() == p.beta.size()) {  // the reference as a predictor: its own test error
                const Predictor ref{Eigen::Map<const Mat>(r.raw.data(), p.beta.rows(), p.beta.cols()), 0.0};
                f.values["test_error_of_" + r.name] = task.test_error(ref);
            }
        }
        for (const auto& [key, value] : r.diagnostics) f.values[r.name + "_" + key] = value;
    }
    if (task.spectrum_kind() == SpectrumKind::SingularValues && p.beta.rows() > 1 && p.beta.cols() > 1)
        f.values["nuclear_norm"] = Eigen::BDCSVD<Mat>(p.beta).singularValues().sum();
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
    if (p.beta.size() <= 16)  // a vector, or a small matrix column-major (the 2 x 2 and 4 x 4 completions)
        f.predictor = std::vector<double>(p.beta.data(), p.beta.data() + p.beta.size());
    return f;
}

// The user data a run read (task.data_file), as the manifest records it: the absolute path, the size and a
// 64-bit FNV-1a digest of the bytes. A checkpointed run continued on a changed file would mix two data sets, so
// --resume compares the digest (check_data_file_unchanged). Null when the run samples its data.
json data_file_record(const RunConfig& cfg) {
    if (cfg.task.data_file.empty()) return nullptr;
    const std::string bytes = read_user_file(cfg.task.data_file, "task.data_file", "data file");
    std::uint64_t h = 1469598103934665603ull;
    for (const unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
    std::error_code ec;
    const fs::path abs = fs::absolute(cfg.task.data_file, ec);
    return {{"path", ec ? cfg.task.data_file : abs.lexically_normal().string()},
            {"bytes", bytes.size()},
            {"fnv1a64", fmt::format("{:016x}", h)}};
}

// --resume of a checkpointed run: the data file must be the one the run started on (manifest.json's record).
// Manifests written before the record existed are not checked.
void check_data_file_unchanged(const std::string& dir, const json& now) {
    const fs::path manifest = fs::path(dir) / "manifest.json";
    if (now.is_null() || !fs::exists(manifest)) return;
    const json m = read_json_file(manifest.string());
    if (!m.contains("data_file") || !m["data_file"].is_object()) return;
    const json& then = m["data_file"];
    if (then.value("fnv1a64", std::string()) != now["fnv1a64"].get<std::string>() ||
        then.value("bytes", std::uint64_t(0)) != now["bytes"].get<std::uint64_t>())
        throw ConfigError("task.data_file",
                          "'" + now["path"].get<std::string>() + "' has changed since the run in '" + dir +
                              "' started on it (" + then.value("path", std::string("?")) + ", " +
                              std::to_string(then.value("bytes", std::uint64_t(0))) + " bytes, digest " +
                              then.value("fnv1a64", std::string("?")) + "; now " +
                              std::to_string(now["bytes"].get<std::uint64_t>()) + " bytes, digest " +
                              now["fnv1a64"].get<std::string>() +
                              "): restore that file, or start a new run in another directory");
}

// --resume: the summary of a finished run of this config in dir (not one the wall budget stopped), if any.
std::optional<RunSummary> finished_run(const std::string& dir, const std::string& config_text) {
    const fs::path summary = fs::path(dir) / "summary.json";
    if (!fs::exists(summary)) return std::nullopt;
    const std::string stored = fs::exists(fs::path(dir) / "config.resolved.toml")
                                   ? read_file_text((fs::path(dir) / "config.resolved.toml").string())
                                   : std::string();
    if (stored != config_text)
        throw ConfigError("--resume", "'" + dir + "' holds a run of another config; resume with the config it was "
                                      "started with, or start a new run in another directory");
    RunSummary s = RunSummary::from_json(read_json_file(summary.string()), summary.string());
    if (s.wall_budget_hit()) return std::nullopt;  // stopped by the budget: continue it
    return s;
}

}  // namespace

// The gnuplot version is asked only when the run draws figures: `gnuplot --version` is a process start (about 10%
// of the CPU time of a short preset such as fig1b under --no-figures, issue 10) and says nothing about a run
// that draws none.
json manifest_json(const RunConfig& cfg, bool figures) {
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
              {"gnuplot", figures ? gnuplot_version() : std::string("not used (figures off)")}}},
            {"data_file", data_file_record(cfg)}};
}

RunSummary run_in_directory(const RunConfig& cfg, const std::string& dir, const RunOptions& opt) {
    validate(cfg);
    const auto wall0 = std::chrono::steady_clock::now();
    const std::string config_text = to_toml(cfg);
    if (!(opt.checkpoint_seconds >= 0) || !(opt.checkpoint_seconds <= 1e9))
        throw ConfigError("--checkpoint-seconds", "must be in [0, 1e9] seconds (0: no periodic checkpoints)");
    if (!(opt.max_wall_seconds >= 0) || !(opt.max_wall_seconds <= 1e9))  // (beyond: the deadline would overflow)
        throw ConfigError("--max-wall-seconds", "must be in [0, 1e9] seconds (0: no budget)");
    std::optional<RunCheckpoint> checkpoint;
    if (opt.resume) {
        if (auto done = finished_run(dir, config_text)) {
            if (opt.monitor) {  // counted as a run of this session for progress displays
                opt.monitor->runs_started.fetch_add(1, std::memory_order_relaxed);
                opt.monitor->runs_finished.fetch_add(1, std::memory_order_relaxed);
            }
            return *done;
        }
        checkpoint = read_checkpoint(dir);
        if (checkpoint && checkpoint->config != config_text)
            throw ConfigError("--resume", "the checkpoint in '" + dir + "' belongs to another config; resume with "
                                          "the config the run was started with");
        if (checkpoint) check_data_file_unchanged(dir, data_file_record(cfg));
    }
    auto task = make_task(cfg);
    auto model = make_model(cfg, *task);
    auto dynamics = make_dynamics(cfg);
    Rng init_rng = Rng::stream(std::uint64_t(cfg.run.seed), kStreamInit);
    Vec theta = model->initialize(init_rng, *task);
    const Vec theta0 = theta;

    // References first: a reference that cannot be computed (non-separable data) is bad input, reported
    // before anything final is written.
    const std::vector<NamedReference> references = compute_references(cfg.analysis.references, *task, cfg.model, cfg.extra);

    if (!checkpoint) remove_checkpoint(dir);  // a stale one would be continued by a later --resume
    std::error_code ec;
    fs::remove(fs::path(dir) / "summary.json", ec);  // (--resume of a budget-stopped run) not finished until the end
    write_file_atomically(dir + "/config.resolved.toml", config_text);
    if (!checkpoint || !fs::exists(fs::path(dir) / "manifest.json"))  // a resumed run keeps its start time
        write_file_atomically(dir + "/manifest.json", manifest_json(cfg, opt.figures).dump(2) + "\n");

    Objective obj(*model, *task);
    const ObserverContext ctx{cfg.observe, cfg.analysis, obj, theta0, dynamics->first_record_time(), references,
                              cfg.run.name, model.get(), &cfg.model, &cfg.extra};
    std::vector<std::pair<std::string, std::unique_ptr<Observer>>> observers;
    for (const auto& entry : ObserverRegistry::instance().entries())
        if (auto o = entry.build(ctx)) observers.emplace_back(entry.name, std::move(o));
    ProgressLine progress(opt.progress, opt.progress_label.empty() ? cfg.run.name : opt.progress_label);

    bool resumable = dynamics->resumable();
    for (const auto& [name, o] : observers) resumable = resumable && o->resumable();
    double wall_before = 0;  // wall time of earlier sessions (resumed runs)
    int resumes = 0;
    if (checkpoint && !resumable) {
        std::cerr << "note: " << dir << ": dynamics.kind = " << cfg.dynamics.kind
                  << " cannot continue from a checkpoint; the run starts again from its beginning\n";
        checkpoint.reset();
        remove_checkpoint(dir);
    }
    if (checkpoint) {
        if (checkpoint->theta.size() != theta.size())
            throw IoError(checkpoint_path(dir) + ": theta has " + std::to_string(checkpoint->theta.size()) +
                          " entries, the model " + std::to_string(theta.size()) + "; remove it to start the run again");
        theta = checkpoint->theta;
        dynamics->restore_state(checkpoint->dynamics);
        for (auto& [name, o] : observers) {
            if (!checkpoint->observers.is_object() || !checkpoint->observers.contains(name))
                throw IoError(checkpoint_path(dir) + ": no state for observer '" + name + "'; remove it to start the run again");
            o->restore_state(checkpoint->observers[name]);
        }
        wall_before = checkpoint->wall_seconds;
        resumes = checkpoint->resumes + 1;
    }
    const auto wall_so_far = [&] {
        return wall_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    };
    const bool checkpointing = resumable && opt.checkpoint_seconds > 0;
    const auto checkpoint_interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(std::min(opt.checkpoint_seconds, 1e9)));
    auto next_checkpoint = wall0 + checkpoint_interval;
    std::optional<std::chrono::steady_clock::time_point> deadline;
    // The state of step v, before the observers see it: a run continued from it observes v again.
    const auto save_checkpoint = [&](const StepView& v) {
        RunCheckpoint c;
        c.config = config_text;
        c.step = v.step;
        c.theta = v.theta;
        c.dynamics = dynamics->save_state();
        c.observers = json::object();
        for (const auto& [name, o] : observers) c.observers[name] = o->save_state();
        c.wall_seconds = wall_so_far();
        c.resumes = resumes;
        write_checkpoint(dir, c);
    };

    double final_log10_loss = NAN;
    bool cancelled = false;
    RunMonitor* const monitor = opt.monitor;
    if (monitor) monitor->runs_started.fetch_add(1, std::memory_order_relaxed);
    auto on_step = [&](const StepView& v) {
        if (monitor) {
            monitor->step.store(v.step, std::memory_order_relaxed);
            monitor->time.store(v.time, std::memory_order_relaxed);
            monitor->loss.store(v.loss, std::memory_order_relaxed);
            if (!v.final && monitor->cancel.load(std::memory_order_relaxed)) {
                if (resumable) save_checkpoint(v);  // (even with checkpoint_seconds 0: an interrupt keeps the work)
                cancelled = true;
                return StepAction::Stop;
            }
        }
        if (cancelled) return StepAction::Continue;  // the final report of a cancelled run: nothing to observe
        if (resumable) {
            const auto now = std::chrono::steady_clock::now();
            // Periodic checkpoints (when enabled), and always one when the wall budget stops the run: --resume
            // continues it even with --checkpoint-seconds 0.
            if (v.final ? (deadline && now >= *deadline) : (checkpointing && now >= next_checkpoint)) {
                save_checkpoint(v);
                next_checkpoint = std::chrono::steady_clock::now() + checkpoint_interval;
            }
        }
        StepAction action = StepAction::Continue;
        for (auto& [name, o] : observers)
            if (o->observe(v) == StepAction::Stop) action = StepAction::Stop;
        progress.update(v.step, v.time, v.loss, v.final);
        if (v.final) final_log10_loss = std::isfinite(v.log10_loss) ? v.log10_loss : std::log10(v.loss);
        return action;
    };
    StopRules stop = stop_rules_of(cfg.dynamics);
    if (opt.max_wall_seconds > 0) {
        // The budget covers the training loop, counted from here (after data and references are set up), so
        // that every session of a resumed run makes progress however long its set-up takes.
        stop.wall_seconds = opt.max_wall_seconds;
        stop.deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                               std::chrono::duration<double>(opt.max_wall_seconds));
        deadline = stop.deadline;
    }
    const Outcome out = dynamics->run(obj, theta, stop, on_step);
    if (cancelled) throw Cancelled();  // no summary: the directory does not look finished; --resume continues it
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
    for (auto& [name, o] : observers) o->finish({dir, s, finished, opt.figures});
    for (const auto& r : references)
        s.references[r.name] = std::vector<double>(r.raw.data(), r.raw.data() + std::min<Index>(r.raw.size(), 16));
    const double tnorm = task->target().norm();
    if (tnorm > 0 && task->target().cols() == 1)
        for (const auto& r : references)
            if (!r.function_space) s.reference_target_correlation[r.name] = task->target().col(0).dot(r.direction) / tnorm;
    s.wall_seconds = wall_so_far();
    s.resumes = resumes;
    write_file_atomically(dir + "/summary.json", s.to_json().dump(2) + "\n");
    // A run the wall budget stopped keeps its checkpoint (written at the stop) for --resume.
    if (out.status != RunStatus::WallBudget) remove_checkpoint(dir);
    if (monitor) monitor->runs_finished.fetch_add(1, std::memory_order_relaxed);
    return s;
}

json execute_run(const RunConfig& cfg, const std::string& dir, const RunOptions& opt) {
    return run_in_directory(cfg, dir, opt).to_json();
}

}  // namespace depthbias
