// Runs (or resumes) a sweep into an output directory:
//   <out>/sweep.db      the store (sweep_store.hpp)        <out>/sweep.toml   the definition (file + --set)
//   <out>/sweep.lock    held (flock) by the running coordinator; released when it dies, even by SIGKILL
//   <out>/points/<hash>/ one run directory per point (run/run_executor.hpp)
// then writes the aggregation (sweep_report.hpp). On one machine a pool of forked worker processes claims points
// through the store (one point per worker at a time, Eigen single-threaded); under an MPI launcher with more than
// one rank, rank 0 coordinates and every rank runs points (sweep_mpi.hpp). Resuming: only points that are not
// done, diverged or failed run (failed ones too with retry_failed). Exit code (run/cli.hpp): 0 every point
// finished, 3 some point diverged, 1 some point failed or could not be run.
#pragma once
#include <string>

#include "depthbias/sweep/sweep_mpi.hpp"
#include "depthbias/sweep/sweep_spec.hpp"

namespace depthbias {

struct SweepOptions {
    std::string out;             // sweep directory (created)
    int workers = 0;             // pool size; 0: one per usable core (affinity mask). Ignored under MPI
    bool retry_failed = false;   // failed points run again
    bool quiet = false;          // no per-point lines
    bool report = true;          // write the aggregation when the sweep is complete
    bool dedicated_coordinator = false;  // MPI: rank 0 only coordinates
    int max_attempts = 3;        // a point whose worker died this many times is recorded as failed
};

int run_sweep(const SweepSpec& spec, const SweepOptions& opt, const MpiSession& mpi);

// The default output directory of a sweep: sweeps/<slug of its name> (no timestamp, so rerunning resumes).
std::string default_sweep_out(const SweepSpec& spec);

}  // namespace depthbias
