#include "depthbias/io/read_file.hpp"

#include <fstream>
#include <sstream>

#include "depthbias/core/error.hpp"

namespace depthbias {

std::string read_file_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw IoError("cannot read " + path);
    std::ostringstream s;
    s << f.rdbuf();
    if (f.bad()) throw IoError("failed reading " + path);
    return s.str();
}

std::string read_user_file(const std::string& path, const std::string& option, const std::string& what) {
    try {
        return read_file_text(path);
    } catch (const IoError&) {
        throw ConfigError(option, "cannot read " + what + " '" + path + "'");
    }
}

nlohmann::json read_json_file(const std::string& path) {
    try {
        return nlohmann::json::parse(read_file_text(path));
    } catch (const nlohmann::json::exception& e) {
        throw IoError(path + " is not valid JSON: " + e.what());
    }
}

}  // namespace depthbias
