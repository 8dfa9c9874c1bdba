#include "depthbias/observe/reference_distances.hpp"

#include <cmath>
#include <sstream>

#include "depthbias/analysis/references/lp.hpp"
#include "depthbias/analysis/references/q_program.hpp"
#include "depthbias/analysis/references/svm.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/tasks/binary_classification.hpp"
#include "depthbias/tasks/sparse_regression.hpp"

namespace depthbias {

double direction_distance(const Vec& beta, const Vec& unit_reference) {
    const double n = beta.norm();
    if (!(n > 0)) return NAN;
    return (beta / n - unit_reference).norm();
}

std::vector<NamedReference> compute_references(const RunConfig& cfg, const Task& task) {
    std::vector<NamedReference> out;
    std::stringstream list(cfg.references);
    const auto* cls = dynamic_cast<const BinaryClassification*>(&task);
    const auto* reg = dynamic_cast<const SparseRegression*>(&task);
    for (std::string name; std::getline(list, name, ',');) {
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(' ') + 1);
        if (name.empty()) continue;
        Vec r;
        try {
            if (cls && name == "l1_max_margin")
                r = refs::l1_max_margin(cls->signed_inputs());
            else if (cls && name == "l2_max_margin")
                r = refs::l2_max_margin(cls->signed_inputs());
            else if (reg && name == "basis_pursuit")
                r = refs::basis_pursuit(reg->inputs(), reg->labels());
            else if (reg && name == "min_l2")
                r = refs::min_l2_interpolation(reg->inputs(), reg->labels());
            else if (reg && name == "q")
                r = refs::q_regression(reg->inputs(), reg->labels(), int(cfg.depth),
                                       std::pow(cfg.init_scale, 1.0 / double(cfg.depth)));
            else
                throw ConfigError("analysis.references",
                                  "'" + name + "' is not a reference for task.kind = '" + cfg.task +
                                      "' (classification: l1_max_margin, l2_max_margin; regression: basis_pursuit, "
                                      "min_l2, q)");
        } catch (const refs::NotSeparableError& e) {
            throw ConfigError("analysis.references", "'" + name + "' cannot be computed: " + e.what());
        } catch (const std::invalid_argument& e) {
            throw ConfigError("analysis.references", "'" + name + "': " + e.what());
        }
        out.push_back({name, r / r.norm(), r});
    }
    return out;
}

}  // namespace depthbias
