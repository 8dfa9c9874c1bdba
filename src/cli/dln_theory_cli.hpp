// `depthbias theory saxe | lambda-balanced | single-neuron | metric`: the exact deep-linear-network oracles
// (analysis/exact_dln.hpp) and the end-to-end metric / volume form (analysis/dln_geometry.hpp) from the command
// line. Curves are CSV on stdout (computed in full before printing: an error leaves no partial CSV); bad options
// are errors naming the option (exit 2); volume densities are printed as log10 (they leave double range).
#pragma once
#include <vector>

#include "cli/cli_commands.hpp"

namespace depthbias {

void add_dln_theory_commands(CLI::App& app, std::vector<CliCommand>& out);

}  // namespace depthbias
