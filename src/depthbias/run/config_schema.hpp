// A TOML config schema: one table of fields ("section.name", member pointer, doc) drives reading a TOML document
// with errors that name the key (ConfigError), `--set key=value` overrides, the resolved TOML text and the
// `--help-keys` listing. Shared by run/config.cpp (RunConfig) and deepnets/deep_config.cpp (DeepConfig).
// Value rules: strings; integers (a float that is exactly an integer is accepted); finite numbers (integers
// accepted); booleans; arrays of finite numbers or of integers. A --set value that is not valid TOML is taken as
// a bare string for string keys and is an error naming the key otherwise.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>
#include <toml++/toml.h>
#include <type_traits>
#include <variant>
#include <vector>

#include "depthbias/core/error.hpp"
#include "depthbias/core/extra_params.hpp"

namespace depthbias::schema {

double finite_number(const toml::node& n, const std::string& key);  // integer or float, finite
std::int64_t integer(const toml::node& n, const std::string& key);  // integer, or a float equal to one
std::string toml_double(double v);      // toml++'s own spelling (run configs: sweep hashes depend on it)
std::string shortest_double(double v);  // the shortest decimal that reads back exactly, as a TOML float

// Validation helpers shared by the configs' validate(): each throws ConfigError naming the key.
void one_of(const std::string& key, const std::string& v, std::initializer_list<const char*> allowed);
void at_least(const std::string& key, std::int64_t v, std::int64_t lo);
void positive(const std::string& key, double v);

// A typed accessor into a config struct C: a member of C, or a member of one of C's section structs
// (RunConfig::model.depth). The member pointers are stored by value (type-erased bytes).
template <class C, class T>
struct Ref {
    using type = T;
    T& (*get)(C&, const Ref&) = nullptr;
    std::array<std::byte, 16> a{}, b{};
    T& operator()(C& c) const { return get(c, *this); }

    template <class P>
    static P load(const std::array<std::byte, 16>& bytes) {
        static_assert(sizeof(P) <= 16 && std::is_trivially_copyable_v<P>);
        P p;
        std::memcpy(&p, bytes.data(), sizeof p);
        return p;
    }
    template <class P>
    static std::array<std::byte, 16> store(P p) {
        static_assert(sizeof(P) <= 16 && std::is_trivially_copyable_v<P>);
        std::array<std::byte, 16> bytes{};
        std::memcpy(bytes.data(), &p, sizeof p);
        return bytes;
    }
};

template <class C>
struct Schema {
    using Member = std::variant<Ref<C, std::string>, Ref<C, std::int64_t>, Ref<C, double>, Ref<C, bool>,
                                Ref<C, std::vector<double>>, Ref<C, std::vector<std::int64_t>>,
                                Ref<C, std::vector<std::string>>>;
    struct Field {
        const char* key;  // "section.name"
        Member member;
        std::string doc;

        template <class T>
        Field(const char* k, T C::*m, std::string d) : key(k), doc(std::move(d)) {
            using R = Ref<C, T>;
            R r;
            r.get = [](C& c, const R& self) -> T& { return c.*(R::template load<T C::*>(self.a)); };
            r.a = R::store(m);
            member = r;
        }
        template <class S, class T>
        Field(const char* k, S C::*section, T S::*m, std::string d) : key(k), doc(std::move(d)) {
            using R = Ref<C, T>;
            R r;
            r.get = [](C& c, const R& self) -> T& {
                return (c.*(R::template load<S C::*>(self.a))).*(R::template load<T S::*>(self.b));
            };
            r.a = R::store(section);
            r.b = R::store(m);
            member = r;
        }
    };

    std::vector<Field> fields;
    std::string sections;                           // "run, task, ..." for messages
    std::string top_level_hint;                     // appended to "unknown key at top level; keys belong in ..."
    std::string (*format_double)(double) = toml_double;
    // Optional: where C keeps the values of extension keys (core/extra_params.hpp). With it, keys registered in
    // Registry<ExtraKey> are parsed, listed and written like the fixed fields; written only while their owner
    // component is the selected one.
    ExtraParams& (*extra_of)(C&) = nullptr;

