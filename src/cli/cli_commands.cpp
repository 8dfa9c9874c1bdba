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

std::optional<int> reproduce_module_preset([[maybe_unused]] const ReproduceRequest& r) {
#ifdef DEPTHBIAS_HAVE_TORCH
    if (auto code = reproduce_deepnets_preset(r)) return code;
#endif
    return std::nullopt;
}

std::vector<std::string> module_preset_listing() {
    std::vector<std::string> out;
#ifdef DEPTHBIAS_HAVE_TORCH
    for (auto& l : deepnets_preset_listing()) out.push_back(std::move(l));
#endif
    return out;
}

}  // namespace depthbias
