// A TOML config schema: one table of fields ("section.name", member pointer, doc) drives reading a TOML document
// with errors that name the key (ConfigError), `--set key=value` overrides, the resolved TOML text and the
// `--help-keys` listing. Shared by run/config.cpp (RunConfig) and deepnets/deep_config.cpp (DeepConfig).
// Value rules: strings; integers (a float that is exactly an integer is accepted); finite numbers (integers
// accepted); booleans; arrays of finite numbers or of integers. A --set value that is not valid TOML is taken as
// a bare string for string keys and is an error naming the key otherwise.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <sstream>
#include <string>
#include <toml++/toml.h>
#include <type_traits>
#include <variant>
#include <vector>

#include "depthbias/core/error.hpp"

namespace depthbias::schema {

double finite_number(const toml::node& n, const std::string& key);  // integer or float, finite
std::int64_t integer(const toml::node& n, const std::string& key);  // integer, or a float equal to one
std::string toml_double(double v);      // toml++'s own spelling (run configs: sweep hashes depend on it)
std::string shortest_double(double v);  // the shortest decimal that reads back exactly, as a TOML float

// Validation helpers shared by the configs' validate(): each throws ConfigError naming the key.
void one_of(const std::string& key, const std::string& v, std::initializer_list<const char*> allowed);
void at_least(const std::string& key, std::int64_t v, std::int64_t lo);
void positive(const std::string& key, double v);

template <class C>
struct Schema {
    using Member = std::variant<std::string C::*, std::int64_t C::*, double C::*, bool C::*, std::vector<double> C::*,
                                std::vector<std::int64_t> C::*>;
    struct Field {
        const char* key;  // "section.name"
        Member member;
        const char* doc;
    };

    std::vector<Field> fields;
    std::string sections;                           // "run, task, ..." for messages
    std::string top_level_hint;                     // appended to "unknown key at top level; keys belong in ..."
    std::string (*format_double)(double) = toml_double;

    const Field* find(const std::string& key) const {
        for (const auto& f : fields)
            if (key == f.key) return &f;
        return nullptr;
    }

    // The keys of [section], comma-separated ("" when there is no such section).
    std::string allowed_in(const std::string& section) const {
        std::string s;
        for (const auto& f : fields) {
            const std::string k = f.key;
            if (k.rfind(section + ".", 0) == 0) {
                if (!s.empty()) s += ", ";
                s += k.substr(section.size() + 1);
            }
        }
        return s;
    }

    static const char* type_name(const Member& m) {
        return std::visit(
            [](auto p) -> const char* {
                using T = std::remove_cvref_t<decltype(std::declval<C>().*p)>;
                if constexpr (std::is_same_v<T, std::string>) return "string";
                if constexpr (std::is_same_v<T, std::int64_t>) return "integer";
                if constexpr (std::is_same_v<T, double>) return "number";
                if constexpr (std::is_same_v<T, bool>) return "boolean";
                if constexpr (std::is_same_v<T, std::vector<double>>) return "array of numbers";
                return "array of integers";
            },
            m);
    }

    static void set(C& cfg, const Field& f, const toml::node& n) {
        const std::string key = f.key;
        std::visit(
            [&](auto p) {
                using T = std::remove_cvref_t<decltype(cfg.*p)>;
                if constexpr (std::is_same_v<T, std::string>) {
                    auto s = n.as_string();
                    if (!s) throw ConfigError(key, "expected a string");
                    cfg.*p = s->get();
                } else if constexpr (std::is_same_v<T, std::int64_t>) {
                    cfg.*p = integer(n, key);
                } else if constexpr (std::is_same_v<T, double>) {
                    cfg.*p = finite_number(n, key);
                } else if constexpr (std::is_same_v<T, bool>) {
                    auto b = n.as_boolean();
                    if (!b) throw ConfigError(key, "expected true or false");
                    cfg.*p = b->get();
                } else {
                    using E = typename T::value_type;
                    constexpr bool ints = std::is_same_v<E, std::int64_t>;
                    auto arr = n.as_array();
                    if (!arr) throw ConfigError(key, ints ? "expected an array of integers" : "expected an array of numbers");
                    T v;
                    for (const auto& e : *arr) {
                        if constexpr (ints)
                            v.push_back(integer(e, key));
                        else
                            v.push_back(finite_number(e, key));
                    }
                    cfg.*p = v;
                }
            },
            f.member);
    }

