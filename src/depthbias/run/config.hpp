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
    std::string task = "sensing";  // sensing | completion | quadratic | toy | classification | regression
    std::int64_t d = 50;
    std::int64_t measurements = 1000;
    std::vector<double> target{12, 6, 4, 3};  // singular values / eigenvalues / toy target values
    std::string target_basis = "diagonal";
    std::string storage = "float64";
    std::string kernel = "fused";
    std::int64_t test_samples = 200;
    std::string loss = "exponential";     // classification: exponential | logistic
    std::string reduction = "mean";       // classification: mean | sum
    std::string target_domain = "time";   // classification: time | fourier
    double noise_std = 0.1;               // regression
    bool normalize_columns = false;       // regression
    std::vector<double> signed_inputs;    // classification: explicit rows x~_n = y_n x_n (flattened, d per row)
    std::string target_law = "fixed";     // regression: fixed | exponential
    // [model]
    std::string model = "deep_matrix";  // linear | deep_matrix | symmetric | diagonal | diagonal_power | diagonal_product
    std::int64_t depth = 4;
    std::string init = "gaussian";
    double init_scale = 1e-4;
    bool bias = false;
    std::vector<double> shape;  // diagonal networks: branch / factor multipliers (empty: all 1)
    // [dynamics]
    std::string dynamics = "gd";  // gd | flow | dual_flow
    double lr = 1e-3;
    std::int64_t max_steps = 100000;
    double max_time = 0;  // 0: no time budget
    double loss_threshold = 0.01;
    double rtol = 1e-8, atol = 1e-12;
    double divergence_factor = 1e6;
    double max_margin = 1e6;  // dual_flow: stop at this margin gamma
    // [observe]
    std::string schedule = "log";  // log | linear
    double points_per_decade = 60;
    double interval = 0.1;
    std::int64_t max_records = 4000;
    std::int64_t top_k = 5;
    std::int64_t event_every = 1;
    double activation_threshold = 0;  // record the order in which coordinates first exceed it (0: off)
    // [analysis]
    double epsilon = 0.05;
    std::string references;  // comma-separated reference solutions (observe/reference_distances.hpp)
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
