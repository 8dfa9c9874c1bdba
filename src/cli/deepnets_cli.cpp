#include "cli/deepnets_cli.hpp"

#include <algorithm>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include "depthbias/core/error.hpp"
#include "depthbias/deepnets/experiments.hpp"
#include "depthbias/deepnets/deep_presets.hpp"
#include "depthbias/deepnets/trainer.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/io/progress.hpp"
#include "depthbias/run/experiment_kind.hpp"

namespace depthbias {
namespace fs = std::filesystem;
using namespace deepnets;

namespace {

struct State {
    std::string config, preset, preset_dir, out, name;
    std::string preset_text;  // the preset's TOML when `depthbias reproduce` already found it
    std::vector<std::string> sets;
    bool resume = false, force = false, no_figures = false, help_keys = false, list = false, quiet = false;
    std::int64_t stop_after = 0;
    double max_wall_seconds = 0;
    int jobs = 1, bench_epochs = 1;
};

std::string default_out(const std::string& name) {
    const auto now = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&now));
    std::string s;
    for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '-';
    return "runs/" + s + "-" + buf;
}

toml::table parse_doc(const std::string& text, const std::string& origin, const std::string& option) {
    try {
        return toml::parse(text, origin);
    } catch (const toml::parse_error& err) {
        throw ConfigError(option, "cannot parse '" + origin + "': " + std::string(err.description()) + " at line " +
                                      std::to_string(err.source().begin.line));
    }
}

// The config of `deepnets train` / `bench`: defaults, then the file or preset, then --set.
DeepConfig resolve_config(const State& s) {
    DeepConfig cfg;
    if (!s.config.empty() && !s.preset.empty())
        throw ConfigError("--preset", "give either a CONFIG file or --preset, not both");
    std::string path, option, text;
    if (!s.preset.empty()) {
        const PresetInfo p = find_preset(s.preset, s.preset_dir, "--preset");
        path = p.origin;
        text = p.toml;
        option = "--preset";
    } else if (!s.config.empty()) {
        path = s.config;
        text = read_text_file(path, "CONFIG");
        option = "CONFIG";
    }
    if (!path.empty()) {
        const auto doc = parse_doc(text, path, option);
        if (doc.contains("experiment"))
            throw ConfigError(option, "'" + path + "' is an experiment; run it with `depthbias deepnets reproduce`");
        apply_toml(cfg, doc);
        if (!s.preset.empty() && !doc["run"]["name"]) cfg.name = s.preset;
    }
    for (const auto& a : s.sets) apply_override(cfg, a);
    validate(cfg);
    return cfg;
}

void print_summary(const nlohmann::json& s, const std::string& out) {
    std::cout << "run " << s["name"].get<std::string>() << " -> " << out << ": " << s["status"].get<std::string>();
    if (s["status"] == "completed") {
        const auto& f = s["final"];
        std::cout << " after " << s["epochs_completed"] << " epochs (" << s["wall_seconds"].get<double>() << " s)\n";
        std::cout << "  network: train acc " << f["network_train_acc"] << ", test acc " << f["network_test_acc"] << "\n";
        auto depth = [](const nlohmann::json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); };
        std::cout << "  effective depth (eps " << f["effective_depth"]["epsilon"] << "): first "
                  << depth(f["effective_depth"]["first"]) << ", stays " << depth(f["effective_depth"]["stays"]) << "\n";
        std::cout << "  layer  NCC train  NCC test   CDNV train\n";
        for (const auto& l : f["layers"]) {
            char buf[128];
            auto d = [](const nlohmann::json& j) { return j.is_number() ? j.get<double>() : std::nan(""); };
            std::snprintf(buf, sizeof buf, "  %5d  %9.4f  %8.4f  %11.4g\n", l["layer"].get<int>(), d(l["ncc_train_acc"]),
                          d(l["ncc_test_acc"]), d(l["cdnv_train"]));
            std::cout << buf;
        }
    } else if (s["status"] == "stopped") {
        std::cout << " after epoch " << s["epochs_completed"] << "; continue with --resume --out " << out << "\n";
    } else if (s["status"] == "wall_budget_exhausted") {
        std::cout << ": " << s.value("stop_reason", "") << "; continue with --resume --out " << out << "\n";
    } else {
        std::cout << ": " << s.value("stop_reason", "") << "\n";
    }
    if (s.contains("figure_warning")) std::cout << "  warning: " << s["figure_warning"].get<std::string>() << "\n";
}

