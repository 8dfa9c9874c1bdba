// `depthbias deepnets ...`: the deep-net module's subcommands (train, reproduce, presets, bench, plugin), registered
// from cli/cli_commands.cpp. The executable parses them and answers what needs no LibTorch itself (preset lists,
// --help-keys); train, reproduce and bench run in the LibTorch plugin (depthbias/deepnets/plugin_api.hpp), loaded
// on first use. Exit codes as run/cli.hpp: 0 ok, 1 runtime / IO failure (a missing plugin included), 2 bad input
// (names the key or option), 3 a run diverged, 4 a check failed.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "cli/cli_commands.hpp"
#include "depthbias/deepnets/plugin_api.hpp"

namespace depthbias {

void add_deepnets_commands(CLI::App& app, std::vector<CliCommand>& out);
// The LibTorch plugin, loaded (dlopen) on the first call in this process; throws std::runtime_error naming the
// paths tried when it cannot be loaded or was built from another version. Thread-safe (a function-local static).
const deepnets::PluginApi& deepnets_plugin();
// The deep-net experiment presets are reproduced by `depthbias reproduce NAME` through the registry of experiment
// kinds (run/experiment_kind.hpp; registered in deepnets_cli.cpp); `deepnets reproduce` is an alias.

}  // namespace depthbias
