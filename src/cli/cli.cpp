#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <toml++/toml.h>
#include <chrono>
#include <csignal>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "depthbias/analysis/depth_separation.hpp"
#include "depthbias/analysis/toy_theory.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/io/read_file.hpp"
#include "cli/cli_commands.hpp"
#include "depthbias/run/experiment_kind.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/run/check_result.hpp"
#include "depthbias/run/experiment_figures.hpp"
#include "depthbias/run/presets.hpp"
#include "depthbias/io/progress.hpp"
#include "depthbias/version.hpp"

namespace depthbias {
namespace fs = std::filesystem;

namespace {

std::string default_out(const std::string& name) {
    const auto now = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&now));
    return "runs/" + slug(name) + "-" + buf;
}

std::string read_text(const std::string& path) { return read_user_file(path, "CONFIG", "config file"); }

// A number as experiment.json writes it (shortest round-trip form; null when not finite or absent).
std::string json_number(const std::optional<double>& v) { return v ? nlohmann::json(*v).dump() : "null"; }

void print_result(const ExperimentResult& r, const std::string& out) {
    std::cout << "experiment " << r.name << " -> " << out << "\n";
    for (const auto& run : r.runs) {
        const RunSummary& s = run.summary;
        std::cout << "  " << run.label << ": " << to_string(s.status) << " after " << s.steps << " steps (t = "
                  << json_number(s.time) << ", " << s.wall_seconds << " s)";
        if (s.final) {
            const FinalMetrics& f = *s.final;
            if (f.get("log10_loss"))
                std::cout << ", log10 loss " << json_number(f.get("log10_loss"));
            else
                std::cout << ", loss " << json_number(f.get("loss"));
            if (f.values.count("correlation"))
                std::cout << ", correlation " << json_number(f.get("correlation"));
            else
                std::cout << ", reconstruction error " << json_number(f.get("reconstruction_error"));
            if (s.incremental) std::cout << ", " << s.incremental->verdict;
        } else
            std::cout << ": " << s.stop_reason;
        std::cout << "\n";
    }
    for (const auto& c : r.checks)
        std::cout << "  [" << check_status_label(to_string(c.status)) << "] " << c.name << ": " << c.detail << "\n";
    if (r.figure_warning) std::cout << "  warning: " << *r.figure_warning << "\n";
    if (r.analysis_error) std::cout << "  analysis failed (its checks are not evaluated): " << *r.analysis_error << "\n";
}

// Ctrl-C during `run` / `reproduce`: the runs checkpoint and stop (run/run_monitor.hpp); a second Ctrl-C kills.
RunMonitor* g_interrupt_monitor = nullptr;
extern "C" void on_sigint(int) {
    if (g_interrupt_monitor) g_interrupt_monitor->cancel.store(true);  // lock-free atomic: async-signal-safe
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process
}

// Installs on_sigint for the monitor's lifetime and restores the previous disposition on every exit path. An
// ignored SIGINT (nohup, background jobs) stays ignored.
class InterruptGuard {
public:
    explicit InterruptGuard(RunMonitor& m) {
        previous_ = std::signal(SIGINT, SIG_IGN);
        if (previous_ == SIG_IGN) return;
        g_interrupt_monitor = &m;
        std::signal(SIGINT, on_sigint);
        installed_ = true;
    }
    ~InterruptGuard() {
        if (installed_) std::signal(SIGINT, previous_ == SIG_ERR ? SIG_DFL : previous_);
        else if (previous_ != SIG_ERR) std::signal(SIGINT, previous_);
        g_interrupt_monitor = nullptr;
    }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

private:
    void (*previous_)(int) = SIG_DFL;
    bool installed_ = false;
};

// --resume over a finished experiment: it must be this experiment (every variant's resolved config equal to the
// one stored in its run directory), else the stored result would be reported as this one's.
void require_same_experiment(const Experiment& e, const std::string& out) {
    for (const auto& v : e.variants) {
        const fs::path stored = fs::path(out) / slug(v.label) / "config.resolved.toml";
        if (!fs::exists(stored) || read_file_text(stored.string()) != to_toml(variant_config(e, v)))
            throw ConfigError("--resume", "'" + out + "' holds another experiment (run '" + v.label +
                                          "' differs or is missing); resume with the config it was started with");
    }
}

