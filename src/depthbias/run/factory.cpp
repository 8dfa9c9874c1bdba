#include "depthbias/run/factory.hpp"

#include "depthbias/models/model_registry.hpp"
#include "depthbias/tasks/task_registry.hpp"

namespace depthbias {

std::unique_ptr<Task> make_task(const RunConfig& c) { return build_task(c.task, c.extra, std::uint64_t(c.run.seed)); }

std::unique_ptr<Model> make_model(const RunConfig& c, const Task& task) { return build_model(c.model, c.extra, task); }

std::unique_ptr<Dynamics> make_dynamics(const RunConfig& c) {
    return DynamicsRegistry::instance().get("dynamics.kind", c.dynamics.kind).build(c.dynamics, c.extra);
}

}  // namespace depthbias
