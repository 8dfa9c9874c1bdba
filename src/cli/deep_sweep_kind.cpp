// The "deepnets" sweep point kind (sweep/point_kind.hpp): a deep-net config (deepnets/deep_config.hpp, the schema
// of `depthbias deepnets train`) plus a [sweep] table, run by `depthbias sweep` like a linear sweep (SQLite store,
// resume after SIGKILL, process pool or mpirun; docs/DEEPNETS.md "Deep-net sweeps").
// Chosen by `[sweep] kind = "deepnets"` or by a [data], [train] or [metrics] table (sections only deep-net configs
// have). Parsing and validation use the executable's copy of deep_config (no LibTorch); a point runs through the
// plugin's sweep_point (plugin_api.hpp), which trains it into points/<hash>/ and returns its summary.json.
//
// LibTorch and fork: the sweep's coordinator never loads the plugin. The process pool forks its workers first, and
// each worker loads the plugin (dlopen) when it runs its first deep-net point, so no LibTorch or OpenMP thread pool
// exists in a process that forks (a pool created before fork() is unusable in the child: libgomp and LibTorch's
// intra-op pool are not fork-safe). Under MPI each rank loads it in its own process (rank 0 on its point thread).
// Threads: run.threads (default 1) sets LibTorch's intra-op and OpenBLAS threads of a point, so a sweep runs one
// thread per worker unless the config says otherwise; the engine's Eigen is single-threaded in sweeps.
#include <cmath>
#include <fstream>
#include <toml++/toml.h>

#include "cli/deepnets_cli.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/deepnets/deep_config.hpp"
#include "depthbias/sweep/point_kind.hpp"
#include "depthbias/sweep/point_runner.hpp"
#include "depthbias/sweep/sweep_report.hpp"
#include "depthbias/sweep/sweep_store.hpp"

namespace depthbias {
namespace {
using deepnets::DeepConfig;
using nlohmann::json;

DeepConfig& cfg(std::any& a) { return std::any_cast<DeepConfig&>(a); }
const DeepConfig& cfg(const std::any& a) { return std::any_cast<const DeepConfig&>(a); }

std::optional<double> number_at(const json& doc, const std::string& path) {
    const json v = json_at_path(doc, path);
    if (v.is_number()) return v.get<double>();
    return std::nullopt;
}

// The store's record of a deep-net summary.json (trainer.hpp): completed -> done, diverged -> diverged. steps are
// the epochs completed, final_loss the last epoch's running training loss, test_error 1 - the network's test
// accuracy. Anything else (a stopped run's summary has no file) is not a finished point: IoError.
PointResult deep_result(const json& doc, const std::string& origin, const std::vector<std::string>& metrics) {
    const std::string status = doc.at("status").get<std::string>();
    if (status != "completed" && status != "diverged")
        throw IoError(origin + ": status '" + status + "' is not a finished deep-net run");
    PointResult r;
    r.run_status = status;
    r.status = status == "completed" ? "done" : "diverged";
    r.stop_reason = doc.value("stop_reason", "");
    r.steps = doc.at("epochs_completed").get<std::int64_t>();
    r.wall_seconds = number_at(doc, "wall_seconds");
    if (status == "completed") {
        r.final_loss = number_at(doc, "final.train_loss_running");
        if (const auto acc = number_at(doc, "final.network_test_acc")) r.test_error = 1.0 - *acc;
    }
    for (const auto& m : metrics) r.extra[m] = json_at_path(doc, m);
    r.summary = doc.dump();
    return r;
}

PointResult run_deep_point(const std::string& config_toml, const std::string& dir,
                           const std::vector<std::string>& metrics, bool figures) {
    return guarded_point([&] {
        const std::string summary = deepnets_plugin().sweep_point(config_toml, dir, figures);
        return deep_result(json::parse(summary), dir + "/summary.json", metrics);
    });
}

std::optional<double> summary_number(const PointRow& p, const std::string& path) {
    if (p.result.summary.empty()) return std::nullopt;
    try {
        return number_at(json::parse(p.result.summary), path);
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

void deep_report(const std::vector<PointRow>& rows, SweepReport& rep, const std::string& rdir, bool figures) {
    write_grid_diagram(rows, rep, rdir, figures,
                       {"data.corruption", "model.depth", "effective_depth",
                        "effective depth (mean over seeds)",
                        "Effective depth: label corruption x depth",
                        "Mean effective depth (first layer whose NCC train error is <= epsilon, galanti.md) by label "
                        "corruption and depth; cells without an effective depth (unfit nets) are left out",
                        [](const PointRow& p) { return summary_number(p, "final.effective_depth.first"); }});
    write_grid_diagram(rows, rep, rdir, figures,
                       {"data.corruption", "model.depth", "test_accuracy", "network test accuracy (mean over seeds)",
                        "Test accuracy: label corruption x depth",
                        "Mean test accuracy of the trained network by label corruption and depth",
                        [](const PointRow& p) { return summary_number(p, "final.network_test_acc"); }});
}

const Registrar<PointKindEntry> deep_kind{{
    .name = "deepnets",
    .doc = "a deep-net config (deepnets/deep_config.hpp: [run] [data] [model] [train] [metrics]), trained by the "
           "LibTorch plugin",
    .claims =
        [](const std::vector<std::string>& tables) {
            for (const auto& t : tables)
                if (t == "data" || t == "train" || t == "metrics") return true;
            return false;
        },
    .make_default = [] { return std::any(DeepConfig{}); },
    .apply_toml = [](std::any& c, const toml::table& doc,
                     const std::vector<std::string>& ignored) { deepnets::apply_toml(cfg(c), doc, ignored); },
    .apply_override = [](std::any& c, const std::string& a) { deepnets::apply_override(cfg(c), a); },
    .validate = [](const std::any& c) { deepnets::validate(cfg(c)); },
    .to_toml = [](const std::any& c) { return deepnets::to_toml(cfg(c)); },
    .non_default_toml = [](const std::any& c) { return deepnets::non_default_toml(cfg(c)); },
    .seed = [](std::any& c) -> std::int64_t& { return cfg(c).seed; },
    .run_name = [](const std::any& c) { return cfg(c).name; },
    // trainer.cpp writes these (diverged / stop_reason only for a diverged run).
    .summary_keys = {"name", "arch", "depth", "width", "train_samples", "test_samples", "corruption",
                     "realised_wrong_label_fraction", "resumed_from_epoch", "status", "epochs_completed", "diverged",
                     "stop_reason", "wall_seconds", "epoch_seconds_mean", "metric_seconds_mean", "final",
                     "figure_warning"},
    .run = run_deep_point,
    .result_from_summary = deep_result,
    .report = deep_report,
}};

}  // namespace
}  // namespace depthbias
