// The entry point of libdepthbias_deepnets.so (plugin_api.hpp): compiled into the plugin only (the deep-net tests
// link the module's code directly and do not need it).
#include "depthbias/deepnets/commands.hpp"
#include "depthbias/deepnets/plugin_api.hpp"
#include "depthbias/deepnets/trainer.hpp"

namespace {

const depthbias::deepnets::PluginApi* make_api() {
    using namespace depthbias::deepnets;
    static const std::string build_id = plugin_build_id();
    static const std::string torch = torch_version();
    static const PluginApi api{kPluginAbiVersion, build_id.c_str(), torch.c_str(), &train_command,
                               &reproduce_command, &bench_command, &sweep_point_command};
    return &api;
}

}  // namespace

// The name carries the ABI version (kPluginEntrySymbol): a plugin of another version has no such symbol.
extern "C" __attribute__((visibility("default"))) const depthbias::deepnets::PluginApi* depthbias_deepnets_plugin_v2() {
    return make_api();
}
