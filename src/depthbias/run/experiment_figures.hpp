// The combined figure of an experiment, by kind, drawn from its runs and its analysis (run/experiment_analysis.hpp);
// nothing is measured here.
//   spectrum_panels:  one panel per variant, top-k spectrum against GD step (flow: time) - Figure 1a / 1b.
//   toy_theory:       per variant, the recorded coordinates (points) with the closed-form gradient-flow solution
//                     (lines) overlaid; writes <run>/theory.csv.
//   classification:   top-5 |w| (or Fourier amplitudes) against the GD step for the seed-0 runs.
//   moroshko:         distances to the max-margin directions per run; the analysis's distance-to-l1 maps
//                     (distance_map_D2.csv, distance_map_D3.csv).
//   kernel_rich:      the analysis's Q^D_alpha rows (kernel_rich_D2.csv, kernel_rich_D3.csv).
//   omp:              top-5 |beta_i| of the first four runs; the analysis's comparison rows (omp.csv).
//   saddle_to_saddle: loss against accelerated time (<run>/accelerated.csv, saddle_limit.csv) and the jump-time
//                     errors (saddle_convergence.csv).
//   separation:       the depth-separation map, -log10 sigma0_max against 1/(1-r) and against -log10(1-r)
//                     (separation.csv).
// The data files are written always (with figures off too); figure.png/.svg only when `draw`.
// Returns false with a warning when gnuplot could not draw.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "depthbias/core/registry.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/run/experiment_analysis.hpp"

namespace depthbias {

// The drawing of each experiment kind, registered in experiment_figures.cpp under the analysis step's name.
struct FigureEntry {
    std::string name;
    std::function<bool(const Experiment&, const std::string& out_dir, const std::vector<VariantRun>&,
                       const ExperimentAnalysis&, bool draw, std::string* warning)>
        draw;
    std::string doc = "";
};
using FigureRegistry = Registry<FigureEntry>;

bool draw_experiment(const Experiment& e, const std::string& out_dir, const std::vector<VariantRun>& runs,
                     const ExperimentAnalysis& analysis, bool draw, std::string* warning);

}  // namespace depthbias