int do_train(const State& s) {
    if (s.help_keys) {
        std::cout << "Deep-net config keys (TOML sections [run] [data] [model] [train] [metrics]):\n" << describe_keys();
        return 0;
    }
    if (!(s.max_wall_seconds >= 0) || !(s.max_wall_seconds <= 1e9))  // (CLI::Range lets nan through)
        throw ConfigError("--max-wall-seconds", "must be in [0, 1e9] seconds (0: no budget)");
    const DeepConfig cfg = resolve_config(s);
    const std::string out = s.out.empty() ? default_out(cfg.name) : s.out;
    std::error_code ec;
    if (s.resume) {
        if (fs::exists(fs::path(out) / "summary.json", ec))
            throw ConfigError("--resume", "'" + out + "' already holds a finished run (summary.json)");
        if (!fs::exists(fs::path(out) / "checkpoint.pt", ec))
            throw ConfigError("--resume", "no checkpoint.pt in '" + out + "' to resume");
    } else {
        if (!s.force && fs::exists(fs::path(out) / "checkpoint.pt", ec) && !fs::exists(fs::path(out) / "summary.json", ec))
            throw ConfigError("--out", "'" + out + "' holds an unfinished run (checkpoint.pt); pass --resume to "
                                       "continue it or --force to start over");
        prepare_output_directory(out, "--out", s.force);
    }
    const DataSplit data = load_data(cfg);
    TrainOptions opt;
    opt.resume = s.resume;
    opt.stop_after_epochs = s.stop_after;
    opt.max_wall_seconds = s.max_wall_seconds;
    opt.figures = !s.no_figures;
    opt.progress = !s.quiet;
    const auto summary = train_network(cfg, data, out, opt);
    print_summary(summary, out);
    if (summary["status"] == "wall_budget_exhausted") return 5;
    return summary["status"] == "diverged" ? 3 : 0;
}

int do_presets(const State& s) {
    std::cout << "deep-net presets (" << preset_source(s.preset_dir) << "):\n";
    for (const auto& p : list_presets(s.preset_dir))
        std::cout << "  " << p.name << (p.experiment ? "  [experiment: deepnets reproduce]  " : "  [run: deepnets train --preset]  ")
                  << p.title << "\n";
    return 0;
}

int do_reproduce(const State& s) {
    if (s.list || s.name.empty()) {
        do_presets(s);
        return s.name.empty() && !s.list ? 2 : 0;
    }
    const PresetInfo preset = s.preset_text.empty() ? find_preset(s.name, s.preset_dir, "NAME")
                                                    : PresetInfo{s.name, "preset " + s.name, s.preset_text, "", true};
    DeepExperiment e = parse_deep_experiment(preset.toml, preset.origin);
    for (const auto& a : s.sets) apply_experiment_override(e, a);
    const std::string out = s.out.empty() ? default_out(e.name) : s.out;
    std::error_code ec;
    if (!s.force && !s.resume && fs::exists(fs::path(out) / "experiment.json", ec))
        throw ConfigError("--out", "'" + out + "' already holds a finished experiment; choose another directory, "
                                   "pass --force, or --resume to reuse its finished runs");
    if (!s.force && !s.resume && fs::exists(fs::path(out) / "runs", ec))
        throw ConfigError("--out", "'" + out + "' holds runs of an unfinished experiment; pass --resume (of "
                                   "`depthbias deepnets reproduce`) to continue it or --force to start over");
    if (s.force && !s.resume) fs::remove_all(fs::path(out) / "runs", ec);
    prepare_output_directory(out, "--out", true);
    fs::remove(fs::path(out) / "experiment.json", ec);
    ExperimentRunOptions opt;
    opt.jobs = s.jobs;
    opt.figures = !s.no_figures;
    opt.resume = s.resume;
    opt.progress = !s.quiet && stderr_is_terminal();
    const auto r = run_deep_experiment(e, out, opt);
    if (r.contains("figure_warning")) std::cout << "  warning: " << r["figure_warning"].get<std::string>() << "\n";
    std::cout << "experiment " << e.name << " done in " << r["wall_seconds"].get<double>() << " s -> " << out << "\n";
    return deep_experiment_exit_code(r);
}

int do_bench(const State& s) {
    const DeepConfig cfg = resolve_config(s);
    if (s.bench_epochs < 1) throw ConfigError("--epochs", "must be at least 1");
    const DataSplit data = load_data(cfg);
    auto r = benchmark_training(cfg, data, s.bench_epochs);
    r["config"] = {{"arch", cfg.arch}, {"depth", cfg.depth}, {"width", cfg.width}, {"batch_size", cfg.batch_size}};
    std::cout << r.dump() << "\n";
    return 0;
}

}  // namespace

