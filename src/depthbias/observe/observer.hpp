// Observer: what watches a run. The run executor builds every registered observer that the config enables,
// hands each reported state to observe() (an observer may answer StepAction::Stop to end the run), and after
// the run calls finish(), where the observer writes its own files into the run directory and its own entries
// into summary.json. Observers must not allocate per step beyond what they record; one instance per run.
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "depthbias/core/extra_params.hpp"
#include "depthbias/core/registry.hpp"
#include "depthbias/models/model_params.hpp"
#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/trajectory.hpp"
#include "depthbias/observe/observe_params.hpp"
#include "depthbias/observe/schedule.hpp"
#include "depthbias/results/run_summary.hpp"
#include "depthbias/analysis/references/reference_distances.hpp"

namespace depthbias {

// What an observer is built from.
struct ObserverContext {
    const ObserveParams& observe;
    const AnalysisParams& analysis;
    const Objective& objective;
    const Vec& theta0;
    double first_record_time;                        // the dynamics' earliest interesting time (log schedules)
    const std::vector<NamedReference>& references;   // tracked references (analysis.references)
    const std::string& run_name;
    Model* model = nullptr;  // the run's model, for observers that evaluate it between steps (sharpness); every
                             // evaluation recomputes the model's scratch, so this does not change the run
    const ModelParams* model_params = nullptr;  // the run's model section (init law: smoothing_path)
    const ExtraParams* extra = nullptr;         // the run's extension keys (observers that declare their own)
};

// What an observer may write after the run. `finished`: the run did not diverge (a diverged run gets no
// analysis entries: it is not a result).
struct ObserverReport {
    const std::string& dir;
    RunSummary& summary;
    bool finished;
    bool figures;
};

class Observer {
public:
    virtual ~Observer() = default;
    virtual StepAction observe(const StepView& v) = 0;
    virtual void finish(const ObserverReport& /*report*/) {}

    // Checkpoints (run/run_checkpoint.hpp): a resumable observer's save_state() is called between steps (before
    // the step being reported is observed); restore_state() gives a fresh instance that state, after which it
    // observes the rest of the run as if it had seen every earlier step. A run whose observers are not all
    // resumable is not checkpointed.
    virtual bool resumable() const { return false; }
    virtual nlohmann::json save_state() const { return nullptr; }
    virtual void restore_state(const nlohmann::json& /*state*/) {}
};

struct ObserverEntry {
    std::string name;
    std::string doc;
    // The observer, or nullptr when the config does not enable it (e.g. observe.activation_threshold = 0).
    std::function<std::unique_ptr<Observer>(const ObserverContext&)> build;
};

using ObserverRegistry = Registry<ObserverEntry>;

// The run's recording schedule ([observe] schedule, points_per_decade, interval, max_records; the dynamics' first
// record time): the recorder's, and the one observers that compute only at recorded steps follow (they then
// allocate at recorded steps only).
inline RecordSchedule recording_schedule(const ObserverContext& c) {
    RecordSchedule s;
    s.log_spaced = c.observe.schedule == "log";
    s.points_per_decade = c.observe.points_per_decade;
    s.interval = c.observe.interval;
    s.capacity = c.observe.max_records;
    s.t_min = c.first_record_time;
    return s;
}

}  // namespace depthbias
