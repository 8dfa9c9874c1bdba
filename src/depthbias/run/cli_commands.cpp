#include "depthbias/run/cli_commands.hpp"

#include <CLI/CLI.hpp>

namespace depthbias {

// Modules add their registration here, one line each.
std::vector<CliCommand> add_module_commands(CLI::App& /*app*/) {
    std::vector<CliCommand> out;
    return out;
}

}  // namespace depthbias
