#include "cli/cli_commands.hpp"

#include <CLI/CLI.hpp>

#include "cli/sweep_cli.hpp"

#ifdef DEPTHBIAS_HAVE_TORCH
#include "cli/deepnets_cli.hpp"
#endif

namespace depthbias {

// Modules add their registration here, one line each.
std::vector<CliCommand> add_module_commands([[maybe_unused]] CLI::App& app) {
    std::vector<CliCommand> out;
    add_sweep_commands(app, out);
#ifdef DEPTHBIAS_HAVE_TORCH
    add_deepnets_commands(app, out);
#endif
    return out;
}

}  // namespace depthbias
