#include "depthbias/run/config_schema.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace depthbias::schema {

double finite_number(const toml::node& n, const std::string& key) {
    double v;
    if (auto i = n.as_integer())
        v = double(i->get());
    else if (auto f = n.as_floating_point())
        v = f->get();
    else
        throw ConfigError(key, "expected a number");
    if (!std::isfinite(v)) throw ConfigError(key, "must be a finite number, got " + std::to_string(v));
    return v;
}

std::int64_t integer(const toml::node& n, const std::string& key) {
    if (auto i = n.as_integer()) return i->get();
    if (auto fl = n.as_floating_point()) {
        const double v = fl->get();
        if (!std::isfinite(v) || v != std::floor(v) || std::abs(v) > 9e15)
            throw ConfigError(key, "expected an integer, got " + std::to_string(v));
        return std::int64_t(v);
    }
    throw ConfigError(key, "expected an integer");
}

std::string toml_double(double v) {
    std::ostringstream s;
    s.precision(17);
    s << toml::value<double>(v);
    return s.str();
}

std::string shortest_double(double v) {
    char buf[40];
    for (int p = 1; p <= 17; ++p) {
        std::snprintf(buf, sizeof buf, "%.*g", p, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    std::string out = buf;
    if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
    return out;
}

void one_of(const std::string& key, const std::string& v, std::initializer_list<const char*> allowed) {
    std::string list;
    for (const char* a : allowed) {
        if (v == a) return;
        if (!list.empty()) list += ", ";
        list += a;
    }
    throw ConfigError(key, "'" + v + "' is not one of: " + list);
}

void at_least(const std::string& key, std::int64_t v, std::int64_t lo) {
    if (v < lo) throw ConfigError(key, "must be at least " + std::to_string(lo) + ", got " + std::to_string(v));
}

void positive(const std::string& key, double v) {
    if (!(v > 0)) throw ConfigError(key, "must be > 0, got " + std::to_string(v));
}

}  // namespace depthbias::schema
