#include "depthbias/sweep/point_kind.hpp"

#include <toml++/toml.h>

#include "depthbias/core/error.hpp"

namespace depthbias {

const PointKindEntry& point_kind(const std::string& name, const std::string& key) {
    return Registry<PointKindEntry>::instance().get(key, name);
}

const PointKindEntry& point_kind_of(const toml::table& doc) {
    if (auto sw = doc["sweep"].as_table(); sw && sw->contains("kind")) {
        auto k = (*sw)["kind"].as_string();
        if (!k)
            throw ConfigError("sweep.kind", "expected a string (one of: " +
                                                Registry<PointKindEntry>::instance().names_joined(", ") + ")");
        return point_kind(k->get());
    }
    std::vector<std::string> tables;
    for (const auto& [k, node] : doc)
        if (node.is_table() && k.str() != "sweep" && k.str() != "experiment") tables.emplace_back(k.str());
    for (const auto& e : Registry<PointKindEntry>::instance().entries())
        if (e.claims && e.claims(tables)) return e;
    return point_kind(kDefaultPointKind);
}

}  // namespace depthbias
