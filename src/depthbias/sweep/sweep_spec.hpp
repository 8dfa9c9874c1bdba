// A sweep: a point config plus a [sweep] table. The point config's schema is that of the sweep's point kind
// (point_kind.hpp): a run config (run/config.hpp, the default kind "linear") or a deep-net config
// (deepnets/deep_config.hpp, kind "deepnets"), parsed by the kind's own code.
//   [sweep]
//   kind    = "deepnets"     (optional: otherwise the kind whose sections the file uses; point_kind.hpp)
//   name    = "depth_init"                                   (default: run.name)
//   grid    = { "model.depth" = [2, 3], "model.init_scale" = [1e-4, 1e-2] }   cartesian product
//   zip     = { "task.d" = [10, 20], "task.measurements" = [150, 600] }       advanced together (equal lengths)
//   seeds   = 3            (run.seed = base seed + 0, 1, 2) or an explicit list [0, 7, 9]
//   metrics = ["final.max_invariant_drift"]                  extra summary.json paths to store
//   figures = false        per-point gnuplot figures (off: a sweep's figures are its phase diagrams)
// Points, in order: grid combinations (keys in TOML key order, i.e. sorted; first key slowest) x zip index x
// seed. A point's identity is the hash of the keys it sets to non-default values (point_identity), so resuming
// is by hash, and a version that adds a key with a default keeps every existing point's identity.
// Every bad input is a ConfigError naming the key ("sweep.zip", "model.dept", ...).
#pragma once
#include <any>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "depthbias/run/config.hpp"
#include "depthbias/sweep/point_kind.hpp"

namespace depthbias {

struct SweepAxis {
    std::string key;                     // dotted config key, e.g. "model.depth"
    std::vector<std::string> literals;   // TOML literals, applied with apply_override
    std::vector<nlohmann::json> values;  // the same values as JSON (tables, CSV)
};

struct SweepSpec {
    std::string name;
    const PointKindEntry* kind = nullptr;  // never null after parse_sweep
    std::any base_config;                // the kind's config: file + --set overrides, before the swept keys
    RunConfig base;                      // the same, typed, when the kind's config is a RunConfig (linear)
    std::vector<SweepAxis> grid, zip;
    std::vector<std::int64_t> seeds;     // run.seed values (empty: the base seed only, no seed axis)
    std::vector<std::string> metrics;    // extra dotted paths into summary.json
    bool point_figures = false;
    std::string definition;              // sweep file text plus the --set overrides (stored with the sweep)
    std::vector<std::string> swept_keys() const;  // grid keys, zip keys, then "run.seed" when seeds are given
};

struct SweepPoint {
    std::int64_t index = 0;      // 0-based position in the expansion order
    std::string hash;            // point_identity(config)
    std::string label;           // "model.depth=3 model.init_scale=0.0001 run.seed=1"
    nlohmann::ordered_json params;  // swept key -> value, in swept_keys() order
    RunConfig config;            // validated (linear kind; a default RunConfig for other kinds)
    std::string toml;            // the kind's to_toml of the point's config
};

// Parses a sweep file. `overrides` are --set assignments applied to the base (a swept key cannot be set).
SweepSpec parse_sweep(const std::string& toml_text, const std::string& origin,
                      const std::vector<std::string>& overrides = {});
// Expands into points (each validated; duplicate points are a ConfigError naming the axis).
std::vector<SweepPoint> expand_sweep(const SweepSpec& spec);
// Number of points without building them.
std::int64_t sweep_size(const SweepSpec& spec);

// 64-bit FNV-1a of the text, as 16 lowercase hex digits.
std::string point_hash(const std::string& text);
// The identity of a point: point_hash(non_default_toml(config)), the canonical sorted "key = value" lines of
// the keys whose value differs from the program's default (run/config.hpp). Stable across versions that add
// keys with defaults. Version 1 (stores written before 2026-11-30) hashed the whole resolved TOML (to_toml);
// the store re-keys such stores when it opens them (sweep_store.hpp).
std::string point_identity(const RunConfig& config);
inline constexpr const char* kPointIdentityVersion = "2";
// Reads a resolved TOML (to_toml output or any run config) into a validated RunConfig.
RunConfig config_from_toml(const std::string& text, const std::string& origin);
// The same for any kind: the kind's validated config (std::any holding its struct).
std::any kind_config_from_toml(const PointKindEntry& kind, const std::string& text, const std::string& origin);

// The top-level summary.json keys a metrics path of a linear sweep may start with (PointKindEntry::summary_keys
// of the linear kind; other kinds list their own).
const std::vector<std::string>& summary_keys();

}  // namespace depthbias
