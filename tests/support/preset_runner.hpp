// Runs an experiment in-process (run/experiment.hpp) into a fresh temporary directory that is removed afterwards, and
// returns its result as JSON (runs with their summaries, checks). Header-only because only the test targets that
// link the engine include it (depthbias_test_support itself does not link the engine).
//   reproduce_preset(name, sets, jobs, figures): the embedded preset `name` with `sets` ("section.key=value")
//   applied; jobs parallel runs; figures drawn or not. Errors (ConfigError, ...) propagate to the test.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "depthbias/run/experiment.hpp"
#include "depthbias/run/presets.hpp"
#include "support/temp_dir.hpp"

namespace depthbias::test_support {

inline nlohmann::json run_experiment_to_json(const Experiment& e, int jobs = 1, bool figures = false) {
    TempDir dir("experiment-" + e.name);
    ExperimentOptions opt;
    opt.figures = figures;
    opt.jobs = jobs;
    return run_experiment(e, (dir / "out").string(), opt).to_json();
}

inline nlohmann::json reproduce_preset(const std::string& preset, const std::vector<std::string>& sets = {},
                                       int jobs = 1, bool figures = false) {
    Experiment e = parse_experiment(find_preset(preset)->toml, preset);
    apply_overrides(e, sets);
    return run_experiment_to_json(e, jobs, figures);
}

}  // namespace depthbias::test_support
