// Registry<Entry>: the named components of one kind (tasks, models, dynamics, observers, references), each
// registered beside its class by a static `Registrar<Entry>` object. Entry is a plain struct with at least
// `std::string name` and `std::string doc`. Everything that lists or selects components (allowed-value lists,
// `--help-keys`, docs/CONFIG.md, error messages, factories) reads the registry; nothing else names them.
//
// Contract: registration happens during static initialization (before main), so lookups afterwards are
// read-only and thread-safe. The engine archive is linked whole (CMakeLists.txt) so no registrar is dropped.
// Entries are kept sorted by name, so listings do not depend on link order.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "depthbias/core/error.hpp"

namespace depthbias {

template <class Entry>
class Registry {
public:
    static Registry& instance() {
        static Registry r;
        return r;
    }

    void add(Entry e) {
        const auto at = std::lower_bound(entries_.begin(), entries_.end(), e.name,
                                         [](const Entry& a, const std::string& n) { return a.name < n; });
        if (at != entries_.end() && at->name == e.name)
            throw std::logic_error("two components registered as '" + e.name + "'");
        entries_.insert(at, std::move(e));
    }

    const Entry* find(const std::string& name) const {
        for (const auto& e : entries_)
            if (e.name == name) return &e;
        return nullptr;
    }

    // The entry called `name`, or a ConfigError naming `key` and listing every registered name.
    const Entry& get(const std::string& key, const std::string& name) const {
        if (const Entry* e = find(name)) return *e;
        throw ConfigError(key, "'" + name + "' is not one of: " + names_joined(", "));
    }

    std::vector<std::string> names() const {
        std::vector<std::string> n;
        for (const auto& e : entries_) n.push_back(e.name);
        return n;
    }

    std::string names_joined(const std::string& sep = " | ") const {
        std::string s;
        for (const auto& e : entries_) s += (s.empty() ? "" : sep) + e.name;
        return s;
    }

    const std::vector<Entry>& entries() const { return entries_; }

private:
    std::vector<Entry> entries_;
};

// `static const Registrar<TaskEntry> reg{{...}};` in the component's .cpp file.
template <class Entry>
struct Registrar {
    explicit Registrar(Entry e) { Registry<Entry>::instance().add(std::move(e)); }
};

}  // namespace depthbias
