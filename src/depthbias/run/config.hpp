// RunConfig: one run, read from TOML (toml++) with every key validated against a schema. One parameter struct
// per component kind (the sections [run] [task] [model] [dynamics] [observe] [analysis]) plus the values of
// extension keys that components declare in their own files (core/extra_params.hpp). Keys are documented in
// docs/CONFIG.md, generated from the same table and the registries (`depthbias run --help-keys`). Unknown keys,
// wrong types and non-finite numbers are errors that name the key.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "depthbias/core/extra_params.hpp"
#include "depthbias/core/types.hpp"
#include "depthbias/dynamics/dynamics_params.hpp"
#include "depthbias/models/model_params.hpp"
#include "depthbias/observe/observe_params.hpp"
#include "depthbias/tasks/task_params.hpp"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace depthbias {

struct RunSection {
    std::string name = "run";
    std::int64_t seed = 0;
};

struct RunConfig {
    RunSection run;
    TaskParams task;
    ModelParams model;
    DynamicsParams dynamics;
    ObserveParams observe;
    AnalysisParams analysis;
    ExtraParams extra;  // extension keys, by dotted key
};

// Parse a TOML document (already read) into `cfg`, starting from cfg's current values. `origin` names the
// source in messages. Keys under sections other than the config sections are rejected unless listed in
// `ignored_tables` (e.g. "experiment", "variant").
void apply_toml(RunConfig& cfg, const toml::table& doc, const std::vector<std::string>& ignored_tables = {});
// Apply one "section.key=value" override; the value is TOML ("4", "1e-3", "\"float32\"", "[1, 2]"),
// or a bare word for string keys.
void apply_override(RunConfig& cfg, const std::string& assignment);
// Check ranges, the registries (every kind is registered, the model fits the task, the dynamics accepts both)
// and each selected component's own rules; throws ConfigError naming the key.
void validate(const RunConfig& cfg);
// The resolved config as TOML text (every key, defaults included; extension keys of the selected components).
std::string to_toml(const RunConfig& cfg);
// The keys whose value differs from the program's default, one "section.key = value" line each, sorted by key
// (extension keys of the selected components included). Adding a key with a default leaves it unchanged.
std::string non_default_toml(const RunConfig& cfg);
// One line per key: "section.key (type, default): description".
std::string describe_keys();
// docs/CONFIG.md's generated part: every section's keys and every registered component (tests keep the file
// equal to this).
std::string config_reference_markdown();

}  // namespace depthbias
