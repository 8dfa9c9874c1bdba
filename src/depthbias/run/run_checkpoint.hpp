// Checkpoints of a single run: <run dir>/checkpoint.cbor, written atomically (a complete file or the previous
// one) every RunOptions::checkpoint_seconds by the run executor, removed once summary.json is written.
// Content (CBOR, exact doubles, core/state_io.hpp): format tag and version, the resolved config it belongs to,
// theta_k, the dynamics' state (Dynamics::save_state) and each observer's (Observer::save_state, by registered
// name), the wall time spent so far and how often the run was resumed. `--resume` continues from it
// (run/run_executor.hpp); a checkpoint of another config or a corrupt one is refused with an error naming the file.
//
// Fault injection for tests: with DEPTHBIAS_TEST_KILL_IN_CHECKPOINT=N in the environment, the process kills itself
// with SIGKILL while writing its N-th checkpoint (after the new data is written, before it replaces the old file).
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "depthbias/core/types.hpp"

namespace depthbias {

struct RunCheckpoint {
    std::string config;         // the resolved TOML (to_toml) of the run it belongs to
    long step = 0;              // the step (or accepted flow step) theta belongs to
    Vec theta;
    nlohmann::json dynamics;    // Dynamics::save_state()
    nlohmann::json observers;   // registered observer name -> Observer::save_state()
    double wall_seconds = 0;    // wall time spent on the run up to this checkpoint, over all sessions
    int resumes = 0;            // how many times the run was continued from a checkpoint before this session
};

std::string checkpoint_path(const std::string& run_dir);
void write_checkpoint(const std::string& run_dir, const RunCheckpoint& c);
// The checkpoint in run_dir, or nothing when there is none. IoError naming the file when it is unreadable.
std::optional<RunCheckpoint> read_checkpoint(const std::string& run_dir);
void remove_checkpoint(const std::string& run_dir);

}  // namespace depthbias
