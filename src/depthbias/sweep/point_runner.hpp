// One sweep point: a resolved config executed with run/run_executor.hpp into <out>/points/<hash>/ (a normal run
// directory with summary.json), turned into the PointResult the store records. Never throws for a point's own
// failure: any exception while running it becomes status "failed" with the message. Safe to call from several
// threads at once (each call builds its own Task and Model).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "depthbias/results/run_summary.hpp"
#include "depthbias/sweep/sweep_store.hpp"

namespace depthbias {

// The store's record of a finished run; `metrics` are the [sweep] metric paths, read from summary.json's content.
PointResult result_from_summary(const RunSummary& summary, const std::vector<std::string>& metrics);
// The value at a dotted path ("final.spectrum.0") in a JSON document, or null.
nlohmann::json json_at_path(const nlohmann::json& doc, const std::string& path);

// run() (which runs a point and returns its result), or status "failed" with the message of anything it throws:
// a point's own failure is recorded, never propagated (every point kind's runner goes through this).
template <class F>
PointResult guarded_point(F&& run) {
    try {
        return run();
    } catch (const std::exception& e) {
        PointResult r;
        r.status = "failed";
        r.error = e.what();
        return r;
    } catch (...) {
        PointResult r;
        r.status = "failed";
        r.error = "unknown exception";
        return r;
    }
}

PointResult run_point(const std::string& config_toml, const std::string& dir, const std::vector<std::string>& metrics,
                      bool figures);

// The owner name of this process in the store: "host:pid" (plus "/rank R" under MPI).
std::string process_owner(int mpi_rank = -1);
double unix_time();  // seconds since the epoch

}  // namespace depthbias
