#include "depthbias/analysis/references/reference_distances.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "depthbias/analysis/references/errors.hpp"
#include "depthbias/analysis/references/reference_registry.hpp"
#include "depthbias/core/error.hpp"

namespace depthbias {

double direction_distance(const Eigen::Ref<const Vec>& beta, const Vec& unit_reference) {
    const double n = beta.norm();
    if (!(n > 0)) return NAN;
    return (beta / n - unit_reference).norm();
}

std::vector<NamedReference> compute_references(const std::string& names, const Task& task, const ModelParams& model,
                                               const ExtraParams& extra) {
    std::vector<NamedReference> out;
    std::stringstream list(names);
    const auto& registry = ReferenceRegistry::instance();
    for (std::string name; std::getline(list, name, ',');) {
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(' ') + 1);
        if (name.empty()) continue;
        const ReferenceEntry& entry = registry.get("analysis.references", name);
        std::optional<ReferenceSolution> r;
        try {
            r = entry.compute(task, model, extra);
        } catch (const refs::NotSeparableError& e) {
            throw ConfigError("analysis.references", "'" + name + "' cannot be computed: " + e.what());
        } catch (const std::invalid_argument& e) {
            throw ConfigError("analysis.references", "'" + name + "': " + e.what());
        } catch (const std::runtime_error& e) {  // a solver that fails on this data (out of double range, ...)
            throw ConfigError("analysis.references", "'" + name + "' cannot be computed on this data: " + e.what());
        }
        if (!r) {
            std::string fits;
            for (const auto& e : registry.entries()) {
                bool applies = false;
                try {
                    applies = e.compute(task, model, extra).has_value();
                } catch (const std::exception&) {
                    applies = true;  // it applies to this task; it failed on the data
                }
                if (applies) fits += (fits.empty() ? "" : ", ") + e.name;
            }
            throw ConfigError("analysis.references", "'" + name + "' is not a reference for task '" + task.name() +
                                                         "' (this task has: " + (fits.empty() ? "none" : fits) + ")");
        }
        out.push_back({name, r->x / r->x.norm(), r->x, entry.same_scale, entry.function_space, r->diagnostics});
    }
    return out;
}

}  // namespace depthbias
