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

namespace depthbias {

struct RunOptions {
    bool progress = false;  // progress line on stderr
    bool figures = true;
    std::string progress_label;
    double max_wall_seconds = 0;  // > 0: the run ends with status wall_budget_exhausted after this long
};

// Returns the summary that was written. Throws ConfigError / IoError on bad input (before any output is final).
RunSummary run_in_directory(const RunConfig& cfg, const std::string& dir, const RunOptions& opt);
// The same, as summary.json's content.
nlohmann::json execute_run(const RunConfig& cfg, const std::string& dir, const RunOptions& opt);

nlohmann::json manifest_json(const RunConfig& cfg);

}  // namespace depthbias
