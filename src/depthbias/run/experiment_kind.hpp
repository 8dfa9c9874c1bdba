// ExperimentKind: how each kind of experiment preset is reproduced, registered by the module that runs it
// (linear-engine experiments, sweep presets, deep-net experiments). `depthbias reproduce NAME` and `--list` go
// through this registry for every preset, so a module adds its presets (experiments/<module>/*.toml, embedded)
// and one registration, and nothing in the command line names it.
//
// Contract: `owns(p)` is true for exactly the presets this kind runs; `title(p)` is the --list line; `reproduce`
// runs the preset with the request's overrides and returns the exit code (0 ok, 2 bad input, 3 a run diverged,
// 4 a check failed or was not evaluated, 5 a run hit its wall-clock budget); bad input is a ConfigError naming the key. `external`, optional,
// finds a preset outside the embedded ones (a user's preset directory), by name.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "depthbias/core/registry.hpp"
#include "depthbias/run/presets.hpp"

namespace depthbias {

struct ReproduceRequest {
    std::string name, out;
    std::vector<std::string> sets;
    bool force = false, figures = true;
    int jobs = 1;
    double max_wall_seconds = 0;  // per run; 0: none
    double checkpoint_seconds = 60;  // per run (RunOptions::checkpoint_seconds); 0: none
    bool resume = false;             // continue the interrupted experiment in `out` (RunOptions::resume)
};

struct ExperimentKindEntry {
    std::string name;
    std::string doc;
    std::function<bool(const Preset&)> owns;
    std::function<std::string(const Preset&)> title;
    std::function<int(const Preset&, const ReproduceRequest&)> reproduce;
    std::function<std::vector<Preset>()> external;  // optional
};

using ExperimentKindRegistry = Registry<ExperimentKindEntry>;

// The kind that owns p, or nullptr.
const ExperimentKindEntry* experiment_kind_of(const Preset& p);
// Every preset that some kind owns (embedded, then external), for `reproduce --list` and name lookups.
std::vector<std::pair<Preset, const ExperimentKindEntry*>> reproducible_presets();
// `depthbias reproduce NAME`: the owning kind's exit code; a ConfigError naming NAME lists the available presets.
int reproduce_preset(const ReproduceRequest& r);

}  // namespace depthbias
