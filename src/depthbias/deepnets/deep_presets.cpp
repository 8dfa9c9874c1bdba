#include "depthbias/deepnets/deep_presets.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "depthbias/core/error.hpp"
#include "depthbias/io/read_file.hpp"
#include "depthbias/run/presets.hpp"

namespace depthbias::deepnets {
namespace fs = std::filesystem;

namespace {

std::string user_directory(const std::string& override_dir) {
    if (!override_dir.empty()) return override_dir;
    if (const char* env = std::getenv("DEPTHBIAS_DEEPNETS_PRESETS"); env && *env) return env;
    return "";
}

std::vector<PresetInfo> directory_presets(const std::string& dir, const std::string& option) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw ConfigError(option, "'" + dir + "' is not a directory");
    std::vector<PresetInfo> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() != ".toml") continue;
        PresetInfo p;
        p.name = e.path().stem().string();
        p.origin = e.path().string();
        p.toml = read_text_file(p.origin, option);
        describe_preset(p);
        out.push_back(p);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

}  // namespace

void describe_preset(PresetInfo& p) {
    try {
        const auto doc = toml::parse(p.toml, p.origin);
        if (const auto* ex = doc["experiment"].as_table()) {
            p.experiment = true;
            if (auto t = (*ex)["title"].value<std::string>()) p.title = *t;
        } else if (auto t = doc["run"]["name"].value<std::string>()) {
            p.title = "single run '" + *t + "'";
        }
    } catch (const toml::parse_error& err) {
        p.title = std::string("(unreadable: ") + std::string(err.description()) + ")";
    }
}

std::string preset_source(const std::string& override_dir) {
    const std::string dir = user_directory(override_dir);
    return dir.empty() ? "embedded experiments/deepnets" : dir;
}

std::vector<PresetInfo> user_presets_from_environment() {
    const std::string dir = user_directory("");
    if (dir.empty()) return {};
    return directory_presets(dir, "DEPTHBIAS_DEEPNETS_PRESETS");
}

std::vector<PresetInfo> list_presets(const std::string& override_dir) {
    const std::string dir = user_directory(override_dir);
    if (!dir.empty()) return directory_presets(dir, override_dir.empty() ? "DEPTHBIAS_DEEPNETS_PRESETS" : "--preset-dir");
    std::vector<PresetInfo> out;
    for (const auto& q : presets())
        if (q.module == "deepnets") {
            PresetInfo p{q.name, "embedded experiments/deepnets/" + q.name + ".toml", q.toml, "", false};
            describe_preset(p);
            out.push_back(p);
        }
    return out;
}

PresetInfo find_preset(const std::string& name, const std::string& override_dir, const std::string& option) {
    const auto all = list_presets(override_dir);
    for (const auto& p : all)
        if (p.name == name) return p;
    std::string names;
    for (const auto& p : all) names += (names.empty() ? "" : ", ") + p.name;
    throw ConfigError(option, "no deep-net preset '" + name + "' in " + preset_source(override_dir) + " (available: " +
                                  names + ")");
}

std::string read_text_file(const std::string& path, const std::string& option) {
    return read_user_file(path, option, "file");
}

}  // namespace depthbias::deepnets
