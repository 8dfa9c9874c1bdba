// The experiment presets shipped in experiments/*.toml, embedded in the binary at build time
// (generated presets.cpp) so that `depthbias reproduce NAME` works from any directory.
#pragma once
#include <string>
#include <vector>

namespace depthbias {

struct Preset {
    std::string name;  // file stem, e.g. "fig1a"
    std::string toml;  // file contents
};

const std::vector<Preset>& presets();
const Preset* find_preset(const std::string& name);

}  // namespace depthbias
