#include "depthbias/core/blas.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>

namespace depthbias {
namespace {

// A symbol of the process's BLAS: in the global scope (libblas.so.3 comes with CLP, a dependency of every
// program linking the engine), else in an OpenBLAS that a dlopen'ed plugin loaded into its own scope.
void* blas_symbol(const char* name) {
    if (void* s = dlsym(RTLD_DEFAULT, name)) return s;
    for (const char* lib : {"libopenblas.so.0", "libblas.so.3"})
        if (void* h = dlopen(lib, RTLD_NOW | RTLD_NOLOAD)) {
            void* s = dlsym(h, name);
            dlclose(h);  // RTLD_NOLOAD took a reference; the library stays loaded
            if (s) return s;
        }
    return nullptr;
}

const bool user_set_threads = [] {
    for (const char* v : {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"})
        if (const char* e = std::getenv(v); e && *e) return true;
    return false;
}();

}  // namespace

bool blas_threads_from_environment() { return user_set_threads; }

bool set_blas_threads(int n) {
    if (user_set_threads || n < 1) return false;
    auto* set = reinterpret_cast<void (*)(int)>(blas_symbol("openblas_set_num_threads"));
    if (!set) return false;
    set(n);
    // OpenBLAS started its server threads when it was loaded (one per core) and lowering the count does not stop
    // them: each spins on sched_yield until its timeout (~0.1 s of a core per process, measured 0.09 s of system
    // time on `reproduce fig1c`). At one thread they are never used: stop them (OpenBLAS's own shutdown, the one
    // it runs at fork and exit; it starts them again if a later call asks for more threads).
    if (n == 1)
        if (auto* shutdown = reinterpret_cast<int (*)()>(blas_symbol("blas_thread_shutdown_"))) shutdown();
    return true;
}

BlasInfo blas_info() {
    BlasInfo b;
    b.threads_from_environment = user_set_threads;
    void* gemm = blas_symbol("dgemm_");
    if (!gemm) {
        b.vendor = "none";
        return b;
    }
    Dl_info where{};
    if (dladdr(gemm, &where) && where.dli_fname) {
        std::error_code ec;
        const auto real = std::filesystem::canonical(where.dli_fname, ec);
        b.library = ec ? std::string(where.dli_fname) : real.string();
    }
    if (auto* config = reinterpret_cast<char* (*)()>(blas_symbol("openblas_get_config"))) {
        b.vendor = "openblas";
        b.config = config();
        if (auto* threads = reinterpret_cast<int (*)()>(blas_symbol("openblas_get_num_threads"))) b.threads = threads();
    } else if (b.library.find("/blas/libblas.so") != std::string::npos) {
        b.vendor = "reference";
        b.config = "reference BLAS (netlib)";
        b.threads = 1;
    } else {
        b.vendor = "other";
    }
    return b;
}

std::string describe(const BlasInfo& b) {
    if (b.vendor == "none") return "no BLAS loaded";
    std::string s = (b.config.empty() ? b.vendor : b.config) + " (" + b.library + "), ";
    s += b.threads > 0 ? std::to_string(b.threads) + (b.threads == 1 ? " thread" : " threads") : "threads unknown";
    if (b.threads_from_environment) s += " (set in the environment)";
    return s;
}

}  // namespace depthbias
