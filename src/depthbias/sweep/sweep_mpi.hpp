// MPI distribution of a sweep (Open MPI). MpiSession calls MPI_Init_thread (FUNNELED) only when the process was
// started by an MPI launcher (mpirun / srun with PMI: OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK or PMI_SIZE in
// the environment), so a plain `depthbias sweep` never touches MPI; MPI_Finalize is called by the destructor.
// Protocol (only the main thread of each rank calls MPI):
//   worker -> 0   REQUEST {owner}                      ready for a point
//   0 -> worker   ASSIGN  {id, hash, label, kind, config, dir, metrics, figures} | STOP
//   worker -> 0   RESULT  {id, result, overhead}       (implies the next REQUEST)
// Rank 0 owns the SQLite store (the only writer), hands out pending points in id order as requests arrive, and
// by default also runs points itself on a second thread. Receives poll with short sleeps (no busy waiting).
#pragma once
#include <string>
#include <vector>

#include "depthbias/sweep/sweep_store.hpp"

namespace depthbias {

class MpiSession {
public:
    MpiSession();  // initializes MPI when launched by an MPI launcher with more than one rank (never for one:
                   // the process pool forks, which Open MPI forbids after MPI_Init)
    ~MpiSession();
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;
    bool active() const { return active_; }
    int rank() const { return rank_; }
    int size() const { return size_; }
    static bool launched_by_mpi();

private:
    bool active_ = false;
    int rank_ = 0, size_ = 1;
};

// A worker rank (rank > 0): requests points until told to stop. Returns the process exit code (0).
int run_mpi_worker(const MpiSession& mpi);

struct MpiCoordinatorOptions {
    std::string out;                  // absolute sweep directory
    std::string kind = "linear";      // the point kind (point_kind.hpp), sent with every assignment
    std::vector<std::string> metrics;
    bool figures = false;
    bool local_worker = true;         // rank 0 also runs points on a second thread
    bool quiet = false;
};

// Rank 0 after the store is ready: dispatches every pending point and records the results; sends STOP to every
// worker before returning. Returns how many points were recorded.
std::int64_t run_mpi_coordinator(const MpiSession& mpi, SweepStore& store, const MpiCoordinatorOptions& opt);
// Rank 0 on an error before or during dispatch: answers every worker's next message with STOP so that all ranks
// reach MPI_Finalize. Idempotent (workers already stopped are skipped).
void stop_mpi_workers(const MpiSession& mpi);

}  // namespace depthbias
