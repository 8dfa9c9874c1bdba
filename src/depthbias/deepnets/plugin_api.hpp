// The deep-net plugin's entry table. LibTorch is not linked into the `depthbias` executable: the deep-net commands
// that need it (train, reproduce, bench) live in a shared-library plugin, libdepthbias_deepnets.so, that the
// executable loads with dlopen when one of them runs (src/cli/plugin_loader.hpp finds it; docs/ARCHITECTURE.md).
// Every other command, `reproduce --list` and `deepnets presets` included, starts without loading LibTorch.
//
// The plugin exports one extern "C" function, named by kPluginEntrySymbol (the ABI version is part of the name),
// returning its PluginApi. The table is a C++ interface: both sides are built from the same tree by the same
// compiler, which plugin_build_id() records and the executable checks before it calls anything, so std::string,
// std::vector and exceptions cross it (a handler throws ConfigError -> exit 2, other exceptions -> exit 1, as
// any command). The plugin calls back into the engine linked into the executable (the executable exports the
// symbols of namespace depthbias to it), so a deep-net experiment uses the process's one job pool, and no code
// of the engine is loaded twice. Change kPluginAbiVersion when the table or DeepCommand changes shape.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "depthbias/version.hpp"

namespace depthbias::deepnets {

// A parsed `depthbias deepnets ...` command line (or a `depthbias reproduce NAME` of a deep-net preset).
struct DeepCommand {
    std::string config, preset, preset_dir, out, name;
    std::string preset_text;  // the preset's TOML when `depthbias reproduce` already found it
    std::vector<std::string> sets;
    bool resume = false, force = false, no_figures = false, quiet = false;
    std::int64_t stop_after = 0;
    double max_wall_seconds = 0;  // `deepnets train`: wall-clock budget (0: none)
    int jobs = 1, bench_epochs = 1;
};

inline constexpr std::uint32_t kPluginAbiVersion = 2;
inline constexpr const char* kPluginEntrySymbol = "depthbias_deepnets_plugin_v2";
inline constexpr const char* kPluginFileName = "libdepthbias_deepnets.so";

struct PluginApi {
    std::uint32_t abi_version;  // kPluginAbiVersion of the plugin's build
    const char* build_id;       // plugin_build_id() of the plugin's build: must equal the executable's
    const char* torch_version;  // LibTorch's version string
    // The commands; each returns the exit code (run/cli.hpp) or throws.
    int (*train)(const DeepCommand&);      // `deepnets train` (without --help-keys)
    int (*reproduce)(const DeepCommand&);  // `deepnets reproduce NAME`, `reproduce NAME` of a deep-net preset
    int (*bench)(const DeepCommand&);      // `deepnets bench`
    // One point of a deep-net sweep (`depthbias sweep`, src/cli/deep_sweep_kind.cpp): trains the resolved config
    // `config_toml` into `dir` (created; an unfinished run there, checkpoint.pt without summary.json, is resumed)
    // and returns summary.json's text (status completed | diverged). Throws on bad input or IO failure.
    std::string (*sweep_point)(const std::string& config_toml, const std::string& dir, bool figures);
};

// What must match between the executable and the plugin: the engine's version and commit, the compiler, the
// table's ABI version and the layout of what crosses it.
inline std::string plugin_build_id() {
    return std::string(kVersion) + " " + kGitCommit + " abi " + std::to_string(kPluginAbiVersion) + " gcc " +
           __VERSION__ + " cmd " + std::to_string(sizeof(DeepCommand)) + " api " + std::to_string(sizeof(PluginApi));
}

using PluginEntry = const PluginApi* (*)();

}  // namespace depthbias::deepnets
