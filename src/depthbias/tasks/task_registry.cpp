#include "depthbias/tasks/task_registry.hpp"

#include "depthbias/core/error.hpp"

namespace depthbias {

const char* to_string(PredictorShape s) {
    return s == PredictorShape::Vector ? "vector" : s == PredictorShape::Matrix ? "matrix" : "samples";
}

std::unique_ptr<Task> build_task(const TaskParams& p, const ExtraParams& extra, std::uint64_t seed) {
    const TaskEntry& e = TaskRegistry::instance().get("task.kind", p.kind);
    if (e.validate) e.validate(p, extra);
    return e.build(p, extra, seed);
}

void require_positive_target(const TaskParams& p) {
    for (double v : p.target)
        if (!(v > 0)) throw ConfigError("task.target", "entries must be > 0, got " + std::to_string(v));
}

void require_target_fits_d(const TaskParams& p) {
    if (std::int64_t(p.target.size()) > p.d)
        throw ConfigError("task.target", "has more values than task.d = " + std::to_string(p.d));
}

void require_target_basis(const TaskParams& p) {
    if (p.target_basis != "diagonal" && p.target_basis != "random")
        throw ConfigError("task.target_basis", "'" + p.target_basis + "' is not one of: diagonal, random");
}

void require_planted_matrix_target(const TaskParams& p) {
    require_positive_target(p);
    require_target_fits_d(p);
    require_target_basis(p);
}

}  // namespace depthbias
