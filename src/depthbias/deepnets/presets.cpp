#include "depthbias/deepnets/presets.hpp"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "depthbias/core/error.hpp"

namespace depthbias::deepnets {
namespace fs = std::filesystem;

namespace {

// This file is <root>/src/depthbias/deepnets/presets.cpp; the presets live in <root>/experiments/deepnets.
fs::path source_tree_presets() {
    return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path() / "experiments" / "deepnets";
}

fs::path installed_presets() {
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return {};
    buf[n] = 0;
    return fs::path(buf).parent_path().parent_path() / "share" / "depthbias" / "experiments" / "deepnets";
}

}  // namespace

std::string preset_directory(const std::string& override_dir) {
    std::error_code ec;
    if (!override_dir.empty()) {
        if (!fs::is_directory(override_dir, ec))
            throw ConfigError("--preset-dir", "'" + override_dir + "' is not a directory");
        return override_dir;
    }
    std::vector<fs::path> tried;
    if (const char* env = std::getenv("DEPTHBIAS_DEEPNETS_PRESETS"); env && *env) tried.emplace_back(env);
    tried.push_back(source_tree_presets());
    tried.push_back(installed_presets());
    for (const auto& p : tried)
        if (!p.empty() && fs::is_directory(p, ec)) return p.string();
    std::string list;
    for (const auto& p : tried) list += (list.empty() ? "" : ", ") + p.string();
    throw ConfigError("--preset-dir", "cannot find the deep-net presets (tried " + list +
                                          "); pass --preset-dir DIR pointing at experiments/deepnets of the source tree");
}

std::string read_text_file(const std::string& path, const std::string& option) {
    std::ifstream f(path);
    if (!f) throw ConfigError(option, "cannot read '" + path + "'");
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::vector<PresetInfo> list_presets(const std::string& override_dir) {
    const std::string dir = preset_directory(override_dir);
    std::vector<PresetInfo> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() != ".toml") continue;
        PresetInfo p;
        p.name = e.path().stem().string();
        p.path = e.path().string();
        try {
            const auto doc = toml::parse_file(p.path);
            if (const auto* ex = doc["experiment"].as_table()) {
                p.experiment = true;
                if (auto t = (*ex)["title"].value<std::string>()) p.title = *t;
            } else if (auto t = doc["run"]["name"].value<std::string>()) {
                p.title = "single run '" + *t + "'";
            }
        } catch (const toml::parse_error& err) {
            p.title = std::string("(unreadable: ") + std::string(err.description()) + ")";
        }
        out.push_back(p);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

std::string find_preset(const std::string& name, const std::string& override_dir, const std::string& option) {
    const auto all = list_presets(override_dir);
    for (const auto& p : all)
        if (p.name == name) return p.path;
    std::string names;
    for (const auto& p : all) names += (names.empty() ? "" : ", ") + p.name;
    throw ConfigError(option, "no deep-net preset '" + name + "' in " + preset_directory(override_dir) +
                                  " (available: " + names + ")");
}

}  // namespace depthbias::deepnets
