// `depthbias info`: what this binary runs on: version, commit and compiler; the BLAS the process loaded and its
// threads (core/blas.hpp); the deep-net plugin it would load (without loading it). The benchmark scripts print it
// next to their peers' BLAS.
#pragma once
#include <vector>

#include "cli/cli_commands.hpp"

namespace depthbias {

void add_info_commands(CLI::App& app, std::vector<CliCommand>& out);

}  // namespace depthbias
