#include "depthbias/deepnets/commands.hpp"

#include <toml++/toml.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "depthbias/core/error.hpp"
#include "depthbias/deepnets/deep_presets.hpp"
#include "depthbias/deepnets/experiments.hpp"
#include "depthbias/deepnets/trainer.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/io/progress.hpp"

namespace depthbias::deepnets {
namespace fs = std::filesystem;

namespace {

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
DeepConfig resolve_config(const DeepCommand& s) {
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

}  // namespace

int train_command(const DeepCommand& s) {
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

int reproduce_command(const DeepCommand& s) {
    const PresetInfo preset = s.preset_text.empty() ? find_preset(s.name, s.preset_dir, "NAME")
                                                    : PresetInfo{s.name, "preset " + s.name, s.preset_text, "", true};
    DeepExperiment e = parse_deep_experiment(preset.toml, preset.origin);
    apply_experiment_overrides(e, s.sets);
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
    opt.max_wall_seconds = s.max_wall_seconds;
    const auto r = run_deep_experiment(e, out, opt);
    if (r.contains("figure_warning")) std::cout << "  warning: " << r["figure_warning"].get<std::string>() << "\n";
    std::cout << "experiment " << e.name << " done in " << r["wall_seconds"].get<double>() << " s -> " << out << "\n";
    return deep_experiment_exit_code(r);
}

int bench_command(const DeepCommand& s) {
    const DeepConfig cfg = resolve_config(s);
    if (s.bench_epochs < 1) throw ConfigError("--epochs", "must be at least 1");
    const DataSplit data = load_data(cfg);
    auto r = benchmark_training(cfg, data, s.bench_epochs);
    r["config"] = {{"arch", cfg.arch}, {"depth", cfg.depth}, {"width", cfg.width}, {"batch_size", cfg.batch_size}};
    std::cout << r.dump() << "\n";
    return 0;
}

std::string sweep_point_command(const std::string& config_toml, const std::string& dir, bool figures) {
    DeepConfig cfg;
    apply_toml(cfg, parse_doc(config_toml, dir + "/config.resolved.toml", "config"));
    validate(cfg);
    std::error_code ec;
    // A worker killed in the middle of this point left its checkpoint (written atomically every epoch): continue
    // it (bit-for-bit the uninterrupted run, trainer.hpp). A checkpoint that does not resume (another config, a
    // damaged file) is dropped and the point starts over.
    const bool unfinished = fs::exists(fs::path(dir) / "checkpoint.pt", ec) && !fs::exists(fs::path(dir) / "summary.json", ec);
    const DataSplit data = load_data(cfg);
    TrainOptions opt;
    opt.figures = figures;
    opt.progress = false;
    if (unfinished) {
        opt.resume = true;
        try {
            return train_network(cfg, data, dir, opt).dump(2);
        } catch (const std::exception&) {
            opt.resume = false;
        }
    }
    prepare_output_directory(dir, "--out", true);
    return train_network(cfg, data, dir, opt).dump(2);
}

}  // namespace depthbias::deepnets