    // Reads the sections of `t` (top level: prefix ""); top-level keys named in `ignored` (e.g. "experiment") are
    // skipped.
    void apply_table(C& cfg, const toml::table& t, const std::string& prefix,
                     const std::vector<std::string>& ignored) const {
        for (const auto& [k, node] : t) {
            const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
            if (prefix.empty()) {
                bool skip = false;
                for (const auto& ig : ignored) skip = skip || key == ig;
                if (skip) continue;
                if (!node.is_table() && !node.is_array_of_tables())
                    throw ConfigError(key, "unknown key at top level; keys belong in a section " + top_level_hint);
                if (!node.is_table() || allowed_in(key).empty())
                    throw ConfigError(key, "unknown section (allowed: " + sections + ")");
                apply_table(cfg, *node.as_table(), key, ignored);
                continue;
            }
            const Field* f = find(key);
            if (!f) throw ConfigError(key, "unknown key (allowed in [" + prefix + "]: " + allowed_in(prefix) + ")");
            set(cfg, *f, node);
        }
    }

    // `--set key=value`: value is TOML ("3", "1e-4", "[1, 2]", "true", "'x'"), or a bare string for string keys.
    void apply_override(C& cfg, const std::string& assignment) const {
        const auto eq = assignment.find('=');
        if (eq == std::string::npos || eq == 0)
            throw ConfigError("--set", "expected key=value, got '" + assignment + "'");
        const std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
        const Field* f = find(key);
        if (!f) {
            const auto dot = key.find('.');
            const std::string sec = dot == std::string::npos ? "" : key.substr(0, dot);
            const std::string allowed = allowed_in(sec);
            throw ConfigError(key, allowed.empty() ? "unknown key (sections: " + sections + ")"
                                                   : "unknown key (allowed in [" + sec + "]: " + allowed + ")");
        }
        toml::table t;
        try {
            t = toml::parse("v = " + value);
        } catch (const toml::parse_error&) {
            if (!std::holds_alternative<std::string C::*>(f->member))
                throw ConfigError(key, "cannot parse '" + value + "' as " + type_name(f->member));
            t = toml::table{{"v", value}};
        }
        set(cfg, *f, *t.get("v"));
    }

    std::string format_value(const C& cfg, const Member& m) const {
        std::ostringstream s;
        std::visit(
            [&](auto p) {
                using T = std::remove_cvref_t<decltype(cfg.*p)>;
                const auto& v = cfg.*p;
                if constexpr (std::is_same_v<T, std::string>) {
                    s << toml::value<std::string>(v);
                } else if constexpr (std::is_same_v<T, bool>) {
                    s << (v ? "true" : "false");
                } else if constexpr (std::is_same_v<T, double>) {
                    s << format_double(v);
                } else if constexpr (std::is_same_v<T, std::int64_t>) {
                    s << v;
                } else {
                    s << "[";
                    for (size_t i = 0; i < v.size(); ++i) {
                        if (i) s << ", ";
                        if constexpr (std::is_same_v<typename T::value_type, double>)
                            s << format_double(v[i]);
                        else
                            s << v[i];
                    }
                    s << "]";
                }
            },
            m);
        return s.str();
    }

    // Every key in table order, one [section] per run of keys.
    std::string to_toml(const C& cfg) const {
        std::ostringstream out;
        std::string section;
        for (const auto& f : fields) {
            const std::string key = f.key;
            const auto dot = key.find('.');
            const std::string sec = key.substr(0, dot);
            if (sec != section) {
                out << (section.empty() ? "" : "\n") << "[" << sec << "]\n";
                section = sec;
            }
            out << key.substr(dot + 1) << " = " << format_value(cfg, f.member) << "\n";
        }
        return out.str();
    }

    // "  key (type, default value): doc" per key, defaults from C{}.
    std::string describe_keys() const {
        const C defaults{};
        std::ostringstream out;
        for (const auto& f : fields)
            out << "  " << f.key << " (" << type_name(f.member) << ", default " << format_value(defaults, f.member)
                << "): " << f.doc << "\n";
        return out.str();
    }
};

}  // namespace depthbias::schema
