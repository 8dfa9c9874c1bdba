// Reading stored files whole: IoError naming the path when a file cannot be read or is not valid JSON.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace depthbias {

std::string read_file_text(const std::string& path);
nlohmann::json read_json_file(const std::string& path);
// A file the user named (a config, a preset): ConfigError(option, "cannot read '<what> <path>'") when unreadable.
std::string read_user_file(const std::string& path, const std::string& option, const std::string& what = "file");

}  // namespace depthbias
