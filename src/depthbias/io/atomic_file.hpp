// Files that are either complete or absent: write to "<path>.partial", flush, then rename over <path>.
#pragma once
#include <string>

namespace depthbias {

void write_file_atomically(const std::string& path, const std::string& contents);
// Creates `dir` (and parents) and checks it is writable by creating and removing a probe file.
// Throws ConfigError(option, ...) naming the directory when it cannot be used.
void prepare_output_directory(const std::string& dir, const std::string& option, bool allow_existing_results);

}  // namespace depthbias
