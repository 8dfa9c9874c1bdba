// The combined figure of an experiment, by kind:
//   spectrum_panels: one panel per variant, top-k spectrum against GD step (flow: time) - Figure 1a / 1b.
//   toy_theory:      per variant, the recorded coordinates (points) with the closed-form gradient-flow solution
//                    (lines, analysis/toy_theory.hpp) overlaid; writes <run>/theory.csv and the deviation.
//   separation:      the depth-separation map, -log10 sigma0_max against 1/(1-r) and against -log10(1-r) for
//                    N = 2..5 (separation.csv); slopes of both fits.
// Adds its measured numbers to `analysis` (always) and draws figure.png/.svg when `draw`.
// Returns false with a warning when gnuplot could not draw.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "depthbias/run/experiment.hpp"

namespace depthbias {

bool analyze_and_draw(const Experiment& e, const std::string& out_dir,
                      const std::vector<std::pair<Variant, nlohmann::json>>& runs, nlohmann::json& analysis, bool draw,
                      std::string* warning);

// The separation map's data (also used by `depthbias theory separation`): rows of r, 1/(1-r), then
// log10 sigma0_max for each depth. Written to `csv_path`.
nlohmann::json write_separation_table(const std::vector<int>& depths, const std::vector<double>& ratios, double eps,
                                      const std::string& csv_path);

}  // namespace depthbias