namespace {

bool is_experiment(const Preset& p) {
    PresetInfo info{p.name, p.name, p.toml, "", false};
    describe_preset(info);
    return info.experiment;
}

// Deep-net experiment presets (experiments/deepnets/*.toml with an [experiment] table, and those of the user's
// directory $DEPTHBIAS_DEEPNETS_PRESETS) are reproduced by `depthbias reproduce NAME`.
const Registrar<ExperimentKindEntry> deep_experiments{{
    .name = "deepnets",
    .doc = "deep-net experiments (LibTorch): vary x seeds, per-layer NCC metrics, galanti.md checks",
    .owns = [](const Preset& p) { return p.module == "deepnets" && is_experiment(p); },
    .title =
        [](const Preset& p) {
            PresetInfo info{p.name, p.name, p.toml, "", false};
            describe_preset(info);
            return info.title + " [deep nets]";
        },
    .reproduce =
        [](const Preset& p, const ReproduceRequest& r) {
            State s;
            s.name = r.name;
            s.out = r.out;
            s.sets = r.sets;
            s.force = r.force;
            s.resume = r.resume;
            s.no_figures = !r.figures;
            s.jobs = std::max(1, r.jobs);
            s.preset_text = p.toml;
            return do_reproduce(s);
        },
    .external =
        [] {
            std::vector<Preset> out;
            for (const auto& p : user_presets_from_environment()) out.push_back({p.name, "deepnets", p.toml});
            return out;
        },
}};

}  // namespace

void add_deepnets_commands(CLI::App& app, std::vector<CliCommand>& out) {
    auto st = std::make_shared<State>();
    auto* dn = app.add_subcommand("deepnets", "Deep nonlinear networks (LibTorch): NCC separability, neural collapse, "
                                              "effective depth on Fashion-MNIST (galanti.md; docs/DEEPNETS.md)");
    dn->require_subcommand(1);

    auto* train = dn->add_subcommand("train", "Train one network and measure per-layer NCC / CDNV / NC1-NC4");
    train->add_option("CONFIG", st->config, "TOML config (keys: --help-keys)");
    train->add_option("--preset", st->preset, "a single-run preset of experiments/deepnets (e.g. paper, quick)");
    train->add_option("--preset-dir", st->preset_dir, "directory of the deep-net presets");
    train->add_option("--set", st->sets, "override a key: section.key=value (repeatable)");
    train->add_option("--out", st->out, "run directory (default runs/NAME-TIMESTAMP)");
    train->add_flag("--resume", st->resume, "continue the unfinished run in --out from its checkpoint");
    train->add_option("--stop-after-epochs", st->stop_after, "stop after this many epochs (resume later)");
    train->add_option("--max-wall-seconds", st->max_wall_seconds,
                      "wall-clock budget: stop after the first epoch that ends past it (exit 5; resume later)");
    train->add_flag("--force", st->force, "overwrite a run in --out");
    train->add_flag("--no-figures", st->no_figures, "skip gnuplot figures");
    train->add_flag("--quiet", st->quiet, "no per-epoch progress on stderr");
    train->add_flag("--help-keys", st->help_keys, "list every config key with its type, default and meaning");

    auto* rep = dn->add_subcommand("reproduce", "Run an experiment preset (effective-depth-quick, ...; --list)");
    rep->add_option("NAME", st->name, "experiment preset name");
    rep->add_option("--set", st->sets, "override section.key=value or experiment.key=value (repeatable)");
    rep->add_option("--out", st->out, "output directory (default runs/NAME-TIMESTAMP)");
    rep->add_option("--jobs,-j", st->jobs, "runs in parallel (each on run.threads torch threads)")->check(CLI::Range(1, 64));
    rep->add_option("--preset-dir", st->preset_dir, "directory of the deep-net presets");
    rep->add_flag("--resume", st->resume, "reuse the finished runs in --out and resume unfinished ones");
    rep->add_flag("--force", st->force, "overwrite an experiment in --out");
    rep->add_flag("--no-figures", st->no_figures, "skip gnuplot figures");
    rep->add_flag("--quiet", st->quiet, "no per-epoch progress");
    rep->add_flag("--list", st->list, "list the presets");

    auto* pre = dn->add_subcommand("presets", "List the deep-net presets");
    pre->add_option("--preset-dir", st->preset_dir, "directory of the deep-net presets");

    auto* bench = dn->add_subcommand("bench", "P6: time training epochs and one metric pass (JSON on stdout)");
    bench->add_option("CONFIG", st->config, "TOML config");
    bench->add_option("--preset", st->preset, "single-run preset");
    bench->add_option("--preset-dir", st->preset_dir, "directory of the deep-net presets");
    bench->add_option("--set", st->sets, "override section.key=value (repeatable)");
    bench->add_option("--epochs", st->bench_epochs, "training epochs to time")->capture_default_str();

    // Leaves before parents.
    out.push_back({train, [st] { return do_train(*st); }});
    out.push_back({rep, [st] { return do_reproduce(*st); }});
    out.push_back({pre, [st] { return do_presets(*st); }});
    out.push_back({bench, [st] { return do_bench(*st); }});
}

}  // namespace depthbias
