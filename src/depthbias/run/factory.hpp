// Builds the Task and Model a RunConfig names (the only place that maps config strings to classes).
#pragma once
#include <memory>

#include "depthbias/models/model.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/tasks/task.hpp"

namespace depthbias {

std::unique_ptr<Task> make_task(const RunConfig& cfg);
std::unique_ptr<Model> make_model(const RunConfig& cfg, const Task& task);

}  // namespace depthbias
