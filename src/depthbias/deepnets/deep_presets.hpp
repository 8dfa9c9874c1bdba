// Deep-net presets: the TOML files of experiments/deepnets/, embedded in the binary at build time (module
// "deepnets" of run/presets.hpp), or the *.toml files of a directory the user names (--preset-dir, else
// $DEPTHBIAS_DEEPNETS_PRESETS when set). A preset with an [experiment] table is an experiment (`depthbias
// reproduce NAME`, alias `deepnets reproduce NAME`); one without is a single run (`deepnets train --preset NAME`).
// A missing directory or preset is a ConfigError naming the option.
#pragma once
#include <string>
#include <vector>

namespace depthbias::deepnets {

struct PresetInfo {
    std::string name;
    std::string origin;  // "embedded experiments/deepnets/NAME.toml" or the file's path
    std::string toml;
    std::string title;
    bool experiment = false;
};

// Where presets come from: "embedded" or the user directory in use.
std::string preset_source(const std::string& override_dir);
// The presets of `override_dir` ("" : $DEPTHBIAS_DEEPNETS_PRESETS if set, else the embedded ones), by name.
std::vector<PresetInfo> list_presets(const std::string& override_dir);
// The presets of the user directory named by $DEPTHBIAS_DEEPNETS_PRESETS (empty when unset).
std::vector<PresetInfo> user_presets_from_environment();
// One preset; throws ConfigError(option) listing the available names.
PresetInfo find_preset(const std::string& name, const std::string& override_dir, const std::string& option);
// Reads a file the user named (ConfigError(option) when unreadable).
std::string read_text_file(const std::string& path, const std::string& option);
// Fills title / experiment from the preset's TOML.
void describe_preset(PresetInfo& p);

}  // namespace depthbias::deepnets
