// State for checkpoints (run/run_checkpoint.hpp): a component's state is a JSON object that round-trips
// exactly through CBOR. Numbers keep every bit (CBOR stores float64, NaN and infinities included); vectors are
// stored as raw little-endian bytes (JSON binary), so a restored Vec equals the saved one bit for bit.
// Reading validates kinds and sizes and throws IoError naming the field (a corrupt or foreign checkpoint).
#pragma once
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "depthbias/core/error.hpp"
#include "depthbias/core/types.hpp"

namespace depthbias::state {

using nlohmann::json;

template <class T>
json bytes_of(const T* data, size_t n) {
    std::vector<std::uint8_t> b(n * sizeof(T));
    if (n) std::memcpy(b.data(), data, b.size());
    return json::binary(std::move(b));
}

inline json of(const Vec& v) { return bytes_of(v.data(), size_t(v.size())); }
inline json of(const std::vector<double>& v) { return bytes_of(v.data(), v.size()); }

inline const json& field(const json& j, const char* key) {
    if (!j.is_object() || !j.contains(key)) throw IoError(std::string("checkpoint: missing field '") + key + "'");
    return j.at(key);
}

template <class T>
std::vector<T> vector_of(const json& j, const char* key) {
    const json& f = field(j, key);
    if (!f.is_binary() || f.get_binary().size() % sizeof(T) != 0)
        throw IoError(std::string("checkpoint: field '") + key + "' is not a vector");
    std::vector<T> v(f.get_binary().size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), f.get_binary().data(), f.get_binary().size());
    return v;
}

// A Vec field; `expected_size` >= 0 is checked.
inline Vec vec(const json& j, const char* key, Index expected_size = -1) {
    const auto v = vector_of<double>(j, key);
    if (expected_size >= 0 && Index(v.size()) != expected_size)
        throw IoError(std::string("checkpoint: field '") + key + "' has " + std::to_string(v.size()) +
                      " entries, expected " + std::to_string(expected_size));
    Vec out(Index(v.size()));
    if (!v.empty()) std::memcpy(out.data(), v.data(), v.size() * sizeof(double));
    return out;
}

inline double number(const json& j, const char* key) {
    const json& f = field(j, key);
    if (!f.is_number()) throw IoError(std::string("checkpoint: field '") + key + "' is not a number");
    return f.get<double>();
}

inline long integer(const json& j, const char* key) {
    const json& f = field(j, key);
    if (!f.is_number_integer()) throw IoError(std::string("checkpoint: field '") + key + "' is not an integer");
    return f.get<long>();
}

}  // namespace depthbias::state