    const ExtraKey* find_extra(const std::string& key) const {
        return extra_of ? Registry<ExtraKey>::instance().find(key) : nullptr;
    }
    // Whether extension key k's owner is the component selected in cfg (its owner_key field's value).
    bool extra_selected(const C& cfg, const ExtraKey& k) const {
        const Field* owner = find(k.owner_key);
        return owner && format_value(cfg, owner->member) == toml_string(k.owner_name);
    }
    static std::string toml_string(const std::string& v) {
        std::ostringstream s;
        s << toml::value<std::string>(v);
        return s.str();
    }
    static const char* extra_type_name(const ParamValue& v) {
        switch (v.index()) {
            case 0: return "number";
            case 1: return "integer";
            case 2: return "boolean";
            case 3: return "string";
            default: return "array of numbers";
        }
    }
    static ParamValue parse_extra(const ExtraKey& k, const toml::node& n) {
        const std::string& key = k.name;
        switch (k.default_value.index()) {
            case 0: return finite_number(n, key);
            case 1: return integer(n, key);
            case 2: {
                auto b = n.as_boolean();
                if (!b) throw ConfigError(key, "expected true or false");
                return b->get();
            }
            case 3: {
                auto str = n.as_string();
                if (!str) throw ConfigError(key, "expected a string");
                return str->get();
            }
            default: {
                auto arr = n.as_array();
                if (!arr) throw ConfigError(key, "expected an array of numbers");
                std::vector<double> v;
                for (const auto& e : *arr) v.push_back(finite_number(e, key));
                return v;
            }
        }
    }
    std::string format_extra(const ParamValue& v) const {
        std::ostringstream s;
        switch (v.index()) {
            case 0: s << format_double(std::get<double>(v)); break;
            case 1: s << std::get<std::int64_t>(v); break;
            case 2: s << (std::get<bool>(v) ? "true" : "false"); break;
            case 3: s << toml_string(std::get<std::string>(v)); break;
            default: {
                const auto& a = std::get<std::vector<double>>(v);
                s << "[";
                for (size_t i = 0; i < a.size(); ++i) s << (i ? ", " : "") << format_double(a[i]);
                s << "]";
            }
        }
        return s.str();
    }
    std::vector<const ExtraKey*> extras_in(const std::string& section) const {
        std::vector<const ExtraKey*> out;
        if (!extra_of) return out;
        for (const auto& k : Registry<ExtraKey>::instance().entries())
            if (k.name.rfind(section + ".", 0) == 0) out.push_back(&k);
        return out;
    }

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
        for (const ExtraKey* k : extras_in(section)) s += (s.empty() ? "" : ", ") + k->name.substr(section.size() + 1);
        return s;
    }

    static const char* type_name(const Member& m) {
        return std::visit(
            [](const auto& p) -> const char* {
                using T = typename std::remove_cvref_t<decltype(p)>::type;
                if constexpr (std::is_same_v<T, std::string>) return "string";
                if constexpr (std::is_same_v<T, std::int64_t>) return "integer";
                if constexpr (std::is_same_v<T, double>) return "number";
                if constexpr (std::is_same_v<T, bool>) return "boolean";
                if constexpr (std::is_same_v<T, std::vector<double>>) return "array of numbers";
                if constexpr (std::is_same_v<T, std::vector<std::string>>) return "array of strings";
                return "array of integers";
            },
            m);
    }

