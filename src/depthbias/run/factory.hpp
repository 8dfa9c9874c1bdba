// Builds the Task, Model and Dynamics a RunConfig selects, through the registries (tasks/task_registry.hpp,
// models/model_registry.hpp, dynamics/dynamics.hpp). Data come from the run's seed (stream 1; test data 3).
#pragma once
#include <memory>

#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/models/model.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/tasks/task.hpp"

namespace depthbias {

std::unique_ptr<Task> make_task(const RunConfig& cfg);
std::unique_ptr<Model> make_model(const RunConfig& cfg, const Task& task);
std::unique_ptr<Dynamics> make_dynamics(const RunConfig& cfg);

}  // namespace depthbias
