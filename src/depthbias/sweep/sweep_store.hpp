// The SQLite store of one sweep (<out>/sweep.db, WAL mode): one row per point with its resolved config, hash,
// status (pending | running | done | failed | diverged), metrics and timing, plus an append-only log of
// completions. Schema and resume semantics: docs/SWEEPS.md.
// Concurrency: any number of processes on one host may open the store; claim() and complete() are
// BEGIN IMMEDIATE transactions, so a point is handed to exactly one owner and completed at most once per claim
// (complete() only succeeds for the owner that holds the claim). Connections must not cross fork().
// Errors: IoError naming the database and the SQLite message.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "depthbias/sweep/sweep_spec.hpp"

struct sqlite3;

namespace depthbias {

// What a finished point produced (read from its summary.json, or the error that stopped it).
struct PointResult {
    std::string status;      // done | diverged | failed
    std::string run_status;  // summary "status": converged | budget_exhausted | diverged ("" when failed)
    std::string stop_reason, error;
    std::optional<std::int64_t> steps;
    std::optional<double> flow_time, wall_seconds, final_loss, reconstruction_error, test_error;
    std::string verdict;                 // incremental | not incremental | incomplete ("" without final metrics)
    std::optional<bool> largest_first;
    nlohmann::json learning_times = nullptr;  // [{target, t_eps, t_half, t_one_minus_eps}] per component
    nlohmann::json learning_order = nullptr;  // 1-based components in the order learned
    nlohmann::json extra = nlohmann::json::object();  // [sweep] metrics path -> value (null when absent)
    std::string summary;                 // summary.json text ("" when failed)
};
nlohmann::json to_json(const PointResult& r);
PointResult point_result_from_json(const nlohmann::json& j);

struct ClaimedPoint {
    std::int64_t id;
    std::string hash, label, config;
};

struct PointRow {
    std::int64_t id = 0;
    std::string hash, label, config, status, owner;
    nlohmann::ordered_json params;
    std::int64_t attempts = 0;
    std::optional<double> overhead_seconds;
    PointResult result;  // meaningful for done | diverged | failed
};

struct RecoverySummary {
    int reset = 0;      // running -> pending (owner gone)
    int recovered = 0;  // running, but its summary.json was complete: recorded without running again
    int abandoned = 0;  // running for the max_attempts-th time when its owner died: recorded as failed
};

class SweepStore {
public:
    explicit SweepStore(const std::string& path);  // opens (creating the schema if new)
    ~SweepStore();
    SweepStore(const SweepStore&) = delete;
    SweepStore& operator=(const SweepStore&) = delete;

    // Records the sweep's definition and inserts its points (pending) in one transaction. A store that already
    // holds a different sweep (another set of points) is a ConfigError on `option`. A store written with an
    // earlier point identity (docs/SWEEPS.md, "Upgrades") is re-keyed first.
    void initialize(const SweepSpec& spec, const std::vector<SweepPoint>& points, const std::string& option);
    // Rows left 'running' by owners that are gone (the caller holds the sweep lock, so every owner is gone).
    // A point whose points/<hash>/summary.json exists is recorded from it; others go back to pending, or to
    // failed once they have been claimed max_attempts times.
    RecoverySummary recover_interrupted(const std::string& points_dir, int max_attempts,
                                        const std::vector<std::string>& metrics);
    int retry_failed();  // failed -> pending; returns how many

    // pending -> running for `owner` (lowest id first); nullopt when nothing is pending.
    std::optional<ClaimedPoint> claim(const std::string& owner);
    // Marks a specific pending point running (the MPI coordinator's dispatch). False if it was not pending.
    bool mark_running(std::int64_t id, const std::string& owner);
    // running (held by owner) -> result.status, with a completions row. False (and no change) when the
    // point is not held by `owner` any more.
    bool complete(std::int64_t id, const std::string& owner, const PointResult& result,
                  std::optional<double> overhead_seconds, const std::string& source = "run");
    // Every point held by `owner`: -> failed with `error` (a crashed worker) or -> pending (fail = false).
    int release_owner(const std::string& owner, bool fail, const std::string& error);

    std::vector<ClaimedPoint> pending_points();  // by id (the MPI coordinator's queue)
    std::map<std::string, std::int64_t> counts();  // status -> count
    std::vector<PointRow> rows();                   // by id
    std::map<std::int64_t, std::int64_t> completions_per_point();
    std::string meta(const std::string& key);  // "" when absent
    std::string point_kind_name();             // the sweep's point kind (point_kind.hpp; "linear" when not recorded)
    const std::string& path() const { return path_; }

private:
    void exec(const std::string& sql);
    // Re-keys a store written with point identity version 1 (meta point_identity absent) to this version.
    void migrate_point_identity(const std::string& option);
    sqlite3* db_ = nullptr;
    std::string path_;
};

// The standard location of a sweep's store and point directories.
std::string store_path(const std::string& out_dir);
std::string points_dir(const std::string& out_dir);

}  // namespace depthbias
