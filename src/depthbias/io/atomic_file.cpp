#include "depthbias/io/atomic_file.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "depthbias/core/error.hpp"

namespace depthbias {
namespace fs = std::filesystem;

void write_file_atomically(const std::string& path, const std::string& contents) {
    const std::string tmp = path + ".partial";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw IoError("cannot write " + tmp);
        f << contents;
        f.flush();
        if (!f) throw IoError("failed writing " + tmp);
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw IoError("cannot rename " + tmp + " to " + path + ": " + ec.message());
}

void prepare_output_directory(const std::string& dir, const std::string& option, bool allow_existing,
                              bool keep_results) {
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
        throw ConfigError(option, "'" + dir + "' exists and is not a directory");
    if (!allow_existing && fs::exists(fs::path(dir) / "summary.json", ec))
        throw ConfigError(option, "'" + dir + "' already holds a finished run (summary.json); choose another "
                                  "directory or pass --force to overwrite it");
    const bool created = fs::create_directories(dir, ec);
    if (ec) throw ConfigError(option, "cannot create directory '" + dir + "': " + ec.message());
    // An existing directory is probed by creating a file in it; one this call just created is ours and writable
    // (a probe there cost a file creation and removal per run directory: most of a short run's file work).
    if (!created) {
        const std::string probe = (fs::path(dir) / ".depthbias-write-probe").string();
        {
            std::ofstream f(probe);
            if (!f) throw ConfigError(option, "directory '" + dir + "' is not writable");
        }
        fs::remove(probe, ec);
    }
    // A stale summary from an overwritten run must not make this run look finished before it is.
    if (!keep_results) fs::remove(fs::path(dir) / "summary.json", ec);
}

}  // namespace depthbias
