// RunMonitor: how a caller outside the run threads (the Python front's wait loop, a signal handler) watches and
// interrupts an experiment. The executor updates the progress fields at every step (relaxed atomics: a few ns)
// and polls `cancel`: once it is set, each running run saves a checkpoint (when its dynamics is resumable), writes
// no summary.json (its directory does not look finished) and throws Cancelled; run_experiment writes no
// experiment.json. `--resume` continues such an experiment. Thread-safe; owned by the caller, outliving the runs.
#pragma once
#include <atomic>
#include <stdexcept>

namespace depthbias {

struct RunMonitor {
    std::atomic<bool> cancel{false};
    std::atomic<long> step{0};            // of the run that reported last
    std::atomic<double> time{0}, loss{0};  // likewise
    std::atomic<int> runs_started{0}, runs_finished{0};
};

// A run ended by RunMonitor::cancel (an interrupt, not a failure).
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("interrupted") {}
};

}  // namespace depthbias
