// Finding and loading a shared-library plugin of the executable (dlopen), e.g. the LibTorch module
// libdepthbias_deepnets.so (depthbias/deepnets/plugin_api.hpp). Where it looks, in order:
//   1. $<env_var> when set: that file only (a missing file is an error, not a fall-back);
//   2. the executable's directory (the build tree: build/depthbias next to build/libdepthbias_deepnets.so);
//   3. <executable's directory>/../lib/depthbias (the install layout: bin/depthbias, lib/depthbias/).
// The executable's directory is that of /proc/self/exe (symbolic links resolved).
#pragma once
#include <string>
#include <vector>

namespace depthbias {

struct PluginSpec {
    std::string file_name;   // "libdepthbias_deepnets.so"
    std::string env_var;     // "DEPTHBIAS_DEEPNETS_PLUGIN"
    std::string entry;       // the extern "C" entry function
    std::string what;        // "the deep-net plugin (LibTorch)"
    std::string build_hint;  // how to get it, appended to the error
};

struct LoadedPlugin {
    std::string path;
    void* entry = nullptr;  // the entry function's address
};

// The paths tried, in order.
std::vector<std::string> plugin_candidates(const PluginSpec& spec);
// Loads the first candidate that exists (RTLD_NOW: a missing symbol or library fails here, not in the middle of a
// run) and resolves its entry. Throws std::runtime_error (exit 1) naming the plugin, the paths tried or dlopen's reason, and
// spec.build_hint. A plugin, once loaded, stays loaded.
LoadedPlugin load_plugin(const PluginSpec& spec);

}  // namespace depthbias
