// Dynamics: the interface every training dynamics implements, and its registration.
//
// run(objective, theta, stop, on_step) integrates from theta (overwritten with the final state) under the shared
// StopRules, delivering every reported state to on_step (the run's observers; one may answer StepAction::Stop),
// the last one with final = true, and returns the Outcome. Time is flow time (GD iterate k at t = k lr).
// A dynamics that works on the predictor itself or needs a particular task (the dual flow) finds them through
// objective.task() / objective.model() and says so in its registration's validate hook.
// One instance per run; not shared between threads.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "depthbias/core/extra_params.hpp"
#include "depthbias/core/registry.hpp"
#include "depthbias/dynamics/dynamics_params.hpp"
#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/stop_rules.hpp"
#include "depthbias/models/model_params.hpp"
#include "depthbias/tasks/task_params.hpp"

namespace depthbias {

struct NamedReference;

// What a dynamics may add to its run directory and summary after the run (see write_outputs).
struct DynamicsReport {
    const std::string& dir;
    const std::vector<NamedReference>& references;
    RunSummary& summary;
    bool diverged;
};

class Dynamics {
public:
    virtual ~Dynamics() = default;
    virtual Outcome run(Objective& objective, Vec& theta, const StopRules& stop, const StepCallback& on_step) = 0;
    // Earliest time worth recording on a log schedule (GD: its first iterate, t = lr).
    virtual double first_record_time() const { return 1e-3; }
    // The final predictor when it is not objective.predictor() (a dynamics that integrates other variables).
    virtual std::optional<Predictor> final_predictor() const { return std::nullopt; }
    // Files and summary entries of the dynamics' own (e.g. the dual flow's exact margin checkpoints).
    virtual void write_outputs(const DynamicsReport& /*report*/) const {}

    // Checkpoints (run/run_checkpoint.hpp). A resumable dynamics can continue a run from a saved state:
    // save_state(), called from inside on_step while step k is being reported, returns what (besides theta_k,
    // which the executor saves) continues the run at step k; restore_state(), called before run() with that
    // theta_k, makes run() continue there and report the same states as the uninterrupted run, bit for bit.
    // Adaptive integrators are not resumable (their controller state); their runs restart from the beginning.
    virtual bool resumable() const { return false; }
    virtual nlohmann::json save_state() const { return nullptr; }
    virtual void restore_state(const nlohmann::json& /*state*/) {}
};

struct DynamicsEntry {
    std::string name;
    std::string doc;
    std::vector<std::string> uses;  // [dynamics] keys read besides dynamics.kind and the stop rules
    // Optional: kind-specific rules, given the task and model it would run on; throws ConfigError naming the key.
    std::function<void(const DynamicsParams&, const TaskParams&, const ModelParams&, const ExtraParams&)> validate;
    std::function<std::unique_ptr<Dynamics>(const DynamicsParams&, const ExtraParams&)> build;
    // Figures: a discrete dynamics is drawn against its step ("epoch (GD step)"), a flow against time ("").
    std::string step_axis_label = "";
};

using DynamicsRegistry = Registry<DynamicsEntry>;

// The stop rules of the [dynamics] section (max_time 0 = none).
StopRules stop_rules_of(const DynamicsParams& p);

}  // namespace depthbias
