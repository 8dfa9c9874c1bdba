// Subcommands contributed by modules outside run/ (sweeps, deep nets, ...). Each module provides
//   void add_<module>_commands(CLI::App& app, std::vector<CliCommand>& out);
// which adds its subcommands to `app` and appends one CliCommand per leaf subcommand; cli_main runs the
// handler of the one that was parsed. Handlers throw ConfigError (exit 2) / other exceptions (exit 1) or
// return an exit code (run/cli.hpp).
#pragma once
#include <functional>
#include <optional>
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

// `depthbias reproduce NAME` where NAME is not an engine preset (experiments/*.toml): a module's experiment
// preset (e.g. the deep-net experiments of experiments/deepnets/) runs through its own runner.
struct ReproduceRequest {
    std::string name, out;
    std::vector<std::string> sets;
    bool force = false, figures = true;
    int jobs = 1;
};
// The exit code of the module that owns `r.name`; nullopt when no module has an experiment of that name.
std::optional<int> reproduce_module_preset(const ReproduceRequest& r);
// "name: title" of every module experiment preset, for `depthbias reproduce --list` (empty where none is built or
// the module's presets cannot be found).
std::vector<std::string> module_preset_listing();

}  // namespace depthbias
