#include "depthbias/run/experiment_kind.hpp"

#include "depthbias/core/error.hpp"

namespace depthbias {

const ExperimentKindEntry* experiment_kind_of(const Preset& p) {
    for (const auto& k : ExperimentKindRegistry::instance().entries())
        if (k.owns(p)) return &k;
    return nullptr;
}

std::vector<std::pair<Preset, const ExperimentKindEntry*>> reproducible_presets() {
    std::vector<std::pair<Preset, const ExperimentKindEntry*>> out;
    for (const auto& p : presets())
        if (const auto* k = experiment_kind_of(p)) out.emplace_back(p, k);
    for (const auto& k : ExperimentKindRegistry::instance().entries())
        if (k.external)
            for (auto& p : k.external())
                if (k.owns(p)) out.emplace_back(std::move(p), &k);
    return out;
}

int reproduce_preset(const ReproduceRequest& r) {
    const auto all = reproducible_presets();
    for (const auto& [p, kind] : all)
        if (p.name == r.name) return kind->reproduce(p, r);
    std::string names;
    for (const auto& [p, kind] : all) names += (names.empty() ? "" : ", ") + p.name;
    throw ConfigError("NAME", "no preset '" + r.name + "' (available: " + names + ")");
}

}  // namespace depthbias
