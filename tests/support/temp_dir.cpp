#include "temp_dir.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace depthbias::test_support {

TempDir::TempDir(const std::string& name) {
    std::string tmpl = (fs::temp_directory_path() / ("depthbias-" + name + "-XXXXXX")).string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
    path_ = buf.data();
}

TempDir::~TempDir() {
    if (path_.empty()) return;
    const char* keep = std::getenv("DEPTHBIAS_KEEP_TEST_DIRS");
    if (keep && *keep && std::string(keep) != "0") {
        std::cerr << "[depthbias test] kept " << path_ << "\n";
        return;
    }
    std::error_code ec;
    fs::remove_all(path_, ec);
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempDir& TempDir::operator=(TempDir&& other) noexcept {
    if (this != &other) {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
        path_ = std::move(other.path_);
        other.path_.clear();
    }
    return *this;
}

std::string TempDir::write(const fs::path& relative, const std::string& text) const {
    const fs::path f = path_ / relative;
    fs::create_directories(f.parent_path());
    std::ofstream(f) << text;
    return f.string();
}

std::string read_text(const fs::path& file) {
    std::ifstream f(file);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

}  // namespace depthbias::test_support
