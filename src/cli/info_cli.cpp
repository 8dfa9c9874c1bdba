#include "cli/info_cli.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "cli/plugin_loader.hpp"
#include "depthbias/core/blas.hpp"
#include "depthbias/deepnets/plugin_api.hpp"
#include "depthbias/version.hpp"

namespace depthbias {

namespace {

int do_info() {
    std::cout << "depthbias " << kVersion << " (" << kGitCommit << "), " << kCompiler << "\n";
    std::cout << "BLAS: " << describe(blas_info()) << "\n";
    PluginSpec spec;
    spec.file_name = deepnets::kPluginFileName;
    spec.env_var = "DEPTHBIAS_DEEPNETS_PLUGIN";
    std::string found;
    for (const auto& c : plugin_candidates(spec)) {
        std::error_code ec;
        if (std::filesystem::exists(c, ec)) {
            found = c;
            break;
        }
    }
    std::cout << "deep-net plugin: " << (found.empty() ? "not found (deep-net training unavailable)" : found) << "\n";
    return 0;
}

}  // namespace

void add_info_commands(CLI::App& app, std::vector<CliCommand>& out) {
    auto* info = app.add_subcommand("info", "Print the version, the BLAS in use and its threads, and the deep-net "
                                            "plugin that would be loaded");
    out.push_back({info, [] { return do_info(); }});
}

}  // namespace depthbias
