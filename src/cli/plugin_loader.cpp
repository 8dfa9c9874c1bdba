#include "cli/plugin_loader.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace depthbias {
namespace fs = std::filesystem;

std::vector<std::string> plugin_candidates(const PluginSpec& spec) {
    if (const char* env = std::getenv(spec.env_var.c_str()); env && *env) return {env};
    std::vector<std::string> out;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return out;  // load_plugin then names the environment variable as the way to point at it
    const fs::path dir = exe.parent_path();
    out.push_back((dir / spec.file_name).string());
    out.push_back((dir.parent_path() / "lib" / "depthbias" / spec.file_name).lexically_normal().string());
    return out;
}

LoadedPlugin load_plugin(const PluginSpec& spec) {
    const auto candidates = plugin_candidates(spec);
    const bool from_env = [&] {
        const char* env = std::getenv(spec.env_var.c_str());
        return env && *env;
    }();
    std::string tried;
    for (const auto& path : candidates) {
        std::error_code ec;
        if (!fs::exists(path, ec)) {
            tried += "\n  " + path + " (absent)";
            continue;
        }
        dlerror();
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            const char* why = dlerror();
            throw std::runtime_error("cannot load " + spec.what + " '" + path + "': " + (why ? why : "unknown reason") +
                                     "\n" + spec.build_hint);
        }
        void* entry = dlsym(handle, spec.entry.c_str());
        if (!entry)
            throw std::runtime_error("'" + path + "' is not " + spec.what + " of this version (no entry '" + spec.entry +
                                     "')\n" + spec.build_hint);
        return {path, entry};
    }
    if (candidates.empty()) tried = "\n  nowhere: /proc/self/exe is unreadable; set " + spec.env_var + " to its path";
    throw std::runtime_error(spec.what + " " + spec.file_name + " was not found; looked in" +
                             (from_env ? " (" + spec.env_var + ")" : "") + ":" + tried + "\n" + spec.build_hint);
}

}  // namespace depthbias