// `run` and linear-engine `reproduce`: r.name is unused (the experiment is e). flat (`run --flat`): the one run's
// files directly in --out, no experiment.json (ExperimentOptions::flat); a finished run there is its summary.json
// (refused without --force; --resume of the same config reports it, of a checkpointed one continues it).
int run_and_report(Experiment e, const ReproduceRequest& r, bool flat = false) {
    apply_overrides(e, r.sets);
    if (flat) require_one_run(e, "--flat");
    std::string out = r.out;
    if (r.resume && r.force) throw ConfigError("--resume", "cannot be combined with --force");
    if (r.resume && out.empty())
        throw ConfigError("--resume", "needs --out DIR, the directory of the interrupted run");
    if (out.empty()) out = default_out(e.name);
    const fs::path stored = fs::path(out) / "experiment.json";
    require_resumable_layout(out, flat, r.resume);
    if (r.resume && fs::exists(stored)) {
        require_same_experiment(e, out);
        const auto result = ExperimentResult::from_json(read_json_file(stored.string()), stored.string());
        const bool budget_stopped =
            std::any_of(result.runs.begin(), result.runs.end(), [](const auto& run) { return run.summary.wall_budget_hit(); });
        if (!budget_stopped) {  // nothing to continue: report the finished experiment again
            std::cout << "'" << out << "' holds a finished experiment; nothing to resume\n";
            print_result(result, out);
            return experiment_exit_code(result);
        }
        // Runs the wall budget stopped are continued from their checkpoints; the others are kept.
    }
    if (!r.force && !r.resume && fs::exists(stored))
        throw ConfigError("--out", "'" + out + "' already holds a finished experiment; choose another directory, "
                                   "pass --force, or --resume");
    prepare_output_directory(out, "--out", r.force || r.resume, r.resume);
    ExperimentOptions opt;
    opt.progress = stderr_is_terminal();
    opt.figures = r.figures;
    opt.jobs = r.jobs;
    opt.max_wall_seconds = r.max_wall_seconds;
    opt.checkpoint_seconds = r.checkpoint_seconds;
    opt.resume = r.resume;
    opt.flat = flat;
    RunMonitor monitor;
    opt.monitor = &monitor;
    ExperimentResult result;
    {
        InterruptGuard guard(monitor);
        try {
            result = run_experiment(e, out, opt);
        } catch (const Cancelled&) {
            std::cerr << "interrupted: the runs were checkpointed where their dynamics allow; continue with --resume "
                         "--out " << out << "\n";
            return 130;
        }
    }
    print_result(result, out);
    return experiment_exit_code(result);
}

std::string fmt_num(double v) {
    std::ostringstream s;
    s.precision(6);
    s << v;
    return s.str();
}

// The theory commands take depths up to the largest model.depth: beyond, the quadrature of the learning time
// takes minutes (depth 10000: 1.7 s, 100000: minutes).
constexpr int kMaxTheoryDepth = 64;
void check_theory_depth(int depth) {
    if (depth < 1 || depth > kMaxTheoryDepth)
        throw ConfigError("--depth", "must be in [1, " + std::to_string(kMaxTheoryDepth) + "], got " + std::to_string(depth));
}
void check_ratio_and_eps(double ratio, double eps) {
    if (!(ratio > 0 && ratio < 1)) throw ConfigError("--ratio", "must lie in (0, 1), got " + fmt_num(ratio));
    if (!(eps > 0 && eps < 0.5)) throw ConfigError("--eps", "must lie in (0, 0.5), got " + fmt_num(eps));
}
void check_toy_component(double target, double sigma0, double c) {
    if (!(target > 0) || !std::isfinite(target)) throw ConfigError("--target", "must be finite and > 0, got " + fmt_num(target));
    if (!(sigma0 > 0 && sigma0 < target))
        throw ConfigError("--sigma0", "must lie in (0, --target = " + fmt_num(target) + "), got " + fmt_num(sigma0));
    if (!(c > 0) || !std::isfinite(c)) throw ConfigError("--c", "must be finite and > 0, got " + fmt_num(c));
}

