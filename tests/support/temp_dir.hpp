// A fresh, empty temporary directory for one test, removed (with its contents) when it goes out of scope.
// Set DEPTHBIAS_KEEP_TEST_DIRS=1 to keep them for inspection (their paths are printed).
#pragma once

#include <filesystem>
#include <string>

namespace depthbias::test_support {

class TempDir {
public:
    // Creates <temp>/depthbias-<name>-XXXXXX (unique even for the same name in one process).
    explicit TempDir(const std::string& name = "test");
    ~TempDir();
    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&& other) noexcept;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    operator const std::filesystem::path&() const { return path_; }  // NOLINT: used where a path is expected
    std::string string() const { return path_.string(); }
    std::filesystem::path operator/(const std::filesystem::path& p) const { return path_ / p; }

    // Writes `text` to <dir>/<relative> (creating parent directories) and returns the file's path.
    std::string write(const std::filesystem::path& relative, const std::string& text) const;

private:
    std::filesystem::path path_;
};

// The whole content of a file ("" when it cannot be read).
std::string read_text(const std::filesystem::path& file);

}  // namespace depthbias::test_support
