// Files that are either complete or absent: write to "<path>.partial", flush, then rename over <path>.
#pragma once
#include <sstream>
#include <string>

namespace depthbias {

void write_file_atomically(const std::string& path, const std::string& contents);

// A text file built like an ostream and written atomically by commit() (IoError naming the path on failure);
// one that is never committed (an exception left the scope) leaves no file.
class AtomicOutputFile : public std::ostringstream {
public:
    explicit AtomicOutputFile(std::string path) : path_(std::move(path)) {}
    void commit() { write_file_atomically(path_, str()); }

private:
    std::string path_;
};
// Creates `dir` (and parents); a directory that already existed is checked to be writable by creating and removing
// a probe file (one this call created is writable: it is ours).
// Throws ConfigError(option, ...) naming the directory when it cannot be used. A summary.json left there is
// removed (a stale summary must not make the new run look finished) unless `keep_results` (--resume).
void prepare_output_directory(const std::string& dir, const std::string& option, bool allow_existing_results,
                              bool keep_results = false);

}  // namespace depthbias