// A positive quantity given by its log10: the value when it is a normal double, always the log10.
std::string log_quantity(double lg) {
    std::ostringstream s;
    s.precision(6);
    if (lg > -307 && lg < 308)
        s << std::pow(10.0, lg) << " (log10 = " << lg << ")";
    else
        s << "10^" << lg << " (below double range; log10 = " << lg << ")";
    return s.str();
}

// Linear-engine experiment presets (experiments/*.toml without a [sweep] table).
const Registrar<ExperimentKindEntry> linear_experiments{{
    .name = "linear",
    .doc = "linear-engine experiments: a base config and [[variant]]s, figures, [[check]]s",
    .owns =
        [](const Preset& p) {
            if (!p.module.empty()) return false;
            try {
                return !toml::parse(p.toml, p.name).contains("sweep");
            } catch (const toml::parse_error&) {
                return true;  // reproducing it reports the parse error
            }
        },
    .title = [](const Preset& p) { return parse_experiment(p.toml, p.name).title; },
    .reproduce =
        [](const Preset& p, const ReproduceRequest& r) {
            return run_and_report(parse_experiment(p.toml, p.name), r);
        },
    .external = {},
}};

}  // namespace

int cli_main(int argc, char** argv) {
    CLI::App app{"depthbias: training dynamics and implicit bias of deep linear models "
                 "(Gissin et al. 2020; see README.md)"};
    app.set_version_flag("--version", std::string(kVersion) + " (" + kGitCommit + ")");
    app.require_subcommand(1);

    // run
    auto* run = app.add_subcommand("run", "Run one config (or an experiment file with [[variant]]s)");
    std::string config_path, out;
    std::vector<std::string> sets;
    bool force = false, no_figures = false, help_keys = false, config_reference = false;
    int jobs = 0;
    double max_wall_seconds = 0, checkpoint_seconds = 60;
    bool resume = false, flat = false;
    run->add_option("CONFIG", config_path, "TOML config (keys: docs/CONFIG.md or --help-keys)");
    run->add_option("--set", sets, "override a key: section.key=value (repeatable)");
    run->add_option("--out", out, "output directory (default runs/NAME-TIMESTAMP)");
    run->add_flag("--force", force, "overwrite a finished run in --out");
    run->add_flag("--no-figures", no_figures, "skip gnuplot figures");
    run->add_option("--max-wall-seconds", max_wall_seconds,
                    "wall-clock budget per run: a run past it ends with status wall_budget_exhausted (exit 5)");
    run->add_option("--checkpoint-seconds", checkpoint_seconds,
                    "checkpoint each run at most this often (fixed-step dynamics; 0: never), for --resume")
        ->capture_default_str();
    run->add_flag("--resume", resume,
                  "continue the interrupted run in --out: finished runs kept, checkpointed ones continued");
    run->add_flag("--flat", flat,
                  "flat layout: the run's files directly in --out, no experiment.json (what a sweep point writes); "
                  "only for a config that is one run (no [[variant]]s, no [[check]]s)");
    run->add_option("--jobs,-j", jobs, "variants run in parallel (0: one per hardware thread; results do not depend on it)")
        ->check(CLI::Range(0, 256))
        ->capture_default_str();
    run->add_flag("--help-keys", help_keys, "list every config key with its type, default and meaning");
    run->add_flag("--config-reference", config_reference,
                  "print the generated part of docs/CONFIG.md (keys and every registered component)");

    // reproduce
    auto* rep = app.add_subcommand("reproduce", "Reproduce a paper figure from a shipped preset (experiments/)");
    std::string preset_name;
    bool list = false;
    rep->add_option("NAME", preset_name, "preset: fig1a, fig1b, toy, separation, ... (--list)");
    rep->add_option("--set", sets, "override a key of the preset: section.key=value (repeatable)");
    rep->add_option("--out", out, "output directory (default runs/NAME-TIMESTAMP)");
    rep->add_flag("--force", force, "overwrite a finished run in --out");
    rep->add_flag("--no-figures", no_figures, "skip gnuplot figures");
    rep->add_option("--max-wall-seconds", max_wall_seconds,
                    "wall-clock budget per run: a run past it ends with status wall_budget_exhausted (exit 5)");
    rep->add_option("--checkpoint-seconds", checkpoint_seconds,
                    "checkpoint each run at most this often (fixed-step dynamics; 0: never), for --resume")
        ->capture_default_str();
    rep->add_flag("--resume", resume,
                  "continue the interrupted experiment in --out: finished runs kept, checkpointed ones continued");
    rep->add_option("--jobs,-j", jobs, "variants run in parallel (0: one per hardware thread; results do not depend on it)")
        ->check(CLI::Range(0, 256))
        ->capture_default_str();
    rep->add_flag("--list", list, "list the presets");

    // theory
    auto* th = app.add_subcommand(
        "theory", "Closed forms: the toy model (gissin.md sections 1-2) and deep linear networks (exact_dln.md, dln_geometry.md)");
    th->require_subcommand(1);
    int depth = 2;
    double ratio = 0.5, eps = 0.05, target = 1.0, sigma0 = 1e-4, alpha = 0.5, c = 1.0, t_max = 10;
    int points = 200;
    bool approx = false;
    auto* thr = th->add_subcommand("threshold", "largest sigma0 keeping targets (1, r) eps-incremental");
    thr->add_option("--depth,-N", depth, "depth N >= 1")->required();
    thr->add_option("--ratio,-r", ratio, "r = sigma*_j / sigma*_i in (0, 1)")->required();
    thr->add_option("--eps", eps, "epsilon in (0, 0.5)")->capture_default_str();
    thr->add_flag("--approx", approx, "also print the leading-order approximation");
    auto* tt = th->add_subcommand("time", "learning time t(alpha) of one component");
    tt->add_option("--depth,-N", depth, "depth N >= 1")->required();
    tt->add_option("--target", target, "sigma*")->capture_default_str();
    tt->add_option("--sigma0", sigma0, "initial value sigma0 in (0, sigma*)")->capture_default_str();
    tt->add_option("--alpha", alpha, "fraction of the target in (0, 1)")->capture_default_str();
    tt->add_option("--c", c, "rate constant (N^2 for u^N, N for the balanced product)")->capture_default_str();
    auto* ts = th->add_subcommand("solution", "sigma(t) on a grid, as CSV on stdout");
    ts->add_option("--depth,-N", depth, "depth N >= 1")->required();
    ts->add_option("--target", target, "sigma*")->capture_default_str();
    ts->add_option("--sigma0", sigma0, "initial value")->capture_default_str();
    ts->add_option("--t-max", t_max, "last time")->capture_default_str();
    ts->add_option("--points", points, "grid points")->capture_default_str();
    ts->add_option("--c", c, "rate constant")->capture_default_str();
    auto* tsep = th->add_subcommand("separation", "the depth-separation table: -log10 sigma0_max for N = 2..5");
    tsep->add_option("--eps", eps, "epsilon")->capture_default_str();

    const std::vector<CliCommand> module_commands = add_module_commands(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }

    try {
        for (const auto& mc : module_commands)
            if (mc.subcommand->parsed()) return mc.handler();
        if (!(max_wall_seconds >= 0) || !(max_wall_seconds <= 1e9))
            throw ConfigError("--max-wall-seconds", "must be in [0, 1e9] seconds (0: no budget)");
        if (!(checkpoint_seconds >= 0) || !(checkpoint_seconds <= 1e9))
            throw ConfigError("--checkpoint-seconds", "must be in [0, 1e9] seconds (0: no checkpoints)");
        ReproduceRequest request{preset_name, out, sets, force, !no_figures, jobs, max_wall_seconds, checkpoint_seconds, resume};
        if (run->parsed()) {
            if (config_reference) {
                std::cout << config_reference_markdown();
                return 0;
            }
            if (help_keys) {
                std::cout << "Config keys (TOML sections [run] [task] [model] [dynamics] [observe] [analysis]):\n"
                          << describe_keys();
                return 0;
            }
            if (config_path.empty()) throw ConfigError("CONFIG", "a config file is required (see --help)");
            return run_and_report(parse_experiment(read_text(config_path), config_path), request, flat);
        }
        if (rep->parsed()) {
            if (list || preset_name.empty()) {
                std::cout << "presets:\n";
                for (const auto& [p, kind] : reproducible_presets())
                    std::cout << "  " << p.name << ": " << kind->title(p) << "\n";
                if (preset_name.empty() && !list)  // no name (or an empty one): bad input, said on stderr
                    throw ConfigError("NAME", "a preset name is required: one of those listed above");
                return 0;
            }
            return reproduce_preset(request);
        }
        if (thr->parsed()) {
            check_theory_depth(depth);
            check_ratio_and_eps(ratio, eps);
            bool approximate = false;
            const double lg = theory::log10_threshold_sigma0(depth, 1.0, ratio, eps, &approximate);
            std::cout << "depth " << depth << ", targets (1, " << ratio << "), eps " << eps << ": ";
            if (depth == 1) {
                std::cout << "no sigma0 is eps-incremental (depth 1: every component rises at the same rate)\n";
                return 0;
            }
            std::cout << "largest eps-incremental sigma0 = " << log_quantity(lg)
                      << (approximate ? " (leading-order approximation: below the bisection's range 1e-300)" : "")
                      << "\n";
            if (approx && depth >= 2) {
                const double ap = depth == 2 ? theory::log10_threshold_sigma0(2, 1.0, ratio, eps)
                                             : std::log10(theory::threshold_approx(depth, 1.0, ratio, eps));
                std::cout << "leading-order approximation: " << log_quantity(ap) << "\n";
            }
            return 0;
        }
        if (tt->parsed()) {
            check_theory_depth(depth);
            check_toy_component(target, sigma0, c);
            if (!(alpha > 0 && alpha < 1)) throw ConfigError("--alpha", "must lie in (0, 1), got " + fmt_num(alpha));
            if (alpha * target <= sigma0) {
                std::cout << "0 (sigma0 = " << sigma0 << " is already at or above alpha * sigma* = " << alpha * target
                          << ")\n";
                return 0;
            }
            const double t = theory::learning_time(depth, target, sigma0, alpha, c);
            if (!std::isfinite(t)) throw ConfigError("--sigma0", "the learning time overflows a double at these values");
            std::cout.precision(10);
            std::cout << t << "\n";
            return 0;
        }
        if (ts->parsed()) {
            check_theory_depth(depth);
            check_toy_component(target, sigma0, c);
            if (!(t_max >= 0) || !std::isfinite(t_max)) throw ConfigError("--t-max", "must be finite and >= 0");
            if (points < 2 || points > 1000000) throw ConfigError("--points", "must be in [2, 1000000]");
            // Computed in full before anything is printed: an error leaves no partial CSV on stdout.
            std::ostringstream csv;
            csv.precision(12);
            csv << "time,sigma\n";
            for (int i = 0; i < points; ++i) {
                const double t = t_max * i / (points - 1);
                csv << t << ',' << theory::solution(depth, target, sigma0, t, c) << "\n";
            }
            std::cout << csv.str();
            return 0;
        }
        if (tsep->parsed()) {
            check_ratio_and_eps(0.5, eps);
            const std::vector<int> depths{2, 3, 4, 5};
            std::ostringstream table;
            table << "# -log10 of the largest eps-incremental sigma0 (eps = " << eps << "; targets 1 and r)\n";
            table << "r";
            for (int n : depths) table << "\tN=" << n;
            table << "\n";
            table.precision(4);
            for (double r : {0.5, 0.75, 0.9, 0.95, 0.99}) {
                table << r;
                bool approximate = false;
                for (int n : depths) {
                    table << "\t" << -theory::log10_threshold_sigma0(n, 1.0, r, eps, &approximate);
                    if (approximate) table << "~";
                }
                table << "\n";
            }
            std::cout << table.str();
            return 0;
        }
    } catch (const ConfigError& e) {
        std::cerr << "depthbias: error: " << e.what() << "\n";
        return 2;
    } catch (const std::invalid_argument& e) {
        std::cerr << "depthbias: error: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "depthbias: error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace depthbias
