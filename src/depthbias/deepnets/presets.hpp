// Deep-net presets: TOML files in experiments/deepnets/ of the source tree (not embedded; the linear engine
// embeds experiments/*.toml only). A preset with an [experiment] table is an experiment (`deepnets
// reproduce NAME`); one without is a single run (`deepnets train --preset NAME`).
// The directory is found as: --preset-dir if given, else $DEPTHBIAS_DEEPNETS_PRESETS, else the source tree
// this binary was built from (a path derived from __FILE__ at compile time), else
// <executable dir>/../share/depthbias/experiments/deepnets. A missing directory or preset is a ConfigError
// naming the option and the directories tried.
#pragma once
#include <string>
#include <vector>

namespace depthbias::deepnets {

struct PresetInfo {
    std::string name, path, title;
    bool experiment = false;
};

std::string preset_directory(const std::string& override_dir);
std::vector<PresetInfo> list_presets(const std::string& override_dir);
// The preset's file path; throws ConfigError(option) listing the available names.
std::string find_preset(const std::string& name, const std::string& override_dir, const std::string& option);
std::string read_text_file(const std::string& path, const std::string& option);

}  // namespace depthbias::deepnets
