// The analysis of an experiment: what it measures from its finished runs (and the references it computes), before
// and independently of any figure. One analysis step per experiment kind (the [experiment] `figure` key names it):
//   spectrum_panels   nothing
//   toy_theory        per run, the recorded spectrum and learning times against the closed-form gradient flow
//                     (analysis/toy_theory.hpp)
//   classification    mean correlation with the target per depth, and of the l2 max-margin baseline
//   moroshko          distance of the dual flow's w/gamma to the l1 max-margin direction over (alpha, gamma)
//   kernel_rich       the exact Q^D_alpha solutions over alpha (D = 2, 3) against basis pursuit and min-l2
//   omp               per run, GD's activation order against OMP's selection order
//   saddle_to_saddle  per run, GD's jump times against the saddle-to-saddle limit
//   separation        the depth-separation map (largest eps-incremental sigma0 over r, N = 2..5) and its slopes
//
// Contract:
//   - analyze_experiment reads the runs (typed summaries, and each run's timeseries.csv where the analysis needs a
//     trajectory) and the experiment's config only; it writes nothing. Figures (run/experiment_figures.hpp) and
//     checks (run/check_metrics.hpp) read its result, so --no-figures gives the same analysis and checks.
//   - It throws ConfigError when the experiment does not fit its kind (e.g. saddle_to_saddle on another model).
//   - to_json() is experiment.json's "analysis" ({} when the kind measures nothing). Non-finite numbers are null
//     there; in the structs they stay as computed (inf: never reached, NaN: nothing scored).
#pragma once
#include "depthbias/core/registry.hpp"
#include <functional>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "depthbias/results/run_summary.hpp"
#include "depthbias/run/experiment.hpp"

namespace depthbias {

// toy_vs_theory: one per run label.
struct ToyComparison {
    struct Component {
        double target, t_half_theory;
        double t_half_simulated;  // inf: never reached half its target
    };
    double max_vertical_deviation_over_target = 0;
    double max_relative_t_half_error = 0;  // inf when a component never reached half
    std::vector<Component> components;
};

struct MeanOfValues {
    double mean = 0;
    std::vector<double> values;
};

// distance_to_l1_map: one point per (depth, alpha, checkpoint gamma).
struct DistanceMapPoint {
    int depth;
    double log10_alpha, alpha, gamma;
    double log10_inv_eps;  // (figure data only: not in experiment.json)
    double dist_l1;
};

// q_program_over_alpha: one row per (depth, alpha); `error` set when the Q program was not solved.
struct QProgramRow {
    int depth;
    double alpha;
    std::optional<std::string> error;
    double population_error = 0, excess_l1 = 0, excess_l2 = 0;  // when solved
};

struct KernelRichAnalysis {
    std::vector<QProgramRow> rows;
    double basis_pursuit_population_error = 0, min_l2_population_error = 0;
};

// omp_comparison: one row per run.
struct OmpRow {
    std::string label;
    bool converged = false;
    double concurrence = 0;
    bool first_agrees = false;
    std::vector<int> gd_order, omp_order;
};

struct SaddleAnalysis {
    struct LimitJump {
        double t, loss;  // accelerated time, our loss convention
        std::vector<int> support;
    };
    struct Jump {
        int k;  // 1-based
        double t_limit, loss_before, loss_after;
        bool resolvable;
        double t_gd = NAN, relative_error = NAN;  // resolvable jumps: NaN / inf when GD never crossed the mid-level
    };
    struct Run {
        std::string label;
        double alpha, log_inv_alpha;
        std::vector<Jump> jumps;
        int scored_jumps = 0;
        double max_relative_error = NAN, mean_relative_error = NAN;  // NaN when nothing was scored
    };
    bool limit_converged = false;
    double loss0 = 0;  // our loss at beta = 0 (figure data only: not in experiment.json)
    std::vector<LimitJump> limit_jumps;
    std::vector<Run> runs;
};

struct SeparationAnalysis {
    struct Row {
        double r;
        std::map<int, double> threshold;  // depth N -> largest eps-incremental sigma0
    };
    struct Slope {
        double slope;
        std::string against;
        double expected;
    };
    double epsilon = 0;
    std::vector<int> depths;
    std::vector<Row> thresholds;
    std::map<int, Slope> slopes;  // by depth N
};

struct ExperimentAnalysis {
    std::optional<std::map<std::string, ToyComparison>> toy_vs_theory;  // by run label
    std::optional<std::map<int, MeanOfValues>> correlation_by_depth;
    std::optional<MeanOfValues> l2_max_margin_correlation;
    std::optional<std::vector<DistanceMapPoint>> distance_to_l1_map;
    std::optional<KernelRichAnalysis> kernel_rich;
    std::optional<std::vector<OmpRow>> omp_comparison;
    std::optional<SaddleAnalysis> saddle_to_saddle;
    std::optional<SeparationAnalysis> separation;

    nlohmann::json to_json() const;
};

// An experiment kind (the [experiment] `figure` key): its analysis step, registered in experiment_analysis.cpp
// (the drawing of the same name is registered in experiment_figures.cpp; a test keeps the two lists equal).
// `has_variants` = false: the experiment computes references only (separation) and has no runs by default.
// `analyze` empty: nothing to analyze beyond each run's own summary (such an experiment of one run may also be run
// in the flat layout, ExperimentOptions::flat, which writes no experiment.json).
struct AnalysisStepEntry {
    std::string name;
    std::string doc;
    bool has_variants = true;
    std::function<void(const Experiment&, const std::string& out_dir, const std::vector<VariantRun>&, ExperimentAnalysis&)>
        analyze;
};
using AnalysisStepRegistry = Registry<AnalysisStepEntry>;

// The analysis step of e.figure; `out_dir` holds the runs' directories (out_dir/<slug of the label>).
ExperimentAnalysis analyze_experiment(const Experiment& e, const std::string& out_dir, const std::vector<VariantRun>& runs);

}  // namespace depthbias
