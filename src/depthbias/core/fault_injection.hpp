// Fault injection for the kill-anywhere tests: with DEPTHBIAS_TEST_KILL_IN_CHECKPOINT=N in the environment, the
// process kills itself with SIGKILL at the N-th call of kill_point_in_checkpoint() (checkpoint writers call it
// after the new data is on disk and before it replaces the previous checkpoint). Unset (always, outside tests):
// one getenv at the first call, then nothing. Thread-safe.
#pragma once
#include <atomic>
#include <csignal>
#include <cstdlib>

namespace depthbias {

inline void kill_point_in_checkpoint() {
    static const long kill_at = [] {
        const char* e = std::getenv("DEPTHBIAS_TEST_KILL_IN_CHECKPOINT");
        return e ? std::atol(e) : 0L;
    }();
    static std::atomic<long> calls{0};
    if (kill_at > 0 && ++calls == kill_at) std::raise(SIGKILL);
}

}  // namespace depthbias
