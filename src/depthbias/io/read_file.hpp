// Reading stored files whole: IoError naming the path when a file cannot be read or is not valid JSON.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace depthbias {

std::string read_file_text(const std::string& path);
nlohmann::json read_json_file(const std::string& path);

}  // namespace depthbias
