#include "cli/cli_commands.hpp"

#include <CLI/CLI.hpp>

#include "cli/deepnets_cli.hpp"
#include "cli/dln_theory_cli.hpp"
#include "cli/info_cli.hpp"
#include "cli/sweep_cli.hpp"

namespace depthbias {

// Modules add their registration here, one line each.
std::vector<CliCommand> add_module_commands(CLI::App& app) {
    std::vector<CliCommand> out;
    add_sweep_commands(app, out);
    add_info_commands(app, out);
    add_dln_theory_commands(app, out);  // under `theory` (added by cli.cpp before the modules)
    add_deepnets_commands(app, out);  // always: the torch-dependent commands load their plugin when they run
    return out;
}

}  // namespace depthbias
