// The experiment presets shipped in experiments/*.toml (module "") and experiments/<module>/*.toml (e.g. the
// deep-net presets, module "deepnets"), embedded in the binary at build time (generated presets.cpp, sorted by
// module and name) so that `depthbias reproduce NAME` works from any directory. Names are unique across modules.
// Which experiment kind runs a preset is decided by the registry of experiment kinds (run/experiment_kind.hpp).
#pragma once
#include <string>
#include <vector>

namespace depthbias {

struct Preset {
    std::string name;    // file stem, e.g. "fig1a"
    std::string module;  // "" for experiments/*.toml, else the subdirectory ("deepnets")
    std::string toml;    // file contents
};

const std::vector<Preset>& presets();
const Preset* find_preset(const std::string& name);

}  // namespace depthbias
