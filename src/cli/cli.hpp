// The command line (src/tools/depthbias.cpp is a thin main). Exit codes:
//   0 success; 1 runtime/IO failure; 2 bad input (names the key or option); 3 a run diverged;
//   4 a reproduction check failed or was not evaluated (its inputs missing, diverged or inconclusive; results
//     written, see experiment.json "checks", run/check_result.hpp);
//   5 a run hit its wall-clock budget (--max-wall-seconds; status wall_budget_exhausted, not a result).
#pragma once

namespace depthbias {

int cli_main(int argc, char** argv);

}  // namespace depthbias
