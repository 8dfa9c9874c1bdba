// TaskEntry: how a task registers itself (in its own .cpp, `static const Registrar<TaskEntry> reg{{...}}`):
// its name (the value of task.kind), a one-line doc, the shape of the predictor it trains (which models fit it),
// the [task] keys it reads (documentation: `--help-keys` says "used by"), its own extension keys, kind-specific
// validation, and how it is built from TaskParams and the run's seed (data: stream 1, test data: stream 3).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "depthbias/core/extra_params.hpp"
#include "depthbias/core/registry.hpp"
#include "depthbias/tasks/task.hpp"
#include "depthbias/tasks/task_params.hpp"

namespace depthbias {

// The predictor a task trains: a d x 1 vector (diagonal / convolutional models), a matrix, or the values of a
// function at the task's sample inputs (an M x 1 column: networks on scalar inputs, tasks/point_regression.hpp).
enum class PredictorShape { Vector, Matrix, Samples };
const char* to_string(PredictorShape s);

struct TaskEntry {
    std::string name;
    std::string doc;
    PredictorShape shape = PredictorShape::Matrix;
    std::vector<std::string> uses;  // [task] keys read besides task.kind ("task.d", ...)
    std::function<void(const TaskParams&, const ExtraParams&)> validate;  // optional; throws ConfigError
    std::function<std::unique_ptr<Task>(const TaskParams&, const ExtraParams&, std::uint64_t seed)> build;
    // How many doubles the task stores (data, test data, target), for the memory check before anything is
    // allocated (run/config.cpp). Optional: without it, (measurements + test_samples) x predictor size.
    std::function<double(const TaskParams&)> stored_numbers = {};
    // The predictor's number of entries when it is not task.d^2 (matrix) or task.d (vector): the toy's is the
    // number of targets.
    std::function<double(const TaskParams&)> predictor_numbers = {};
    // What its spectrum values are called on figure axes.
    std::string spectrum_label = "singular value";
};

using TaskRegistry = Registry<TaskEntry>;

// The registered task named p.kind (ConfigError naming task.kind otherwise), validated and built.
std::unique_ptr<Task> build_task(const TaskParams& p, const ExtraParams& extra, std::uint64_t seed);

}  // namespace depthbias
