// depthbias command-line entry point; everything lives in depthbias/run/cli.cpp.
#include "cli/cli.hpp"

int main(int argc, char** argv) { return depthbias::cli_main(argc, argv); }
