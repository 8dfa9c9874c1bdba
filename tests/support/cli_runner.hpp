// Running the built `depthbias` binary from a test: its exit code, stdout, stderr and both interleaved.
#pragma once

#include <string>

namespace depthbias::test_support {

struct CliResult {
    int code = -1;       // the exit status; 128 + N when killed by signal N
    std::string output;  // stdout and stderr interleaved as they were written (what `2>&1` would show)
    std::string out;     // stdout alone
    std::string err;     // stderr alone
};

// The path of the depthbias binary the tests were built with (DEPTHBIAS_BINARY of the build).
const std::string& depthbias_binary();

// Runs `<depthbias> <args>` through /bin/sh (so `args` is a shell command tail: quoting, redirections and a
// `VAR=value ` prefix in `env` work as on a terminal) and waits for it.
CliResult run_cli(const std::string& args, const std::string& env = "");

// Runs any shell command the same way (e.g. `mpirun -n 2 <depthbias> ...`).
CliResult run_shell(const std::string& command);

}  // namespace depthbias::test_support
