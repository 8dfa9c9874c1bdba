// error_key(f): the key named by the ConfigError that f throws, or "" when f throws none (tests of messages that
// must name the offending key).
#pragma once
#include <string>

#include "depthbias/core/error.hpp"

namespace depthbias::testing {

template <class F>
std::string error_key(F&& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.key();
    }
    return "";
}

}  // namespace depthbias::testing
