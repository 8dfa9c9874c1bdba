// Experiment: a base RunConfig plus named variants (each a set of key overrides), a figure kind and the
// checks that compare the results with the paper / theory. Read from TOML:
//   [experiment] name, title, figure = "spectrum_panels" | "toy_theory" | "separation", description
//   [run] [task] [model] ...            the base config (docs/CONFIG.md)
//   [[variant]] label = "...", "model.depth" = 2, ...   one run each (no variants: one run)
//   [[check]] name, metric, compare, threshold, ...       the claims checked (run/check_spec.hpp)
// Output directory: one run directory per variant (slug of its label), the combined figure
// (figure.png/.svg), and experiment.json written last (run/experiment_result.hpp: every run's summary, the
// analysis, the checks).
// Flat layout (ExperimentOptions::flat; `depthbias run --flat`, Python `layout="flat"`): an experiment that is one
// run writes that run's files (run/run_executor.hpp) directly into the output directory and nothing else -- no
// experiment.json, no combined figure -- exactly what a sweep point writes (sweep/point_runner.hpp).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "depthbias/run/check_spec.hpp"
#include "depthbias/results/run_summary.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/run/experiment_result.hpp"
#include "depthbias/run/run_monitor.hpp"

namespace depthbias {

struct Variant {
    std::string label;
    std::vector<std::string> overrides;  // "section.key=value"
};

// A finished run of an experiment: its variant and its summary.
using VariantRun = std::pair<Variant, RunSummary>;

struct Experiment {
    std::string name, title, figure, description;
    RunConfig base;
    std::vector<Variant> variants;
    std::vector<CheckSpec> checks;
};

// Parses an experiment (or a plain run config: one variant). `origin` names the source in errors.
Experiment parse_experiment(const std::string& toml_text, const std::string& origin);
// Applies --set overrides to the base (before variants, so a variant's own keys win).
void apply_overrides(Experiment& e, const std::vector<std::string>& overrides);
// The config of one variant (validated).
RunConfig variant_config(const Experiment& e, const Variant& v);

struct ExperimentOptions {
    bool progress = false;  // a progress line per run (only when jobs resolves to 1)
    bool figures = true;
    // Variants run this many at a time, each on its own thread (<= 0: one per hardware thread). Every run owns
    // its task, model and random streams, so the results are the same for any value; the order of runs[] is the
    // variants' order.
    int jobs = 1;
    double max_wall_seconds = 0;  // per run (RunOptions::max_wall_seconds)
    double checkpoint_seconds = 60;  // per run (RunOptions::checkpoint_seconds)
    // Continue an interrupted experiment in out_dir: finished runs are kept, checkpointed ones continued, the
    // rest started (RunOptions::resume); the analysis, figure and checks are then made as usual.
    bool resume = false;
    RunMonitor* monitor = nullptr;  // optional (run/run_monitor.hpp): progress, and cancel (throws Cancelled)
    // Flat layout: the one run's files go directly into out_dir (its ExperimentRun::directory is "."); no
    // experiment.json, no combined figure, no analysis; the run's own figures follow `figures`. Only for an
    // experiment that is one run (require_one_run). resume continues the run in out_dir (RunOptions::resume).
    bool flat = false;
};

// The flat layout's precondition: exactly one variant, no [[check]]s, and an experiment.figure whose analysis step
// has nothing to analyze (its results would live in experiment.json, which the flat layout does not write).
// Throws ConfigError naming `option` (the CLI's "--flat", the Python front's "layout") and what is in the way.
void require_one_run(const Experiment& e, const std::string& option);

// Resuming never mixes the layouts: with resume, a flat run into a directory that holds an experiment.json, or a
// nested experiment into one that holds a flat run (summary.json without experiment.json), is a ConfigError
// ("--flat" / "--resume") before anything is touched. Called by run_experiment (every front) and by the CLI.
void require_resumable_layout(const std::string& out, bool flat, bool resume);

// Runs every variant into out_dir/<slug> (opt.jobs at a time; opt.flat: the one run into out_dir itself), analyses
// the runs (run/experiment_analysis.hpp), draws the combined figure (run/experiment_figures.hpp), evaluates the
// checks and writes experiment.json last.
// An error in one run stops new runs from starting and is rethrown once the running ones end.
// Returns experiment.json's content, typed. Exit status for the CLI: see experiment_exit_code.
ExperimentResult run_experiment(const Experiment& e, const std::string& out_dir, const ExperimentOptions& opt);
// 0 ok, 3 a run diverged, 4 a check failed or was not evaluated (run/check_result.hpp).
int experiment_exit_code(const ExperimentResult& result);

std::string slug(const std::string& label);

}  // namespace depthbias
