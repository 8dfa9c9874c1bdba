// depthbias command-line entry point; everything lives in cli/cli.cpp.
#include "cli/cli.hpp"
#include "depthbias/core/blas.hpp"

int main(int argc, char** argv) {
    depthbias::set_blas_threads(1);  // one BLAS thread per process unless the user set one (core/blas.hpp)
    return depthbias::cli_main(argc, argv);
}
