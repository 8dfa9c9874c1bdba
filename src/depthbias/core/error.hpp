// Error types. ConfigError names the offending key; every user-facing failure is one of these.
#pragma once
#include <stdexcept>
#include <string>

namespace depthbias {

// Invalid user input: `key` is the dotted config key (e.g. "model.depth") or a CLI option.
class ConfigError : public std::runtime_error {
public:
    ConfigError(std::string key, const std::string& what)
        : std::runtime_error("invalid '" + key + "': " + what), key_(std::move(key)) {}
    const std::string& key() const { return key_; }

private:
    std::string key_;
};

// A failure to read or write files (names the path).
class IoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace depthbias
