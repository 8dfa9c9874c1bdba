// RunConfig: one run, read from TOML (toml++) with every key validated against a schema.
// Sections and keys are documented in docs/CONFIG.md (the same table drives parsing, the resolved-config
// output and `depthbias run --help-keys`). Unknown keys, wrong types and non-finite numbers are errors that
// name the key.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "depthbias/core/types.hpp"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace depthbias {

struct RunConfig {
    // [run]
    std::string name = "run";
    std::int64_t seed = 0;
    // [task]
    std::string task = "sensing";  // sensing | completion | quadratic | toy
    std::int64_t d = 50;
    std::int64_t measurements = 1000;
    std::vector<double> target{12, 6, 4, 3};  // singular values / eigenvalues / toy target values
    std::string target_basis = "diagonal";
    std::string storage = "float64";
    std::string kernel = "fused";
    std::int64_t test_samples = 200;
    // [model]
    std::string model = "deep_matrix";  // linear | deep_matrix | symmetric | toy_pm | toy_power | toy_product
    std::int64_t depth = 4;
    std::string init = "gaussian";
    double init_scale = 1e-4;
    bool bias = false;
    // [dynamics]
    std::string dynamics = "gd";  // gd | flow
    double lr = 1e-3;
    std::int64_t max_steps = 100000;
    double max_time = 0;  // 0: no time budget
    double loss_threshold = 0.01;
    double rtol = 1e-8, atol = 1e-12;
    double divergence_factor = 1e6;
    // [observe]
    std::string schedule = "log";  // log | linear
    double points_per_decade = 60;
    double interval = 0.1;
    std::int64_t max_records = 4000;
    std::int64_t top_k = 5;
    std::int64_t event_every = 1;
    // [analysis]
    double epsilon = 0.05;
};

// Parse a TOML document (already read) into `cfg`, starting from cfg's current values. `origin` names the
// source in messages. Keys under sections other than the config sections are rejected unless listed in
// `ignored_tables` (e.g. "experiment", "variant").
void apply_toml(RunConfig& cfg, const toml::table& doc, const std::vector<std::string>& ignored_tables = {});
// Apply one "section.key=value" override; the value is TOML ("4", "1e-3", "\"float32\"", "[1, 2]"),
// or a bare word for string keys.
void apply_override(RunConfig& cfg, const std::string& assignment);
// Check cross-field and range constraints; throws ConfigError naming the key.
void validate(const RunConfig& cfg);
// The resolved config as TOML text (every key, defaults included).
std::string to_toml(const RunConfig& cfg);
// One line per key: "section.key (type, default): description".
std::string describe_keys();

}  // namespace depthbias
