// What a sweep point is: a registered "point kind" supplies the config schema of its points and how one point
// runs. The sweep engine (sweep_spec, sweep_store, sweep_runner, sweep_mpi, sweep_report) is written against
// this table only; it never names a kind.
//   linear    (sweep/linear_point_kind.cpp)  a run config (run/config.hpp), run by run/run_executor.hpp in-process
//   deepnets  (src/cli/deep_sweep_kind.cpp)  a deep-net config (deepnets/deep_config.hpp), run by the LibTorch
//                                            plugin (loaded lazily in the worker process that runs the point)
// A sweep file selects its kind with `[sweep] kind = "NAME"`, or else the first kind (by name) whose `claims`
// accepts the file's top-level tables; `linear` claims everything, so it is the fallback, and every sweep file
// written before kinds existed is linear (its store hashes unchanged).
// The config is carried as std::any holding the kind's own struct (RunConfig, DeepConfig). Entries are plain
// data and function pointers, read-only after static initialization: thread-safe.
#pragma once
#include <any>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "depthbias/core/registry.hpp"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace depthbias {

struct PointResult;
struct PointRow;
struct SweepReport;

struct PointKindEntry {
    std::string name, doc;
    // Whether a sweep file without `[sweep] kind` is of this kind (its top-level table names, e.g. "train").
    std::function<bool(const std::vector<std::string>& tables)> claims;
    std::function<std::any()> make_default;
    // The file's tables into the config (skipping the top-level tables in `ignored`), one "section.key=value"
    // override, validation: ConfigError naming the key, as the kind's own loader does.
    std::function<void(std::any&, const toml::table&, const std::vector<std::string>& ignored)> apply_toml;
    std::function<void(std::any&, const std::string& assignment)> apply_override;
    std::function<void(const std::any&)> validate;
    std::function<std::string(const std::any&)> to_toml;           // every key (the stored config)
    std::function<std::string(const std::any&)> non_default_toml;  // the point identity's text (sorted lines)
    std::function<std::int64_t&(std::any&)> seed;                  // run.seed (swept by [sweep] seeds)
    std::function<std::string(const std::any&)> run_name;         // run.name (the default sweep name)
    // The top-level summary.json keys a [sweep] metrics path may start with.
    std::vector<std::string> summary_keys;
    // Runs the point whose resolved TOML is `config_toml` into `dir` (created; a finished summary.json there is
    // never reached: the store records it first). Never throws: a failure is status "failed" with the message.
    std::function<PointResult(const std::string& config_toml, const std::string& dir,
                              const std::vector<std::string>& metrics, bool figures)>
        run;
    // The store's record of a summary.json the point wrote (recovering a point whose worker died after
    // writing it). Throws (nlohmann::json::exception or IoError) when it is not this kind's summary.
    std::function<PointResult(const nlohmann::json& summary, const std::string& origin,
                              const std::vector<std::string>& metrics)>
        result_from_summary;
    // The kind's diagrams in the report (sweep_report.hpp), after the table; notes say what was skipped.
    std::function<void(const std::vector<PointRow>& rows, SweepReport& rep, const std::string& report_dir,
                       bool figures)>
        report;
};

// The kind named `name` (ConfigError naming `key` and listing the kinds otherwise).
const PointKindEntry& point_kind(const std::string& name, const std::string& key = "sweep.kind");
// The kind of a parsed sweep file: its [sweep] kind, or the first kind claiming its top-level tables.
const PointKindEntry& point_kind_of(const toml::table& doc);
inline constexpr const char* kDefaultPointKind = "linear";

}  // namespace depthbias
