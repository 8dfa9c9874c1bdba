// Subcommands contributed by modules outside run/ (sweeps, deep nets, ...). Each module provides
//   void add_<module>_commands(CLI::App& app, std::vector<CliCommand>& out);
// which adds its subcommands to `app` and appends one CliCommand per leaf subcommand; cli_main runs the
// handler of the one that was parsed. Handlers throw ConfigError (exit 2) / other exceptions (exit 1) or
// return an exit code (run/cli.hpp).
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace depthbias {

struct CliCommand {
    CLI::App* subcommand;
    std::function<int()> handler;
};

// Adds every module's subcommands (cli_commands.cpp lists the modules).
std::vector<CliCommand> add_module_commands(CLI::App& app);

}  // namespace depthbias
