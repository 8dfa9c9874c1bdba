// When to record: log-spaced (points_per_decade in flow time, starting at t_min) or linear (every `interval`),
// in bounded memory: when a recorder reaches its capacity it drops every other row and the schedule doubles
// its spacing, so a run of any length keeps at most `capacity` rows spread over the whole run.
#pragma once
#include <cmath>
#include <string>

namespace depthbias {

struct RecordSchedule {
    bool log_spaced = true;
    double points_per_decade = 40;  // log mode
    double t_min = 1e-3;            // log mode: first time after t = 0
    double interval = 0.1;          // linear mode
    long capacity = 4000;

    // Given that a record was taken at time t, the next time one is due.
    double next_after(double t) const {
        if (!log_spaced) return t + interval;
        if (t < t_min) return t_min;
        return t * std::pow(10.0, 1.0 / points_per_decade);
    }
    void coarsen() {
        if (log_spaced)
            points_per_decade /= 2;
        else
            interval *= 2;
    }
};

}  // namespace depthbias
