// The BLAS of this process and its threads. The engine's own kernels do not call BLAS (Eigen and hand-written
// kernels); CLP (LP references) and LibTorch (deep-net plugin) do, through Debian's libblas.so.3: the reference
// netlib BLAS, or OpenBLAS when libopenblas0-pthread is installed (scripts/install-deps.sh installs it).
//
// Threads: one BLAS thread per process. Parallelism in depthbias is across runs (the job pool's threads, sweep
// worker processes, MPI ranks), never inside one; OpenBLAS's own thread pool would compete with them and, in the
// deep-net plugin, with LibTorch's OpenMP threads (one threading layer per process). So the `depthbias` executable
// sets OpenBLAS to 1 thread first thing in main() (src/tools/depthbias.cpp), unless the user chose a count in the
// environment (OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or OMP_NUM_THREADS, which OpenBLAS reads itself); a
// deep-net run gives OpenBLAS its run.threads (torch's intra-op threads) the same way. A program that embeds the
// engine as a library (the Python module, the tests) is left alone: its BLAS threads are its own business (in
// Python they are numpy's too). OpenBLAS is found with dlsym (openblas_set_num_threads), not linked: with another
// BLAS these calls do nothing.
#pragma once
#include <string>

namespace depthbias {

struct BlasInfo {
    std::string vendor;   // "openblas", "reference" (netlib), "other", or "none" (no BLAS in the process)
    std::string library;  // real path of the library that defines dgemm_ ("" for none)
    std::string config;   // OpenBLAS: openblas_get_config(), e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell MAX_THREADS=64"
    int threads = 0;      // OpenBLAS: openblas_get_num_threads(); the reference BLAS: 1; unknown: 0
    bool threads_from_environment = false;  // the user set the count (see above)
};

BlasInfo blas_info();
// One line: "OpenBLAS 0.3.21 ... (/usr/lib/.../libblas.so.3), 1 thread".
std::string describe(const BlasInfo& info);
// Whether the user set the BLAS thread count in the environment.
bool blas_threads_from_environment();
// Sets OpenBLAS's thread count to n (>= 1) unless the user set it in the environment; false when it did not
// (user's choice, or no OpenBLAS loaded).
bool set_blas_threads(int n);

}  // namespace depthbias
