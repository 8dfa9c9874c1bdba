// Config keys that a component declares in its own file (e.g. dynamics.momentum of heavy-ball GD), instead of in
// the section's fixed parameter struct: ExtraKey describes one (dotted key, default, doc, the component that
// owns it), ExtraParams holds the values a config set. Extension keys are registered in Registry<ExtraKey> by
// their owner's registration; the config schema (run/config.cpp) parses, validates, documents and writes them:
// they appear in the resolved TOML only when their owner is the selected component, and setting one for another
// component is a ConfigError naming the key.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "depthbias/core/registry.hpp"

namespace depthbias {

using ParamValue = std::variant<double, std::int64_t, bool, std::string, std::vector<double>>;

struct ExtraKey {
    std::string name;        // dotted key, "dynamics.momentum"
    std::string doc;
    ParamValue default_value;
    std::string owner_key{};   // the selector key, "dynamics.kind"
    std::string owner_name{};  // the component that reads it, "momentum"
};

// The values set for extension keys (unset keys read their registered default).
class ExtraParams {
public:
    void set(const std::string& key, ParamValue v) { values_[key] = std::move(v); }
    bool has(const std::string& key) const { return values_.count(key) != 0; }
    const std::map<std::string, ParamValue>& values() const { return values_; }

    // The value of `key` (registered in Registry<ExtraKey>), or its default. T must be the default's type.
    template <class T>
    T get(const std::string& key) const {
        const auto it = values_.find(key);
        if (it != values_.end()) return std::get<T>(it->second);
        const ExtraKey* k = Registry<ExtraKey>::instance().find(key);
        if (!k) throw std::logic_error("extension key '" + key + "' is not registered");
        return std::get<T>(k->default_value);
    }

    bool operator==(const ExtraParams&) const = default;

private:
    std::map<std::string, ParamValue> values_;
};

// Registers a component's extension keys (each with owner_key / owner_name filled in).
inline void register_extra_keys(const std::string& owner_key, const std::string& owner_name,
                                std::vector<ExtraKey> keys) {
    for (auto& k : keys) {
        k.owner_key = owner_key;
        k.owner_name = owner_name;
        Registry<ExtraKey>::instance().add(std::move(k));
    }
}

}  // namespace depthbias
