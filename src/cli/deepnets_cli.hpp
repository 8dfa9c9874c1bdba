// `depthbias deepnets ...`: the LibTorch module's subcommands (train, reproduce, presets, bench), registered
// from run/cli_commands.cpp when the module is built (DEPTHBIAS_HAVE_TORCH). Exit codes as run/cli.hpp:
// 0 ok, 1 runtime / IO failure, 2 bad input (names the key or option), 3 a run diverged, 4 a check failed.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "cli/cli_commands.hpp"

namespace depthbias {

void add_deepnets_commands(CLI::App& app, std::vector<CliCommand>& out);

// `depthbias reproduce NAME` for a deep-net experiment preset (same as `depthbias deepnets reproduce NAME` with
// the request's --set/--out/--force/--no-figures/--jobs); nullopt when NAME is not a deep-net experiment preset
// or the preset directory cannot be found.
std::optional<int> reproduce_deepnets_preset(const ReproduceRequest& r);
// "name: title" of each deep-net experiment preset (empty when the preset directory cannot be found).
std::vector<std::string> deepnets_preset_listing();

}  // namespace depthbias
