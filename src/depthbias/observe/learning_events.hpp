// Learning events: the time t_i(alpha) at which spectrum component i first reaches alpha * target_i
// (gissin.md 2.2), for each alpha in `fractions`. Matrix tasks compare the i-th largest singular value with the
// i-th largest target singular value; the toy task compares coordinate i with target i.
// Checked every `every` steps (and at the final step); the crossing time is interpolated linearly between the
// last two checks, and the step is the first checked step at or above the level.
#pragma once
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/trajectory.hpp"

namespace depthbias {

struct LearningEvent {
    int component;   // 0-based
    double fraction; // alpha
    double time;     // interpolated crossing time
    long step;       // first checked step with s_i >= alpha * target_i
};

class LearningEventDetector {
public:
    LearningEventDetector(const Objective& objective, std::vector<double> fractions, long every);
    void observe(const StepView& v);
    const std::vector<LearningEvent>& events() const { return events_; }
    const std::vector<double>& targets() const { return targets_; }
    const std::vector<double>& fractions() const { return fractions_; }
    // Time of (component, fraction), or +infinity if it never happened.
    double time_of(int component, double fraction) const;
    void write_csv(const std::string& path) const;
    // Checkpoints: the events so far, which levels were crossed, and the last check.
    nlohmann::json save_state() const;
    void restore_state(const nlohmann::json& s);

private:
    const Objective& obj_;
    std::vector<double> fractions_, targets_;
    long every_;
    double prev_time_ = 0;
    std::vector<double> prev_;
    std::vector<std::vector<bool>> crossed_;
    std::vector<LearningEvent> events_;  // reserved for every (component, fraction): no allocation per step
    SpectrumWorkspace spectrum_;
};

}  // namespace depthbias
