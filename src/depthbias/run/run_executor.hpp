// Executes one run into a run directory:
//   config.resolved.toml  every key with its value (defaults included)
//   manifest.json         seed, depthbias version, library versions, host, start time
//   timeseries.csv        observe/recorder.hpp columns
//   events.csv            learning events (component, target, fraction, time, step)
//   spectrum.png/.svg     top-k spectrum and loss against time (gnuplot; .gp script kept)
//   summary.json          written last and atomically (results/run_summary.hpp): status, stop reason, metrics,
//                         the observers' and the dynamics' entries; wall time in its own block "timing".
// A diverged run's summary has status "diverged" and its reason, and no final metrics.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "depthbias/results/run_summary.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/run/run_monitor.hpp"

namespace depthbias {

struct RunOptions {
    bool progress = false;  // progress line on stderr
    bool figures = true;
    std::string progress_label;
    double max_wall_seconds = 0;  // > 0: the run ends with status wall_budget_exhausted after this long
    // Checkpoints (run/run_checkpoint.hpp): at most this often, while the dynamics and every observer are
    // resumable (the fixed-step dynamics are; adaptive flows are not); 0: none. Also written when the wall
    // budget stops a run, so that --resume continues it.
    double checkpoint_seconds = 60;
    // Continue the run in `dir`: a finished run there (summary.json of the same config, not stopped by the wall
    // budget) is returned as it is; a checkpoint of the same config is continued; otherwise the run starts.
    // The summary equals the uninterrupted run's apart from the timing block. Another config there is an error.
    bool resume = false;
    RunMonitor* monitor = nullptr;  // optional: progress out, cancel in (run/run_monitor.hpp)
};

// Returns the summary that was written. Throws ConfigError / IoError on bad input (before any output is final).
RunSummary run_in_directory(const RunConfig& cfg, const std::string& dir, const RunOptions& opt);
// The same, as summary.json's content.
nlohmann::json execute_run(const RunConfig& cfg, const std::string& dir, const RunOptions& opt);

// Host, versions, compiler, start time. figures: whether the run draws any (else gnuplot is not asked for its
// version, a process start, and the field says "not used (figures off)").
nlohmann::json manifest_json(const RunConfig& cfg, bool figures = true);

}  // namespace depthbias
