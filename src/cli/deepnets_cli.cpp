#include "cli/deepnets_cli.hpp"

#include <algorithm>

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <stdexcept>

#include "cli/plugin_loader.hpp"
#include "depthbias/core/blas.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/deepnets/deep_config.hpp"
#include "depthbias/deepnets/deep_presets.hpp"
#include "depthbias/deepnets/plugin_api.hpp"
#include "depthbias/run/experiment_kind.hpp"

namespace depthbias {
using namespace deepnets;

namespace {

// The command line's state: the command passed to the plugin, and what the executable answers itself.
struct State {
    DeepCommand cmd;
    bool help_keys = false, list = false;
};

std::string& loaded_path() {
    static std::string path;
    return path;
}

}  // namespace

// The plugin (plugin_api.hpp), loaded on first use; the handle and the table stay for the process's lifetime.
const PluginApi& deepnets_plugin() {
    static const PluginApi* api = [] {
        const PluginSpec spec{
            .file_name = kPluginFileName,
            .env_var = "DEPTHBIAS_DEEPNETS_PLUGIN",
            .entry = kPluginEntrySymbol,
            .what = "the deep-net plugin (LibTorch)",
            .build_hint = "The deep-net commands (deepnets train / reproduce / bench, reproduce of a deep-net preset) "
                          "need it; every other command works without it. It is built with the executable when "
                          "LibTorch is found: install libtorch-dev (scripts/install-deps.sh) and rebuild "
                          "(scripts/build.sh, or `cmake --build build --target depthbias_deepnets_plugin`); "
                          "DEPTHBIAS_DEEPNETS_PLUGIN=/path/to/libdepthbias_deepnets.so points at another copy.",
        };
        const LoadedPlugin loaded = load_plugin(spec);
        const auto* table = reinterpret_cast<PluginEntry>(loaded.entry)();
        const std::string ours = plugin_build_id();
        if (!table || table->abi_version != kPluginAbiVersion || ours != table->build_id)
            throw std::runtime_error("the deep-net plugin '" + loaded.path + "' was built from another version (" +
                                     (table ? std::string(table->build_id) : std::string("no entry table")) +
                                     "; this executable: " + ours + "): rebuild both (scripts/build.sh)");
        loaded_path() = loaded.path;
        return table;
    }();
    return *api;
}

namespace {

const PluginApi& plugin() { return deepnets_plugin(); }

int do_presets(const State& s) {
    std::cout << "deep-net presets (" << preset_source(s.cmd.preset_dir) << "):\n";
    for (const auto& p : list_presets(s.cmd.preset_dir))
        std::cout << "  " << p.name << (p.experiment ? "  [experiment: deepnets reproduce]  " : "  [run: deepnets train --preset]  ")
                  << p.title << "\n";
    return 0;
}

int do_reproduce(const State& s) {
    if (s.list || s.cmd.name.empty()) {
        do_presets(s);
        return s.cmd.name.empty() && !s.list ? 2 : 0;
    }
    if (!(s.cmd.max_wall_seconds >= 0) || !(s.cmd.max_wall_seconds <= 1e9))  // (CLI::Range lets nan through)
        throw ConfigError("--max-wall-seconds", "must be in [0, 1e9] seconds (0: no budget)");
    return plugin().reproduce(s.cmd);
}

int do_train(const State& s) {
    if (s.help_keys) {
        std::cout << "Deep-net config keys (TOML sections [run] [data] [model] [train] [metrics]):\n" << describe_keys();
        return 0;
    }
    if (!(s.cmd.max_wall_seconds >= 0) || !(s.cmd.max_wall_seconds <= 1e9))  // (CLI::Range lets nan through)
        throw ConfigError("--max-wall-seconds", "must be in [0, 1e9] seconds (0: no budget)");
    return plugin().train(s.cmd);
}

int do_bench(const State& s) { return plugin().bench(s.cmd); }

int do_plugin_info() {
    const PluginApi& api = plugin();
    std::cout << "deep-net plugin: " << loaded_path() << "\nLibTorch " << api.torch_version << "\nbuild " << api.build_id
              << "\nBLAS: " << describe(blas_info()) << "\n";
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
            s.cmd.name = r.name;
            s.cmd.out = r.out;
            s.cmd.sets = r.sets;
            s.cmd.force = r.force;
            s.cmd.resume = r.resume;
            s.cmd.max_wall_seconds = r.max_wall_seconds;
            s.cmd.no_figures = !r.figures;
            s.cmd.jobs = std::max(1, r.jobs);
            s.cmd.preset_text = p.toml;
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
    train->add_option("CONFIG", st->cmd.config, "TOML config (keys: --help-keys)");
    train->add_option("--preset", st->cmd.preset, "a single-run preset of experiments/deepnets (e.g. paper, quick)");
    train->add_option("--preset-dir", st->cmd.preset_dir, "directory of the deep-net presets");
    train->add_option("--set", st->cmd.sets, "override a key: section.key=value (repeatable)");
    train->add_option("--out", st->cmd.out, "run directory (default runs/NAME-TIMESTAMP)");
    train->add_flag("--resume", st->cmd.resume, "continue the unfinished run in --out from its checkpoint");
    train->add_option("--stop-after-epochs", st->cmd.stop_after, "stop after this many epochs (resume later)");
    train->add_option("--max-wall-seconds", st->cmd.max_wall_seconds,
                      "wall-clock budget: stop after the first epoch that ends past it (exit 5; resume later)");
    train->add_flag("--force", st->cmd.force, "overwrite a run in --out");
    train->add_flag("--no-figures", st->cmd.no_figures, "skip gnuplot figures");
    train->add_flag("--quiet", st->cmd.quiet, "no per-epoch progress on stderr");
    train->add_flag("--help-keys", st->help_keys, "list every config key with its type, default and meaning");

    auto* rep = dn->add_subcommand("reproduce", "Run an experiment preset (effective-depth-quick, ...; --list)");
    rep->add_option("NAME", st->cmd.name, "experiment preset name");
    rep->add_option("--set", st->cmd.sets, "override section.key=value or experiment.key=value (repeatable)");
    rep->add_option("--out", st->cmd.out, "output directory (default runs/NAME-TIMESTAMP)");
    rep->add_option("--jobs,-j", st->cmd.jobs, "runs in parallel (each on run.threads torch threads)")->check(CLI::Range(1, 64));
    rep->add_option("--preset-dir", st->cmd.preset_dir, "directory of the deep-net presets");
    rep->add_flag("--resume", st->cmd.resume, "reuse the finished runs in --out and resume unfinished ones");
    rep->add_option("--max-wall-seconds", st->cmd.max_wall_seconds,
                    "wall-clock budget per run: a run stops after the first epoch past it (exit 5; --resume later)");
    rep->add_flag("--force", st->cmd.force, "overwrite an experiment in --out");
    rep->add_flag("--no-figures", st->cmd.no_figures, "skip gnuplot figures");
    rep->add_flag("--quiet", st->cmd.quiet, "no per-epoch progress");
    rep->add_flag("--list", st->list, "list the presets");

    auto* pre = dn->add_subcommand("presets", "List the deep-net presets");
    pre->add_option("--preset-dir", st->cmd.preset_dir, "directory of the deep-net presets");

    auto* bench = dn->add_subcommand("bench", "P6: time training epochs and one metric pass (JSON on stdout)");
    bench->add_option("CONFIG", st->cmd.config, "TOML config");
    bench->add_option("--preset", st->cmd.preset, "single-run preset");
    bench->add_option("--preset-dir", st->cmd.preset_dir, "directory of the deep-net presets");
    bench->add_option("--set", st->cmd.sets, "override section.key=value (repeatable)");
    bench->add_option("--epochs", st->cmd.bench_epochs, "training epochs to time")->capture_default_str();

    auto* info = dn->add_subcommand("plugin", "Load the LibTorch plugin and print where it was found and its LibTorch "
                                              "version (the other deep-net commands load it when they need it)");

    // Leaves before parents.
    out.push_back({train, [st] { return do_train(*st); }});
    out.push_back({rep, [st] { return do_reproduce(*st); }});
    out.push_back({pre, [st] { return do_presets(*st); }});
    out.push_back({bench, [st] { return do_bench(*st); }});
    out.push_back({info, [] { return do_plugin_info(); }});
}

}  // namespace depthbias
