// `depthbias deepnets ...`: the LibTorch module's subcommands (train, reproduce, presets, bench), registered
// from run/cli_commands.cpp when the module is built (DEPTHBIAS_HAVE_TORCH). Exit codes as run/cli.hpp:
// 0 ok, 1 runtime / IO failure, 2 bad input (names the key or option), 3 a run diverged, 4 a check failed.
#pragma once
#include <vector>

#include "depthbias/run/cli_commands.hpp"

namespace depthbias {

void add_deepnets_commands(CLI::App& app, std::vector<CliCommand>& out);

}  // namespace depthbias
