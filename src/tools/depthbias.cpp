// depthbias command-line entry point; everything lives in depthbias/run/cli.cpp.
#include "depthbias/run/cli.hpp"

int main(int argc, char** argv) { return depthbias::cli_main(argc, argv); }