    static void set(C& cfg, const Field& f, const toml::node& n) {
        const std::string key = f.key;
        std::visit(
            [&](const auto& p) {
                using T = typename std::remove_cvref_t<decltype(p)>::type;
                T& slot = p(cfg);
                if constexpr (std::is_same_v<T, std::string>) {
                    auto s = n.as_string();
                    if (!s) throw ConfigError(key, "expected a string");
                    slot = s->get();
                } else if constexpr (std::is_same_v<T, std::int64_t>) {
                    slot = integer(n, key);
                } else if constexpr (std::is_same_v<T, double>) {
                    slot = finite_number(n, key);
                } else if constexpr (std::is_same_v<T, bool>) {
                    auto b = n.as_boolean();
                    if (!b) throw ConfigError(key, "expected true or false");
                    slot = b->get();
                } else {
                    using E = typename T::value_type;
                    constexpr bool ints = std::is_same_v<E, std::int64_t>;
                    constexpr bool strings = std::is_same_v<E, std::string>;
                    auto arr = n.as_array();
                    if (!arr)
                        throw ConfigError(key, strings ? "expected an array of strings"
                                               : ints  ? "expected an array of integers"
                                                       : "expected an array of numbers");
                    T v;
                    for (const auto& e : *arr) {
                        if constexpr (strings) {
                            auto str = e.as_string();
                            if (!str) throw ConfigError(key, "expected an array of strings");
                            v.push_back(str->get());
                        } else if constexpr (ints) {
                            v.push_back(integer(e, key));
                        } else {
                            v.push_back(finite_number(e, key));
                        }
                    }
                    slot = v;
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
            if (!f) {
                if (const ExtraKey* k = find_extra(key)) {
                    extra_of(cfg).set(key, parse_extra(*k, node));
                    continue;
                }
                throw ConfigError(key, "unknown key (allowed in [" + prefix + "]: " + allowed_in(prefix) + ")");
            }
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
        if (const ExtraKey* k = f ? nullptr : find_extra(key)) {
            toml::table t;
            try {
                t = toml::parse("v = " + value);
            } catch (const toml::parse_error&) {
                if (k->default_value.index() != 3)
                    throw ConfigError(key, "cannot parse '" + value + "' as " + extra_type_name(k->default_value));
                t = toml::table{{"v", value}};
            }
            extra_of(cfg).set(key, parse_extra(*k, *t.get("v")));
            return;
        }
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
            if (!std::holds_alternative<Ref<C, std::string>>(f->member))
                throw ConfigError(key, "cannot parse '" + value + "' as " + type_name(f->member));
            t = toml::table{{"v", value}};
        }
        set(cfg, *f, *t.get("v"));
    }

    std::string format_value(const C& cfg, const Member& m) const {
        std::ostringstream s;
        std::visit(
            [&](const auto& p) {
                using T = typename std::remove_cvref_t<decltype(p)>::type;
                const auto& v = p(const_cast<C&>(cfg));
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
                        else if constexpr (std::is_same_v<typename T::value_type, std::string>)
                            s << toml::value<std::string>(v[i]);
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
    // Extension keys follow their section's fixed keys, only while their owner is selected.
    std::string to_toml(const C& cfg) const {
        std::ostringstream out;
        std::string section;
        auto close_section = [&] {
            for (const ExtraKey* k : extras_in(section)) {
                if (!extra_selected(cfg, *k)) continue;
                const ExtraParams& e = extra_of(const_cast<C&>(cfg));
                const auto it = e.values().find(k->name);
                out << k->name.substr(section.size() + 1) << " = "
                    << format_extra(it != e.values().end() ? it->second : k->default_value) << "\n";
            }
        };
        for (const auto& f : fields) {
            const std::string key = f.key;
            const auto dot = key.find('.');
            const std::string sec = key.substr(0, dot);
            if (sec != section) {
                if (!section.empty()) close_section();
                out << (section.empty() ? "" : "\n") << "[" << sec << "]\n";
                section = sec;
            }
            out << key.substr(dot + 1) << " = " << format_value(cfg, f.member) << "\n";
        }
        if (!section.empty()) close_section();
        return out.str();
    }

    // "key = value" lines, sorted by key, of the keys set to something other than the program's default (C{}
    // for fixed keys, the registered default for extension keys of the selected components). A key added later
    // with a default leaves this text unchanged: it is the identity of a sweep point (sweep/sweep_spec.hpp).
    std::string non_default_toml(const C& cfg) const {
        const C defaults{};
        std::map<std::string, std::string> lines;
        for (const auto& f : fields) {
            const std::string v = format_value(cfg, f.member);
            if (v != format_value(defaults, f.member)) lines[f.key] = v;
        }
        if (extra_of) {
            const ExtraParams& e = extra_of(const_cast<C&>(cfg));
            for (const auto& k : Registry<ExtraKey>::instance().entries()) {
                if (!extra_selected(cfg, k)) continue;
                const auto it = e.values().find(k.name);
                if (it == e.values().end()) continue;
                const std::string v = format_extra(it->second);
                if (v != format_extra(k.default_value)) lines[k.name] = v;
            }
        }
        std::string out;
        for (const auto& [k, v] : lines) out += k + " = " + v + "\n";
        return out;
    }

    // "  key (type, default value): doc" per key, defaults from C{}.
    std::string describe_keys() const {
        const C defaults{};
        std::ostringstream out;
        for (const auto& f : fields)
            out << "  " << f.key << " (" << type_name(f.member) << ", default " << format_value(defaults, f.member)
                << "): " << f.doc << "\n";
        if (extra_of)
            for (const auto& k : Registry<ExtraKey>::instance().entries())
                out << "  " << k.name << " (" << extra_type_name(k.default_value) << ", default "
                    << format_extra(k.default_value) << "; " << k.owner_key << " = " << k.owner_name << " only): " << k.doc
                    << "\n";
        return out.str();
    }
};

}  // namespace depthbias::schema
