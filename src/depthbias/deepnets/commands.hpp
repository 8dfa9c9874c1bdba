// The deep-net commands that need LibTorch (`depthbias deepnets train | reproduce | bench`, and `depthbias reproduce
// NAME` of a deep-net experiment preset), as the plugin runs them: the executable parses the command line
// (src/cli/deepnets_cli.cpp) and calls these through the plugin's entry table (plugin_api.hpp). Each prints its
// report to stdout and returns the exit code (run/cli.hpp: 0 ok, 3 a run diverged, 4 a check failed); bad
// input throws ConfigError naming the option or key.
#pragma once
#include <string>

#include "depthbias/deepnets/plugin_api.hpp"

namespace depthbias::deepnets {

int train_command(const DeepCommand& c);
int reproduce_command(const DeepCommand& c);
int bench_command(const DeepCommand& c);
// PluginApi::sweep_point: one deep-net sweep point (plugin_api.hpp).
std::string sweep_point_command(const std::string& config_toml, const std::string& dir, bool figures);

}  // namespace depthbias::deepnets
