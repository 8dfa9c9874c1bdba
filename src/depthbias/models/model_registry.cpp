#include "depthbias/models/model_registry.hpp"

#include "depthbias/core/error.hpp"

namespace depthbias {

void validate_model(const ModelParams& p, const TaskParams& t, const ExtraParams& extra) {
    const ModelEntry& m = ModelRegistry::instance().get("model.kind", p.kind);
    const TaskEntry& task = TaskRegistry::instance().get("task.kind", t.kind);
    if (m.shape != task.shape) {
        std::string fits;
        for (const auto& e : TaskRegistry::instance().entries())
            if (e.shape == m.shape) fits += (fits.empty() ? "" : ", ") + e.name;
        throw ConfigError("model.kind", "'" + p.kind + "' (a " + to_string(m.shape) + " predictor) does not fit task.kind = '" +
                                            t.kind + "' (a " + to_string(task.shape) + " predictor); it fits: " + fits);
    }
    if (m.validate) m.validate(p, t, extra);
}

std::unique_ptr<Model> build_model(const ModelParams& p, const ExtraParams& extra, const Task& task) {
    return ModelRegistry::instance().get("model.kind", p.kind).build(p, extra, task);
}

}  // namespace depthbias
