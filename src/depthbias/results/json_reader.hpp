// JsonReader: reads the fields of a stored JSON document (summary.json, experiment.json) with errors that name the
// document and the field: IoError("<origin>: field 'runs[2].summary.final.loss' must be a number"). Readers of
// stored results go through it (results/run_summary.hpp, run/experiment_result.hpp) so that a malformed file is
// reported by the field at fault, never as a JSON type error. Paths are the caller's, in the dotted form above.
#pragma once
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "depthbias/core/error.hpp"

namespace depthbias {

struct JsonReader {
    const std::string& origin;

    [[noreturn]] void fail(const std::string& path, const std::string& what) const {
        throw IoError(origin + ": field '" + path + "' " + what);
    }
    // j[key] of an object, else "is missing".
    const nlohmann::json& at(const nlohmann::json& j, const std::string& key, const std::string& path) const {
        if (!j.is_object() || !j.contains(key)) fail(path, "is missing");
        return j.at(key);
    }
    double number(const nlohmann::json& j, const std::string& path) const {
        if (!j.is_number()) fail(path, "must be a number");
        return j.get<double>();
    }
    std::optional<double> number_or_null(const nlohmann::json& j, const std::string& path) const {
        if (j.is_null()) return std::nullopt;
        return number(j, path);
    }
    std::int64_t integer(const nlohmann::json& j, const std::string& path) const {
        if (!j.is_number_integer()) fail(path, "must be an integer");
        return j.get<std::int64_t>();
    }
    std::string string(const nlohmann::json& j, const std::string& path) const {
        if (!j.is_string()) fail(path, "must be a string");
        return j.get<std::string>();
    }
    bool boolean(const nlohmann::json& j, const std::string& path) const {
        if (!j.is_boolean()) fail(path, "must be true or false");
        return j.get<bool>();
    }
    const nlohmann::json& array(const nlohmann::json& j, const std::string& path) const {
        if (!j.is_array()) fail(path, "must be an array");
        return j;
    }
    const nlohmann::json& object(const nlohmann::json& j, const std::string& path) const {
        if (!j.is_object()) fail(path, "must be an object");
        return j;
    }
    std::vector<double> numbers(const nlohmann::json& j, const std::string& path) const {  // null entries: NaN
        std::vector<double> v;
        for (const auto& e : array(j, path)) v.push_back(e.is_null() ? NAN : number(e, path + "[]"));
        return v;
    }
    std::vector<int> integers(const nlohmann::json& j, const std::string& path) const {
        std::vector<int> v;
        for (const auto& e : array(j, path)) v.push_back(int(integer(e, path + "[]")));
        return v;
    }
    std::vector<std::string> strings(const nlohmann::json& j, const std::string& path) const {
        std::vector<std::string> v;
        for (const auto& e : array(j, path)) v.push_back(string(e, path + "[]"));
        return v;
    }
};

}  // namespace depthbias
