// Deep-net experiments (`depthbias deepnets reproduce NAME`): a base DeepConfig plus an [experiment] table.
//   kind = "sweep": one run per (value of `vary`, seed); per-layer curves, effective depth against the value,
//                   and the checks of galanti.md section 3 named in `checks`:
//                   fit (claim 1), monotone (2), small_depth (3), depth_independence (4), noise_depth (7).
//   kind = "bound": the comparative bound of galanti.md section 1 (Prop. 1) by the recipe of section 2:
//                   per draw, S1 and S2 of m points (class-balanced); k seeds on S1 give the mean effective
//                   depth; k seeds on S1 + S2~ (exactly p m labels of S2 changed) give d_min (minimum over
//                   seeds, an upper estimate); first term = fraction of draws with mean depth >= d_min;
//                   bound = first term + (1 + alpha) p (the delta terms are not estimated: reported as 0).
// Output: <out>/runs/<label>/ (run directories), CSV tables, figure.png/.svg, experiment.json written last.
// Effective depths are first-crossing; "unfit" counts as L + 1 in medians (claim 7 leaves unfit runs out).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "depthbias/deepnets/deep_config.hpp"

namespace depthbias::deepnets {

struct DeepExperiment {
    std::string name, title, description;
    std::string kind = "sweep";  // sweep | bound
    DeepConfig base;
    std::string vary;                         // dotted config key swept ("" = a single value)
    std::vector<double> values;
    std::vector<std::int64_t> seeds{0};
    std::vector<std::string> checks;
    // check parameters (galanti.md section 3 defaults)
    double fit_accuracy = 0.98;
    std::int64_t fit_min_depth = 3;
    double nc4_tolerance = 0.01;
    double monotone_dip = 0.01, monotone_dip_top = 0.02;
    std::int64_t small_depth_at = 12, small_depth_max = 8;
    std::int64_t independence_min_depth = 8, independence_spread = 2, independence_layers = 4;
    double independence_tolerance = 0.05;
    std::int64_t noise_min_increase = 2, noise_inversions = 1;
    double below_threshold_tolerance = 1;                 // claim 5
    std::int64_t cdnv_shallow = 3, cdnv_deep = 12;        // claim 6
    double cdnv_tolerance = 0.1;
    double plateau_tolerance = 0.02;                      // claim 8
    std::int64_t width_layer = 5, width_violations = 1;   // claim 9
    double bound_vacuous = 0.5, bound_depth_spread = 0.05;  // claim 10
    // bound parameters
    std::int64_t bound_m_per_class = 50, bound_draws = 3;
    double bound_p = 0.1, bound_alpha = 0.1;
    std::vector<double> bound_q;             // delta-2: corruption levels q >= (1 + alpha) p ([]: not estimated)
    std::int64_t bound_q_labelings = 1;      // delta-2: labelings Y~q per q and draw (the E over Y~q)
    double bound_confidence = 0.95;          // Clopper-Pearson intervals of the first term and delta-2
};

DeepExperiment parse_deep_experiment(const std::string& toml_text, const std::string& origin);
// "section.key=value" on the base config, or "experiment.key=value" on the experiment table.
void apply_experiment_override(DeepExperiment& e, const std::string& assignment);
// Applies every assignment, then validates the experiment once (so that keys which must go together, such as
// experiment.vary and experiment.values, can be set in separate assignments). Throws ConfigError naming the key.
void apply_experiment_overrides(DeepExperiment& e, const std::vector<std::string>& assignments);
std::string describe_experiment_keys();

struct ExperimentRunOptions {
    int jobs = 1;          // runs in parallel (threads; each run uses run.threads torch threads)
    bool figures = true;
    bool resume = false;   // reuse finished runs, resume unfinished ones
    bool progress = false;
    double max_wall_seconds = 0;  // per run (TrainOptions::max_wall_seconds); 0: none
};

// Runs everything into out_dir (which must exist) and writes experiment.json last; returns its content and
// prints one line per run and the checks / bound terms to stdout.
nlohmann::json run_deep_experiment(const DeepExperiment& e, const std::string& out_dir,
                                   const ExperimentRunOptions& opt);
// 0 ok, 3 a run diverged, 5 a run hit its wall-clock budget, 4 a check failed or was not evaluated.
int deep_experiment_exit_code(const nlohmann::json& result);

double median(std::vector<double> v);  // NaN for an empty vector

}  // namespace depthbias::deepnets
