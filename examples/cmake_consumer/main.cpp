// Uses the installed engine from C++: a closed form of the toy model, and the shipped `toy` preset run through the
// same registries and experiment stack as `depthbias reproduce toy` (its checks printed). Exit 0 when every check
// passes. Usage: consumer OUT_DIR
#include <cstdio>
#include <iostream>

#include "depthbias/analysis/toy_theory.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/run/presets.hpp"
#include "depthbias/version.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: consumer OUT_DIR\n";
        return 2;
    }
    using namespace depthbias;
    std::cout << "depthbias " << kVersion << ": t_1/2 (N = 3, sigma* = 1, sigma0 = 1e-3) = "
              << theory::learning_time(3, 1.0, 1e-3, 0.5) << "\n";
    const Preset* p = find_preset("toy");
    if (!p) return 1;
    const Experiment e = parse_experiment(p->toml, "preset toy");
    ExperimentOptions opt;
    opt.figures = false;
    const ExperimentResult r = run_experiment(e, argv[1], opt);
    for (const auto& c : r.checks) std::cout << to_string(c.status) << ": " << c.name << "\n";
    return r.exit_code();
}
