// Command-line commands of the sweep module (registered in run/cli_commands.cpp):
//   depthbias sweep CONFIG.toml [--out DIR] [--workers N] [--set k=v]... [--retry-failed] [--quiet]
//       run or resume a sweep (CONFIG may also name a shipped sweep preset); under mpirun, distributed over ranks
//   depthbias sweep report DIR [--no-figures]     tidy CSV + phase diagrams into DIR/report/
//   depthbias report DIR                          static HTML page DIR/report.html (sweep, experiment or run)
// Exit codes as run/cli.hpp: 0 ok, 1 runtime failure or failed points, 2 bad input, 3 a point diverged.
#pragma once
#include <vector>

#include "cli/cli_commands.hpp"

namespace depthbias {

void add_sweep_commands(CLI::App& app, std::vector<CliCommand>& out);

}  // namespace depthbias
