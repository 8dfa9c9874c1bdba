// Recorder: the time series of a run at the times of a RecordSchedule (bounded memory).
// Columns: step, time, loss, reconstruction error ||beta-beta*||_F^2/||beta*||_F^2, test error (fresh samples),
// invariant drift (balancedness; NaN when the model has none), offset, then the top-k spectrum s1..sk.
#pragma once
#include <string>
#include <vector>

#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/trajectory.hpp"
#include "depthbias/observe/schedule.hpp"

namespace depthbias {

struct RecordRow {
    long step;
    double time, loss, reconstruction, test_error, invariant_drift, offset;
    std::vector<double> spectrum;
};

class Recorder {
public:
    Recorder(const Objective& objective, RecordSchedule schedule, Index top_k, Vec theta0);
    void observe(const StepView& v);
    const std::vector<RecordRow>& rows() const { return rows_; }
    Index top_k() const { return top_k_; }
    void write_csv(const std::string& path) const;
    double max_invariant_drift() const { return max_drift_; }

private:
    const Objective& obj_;
    RecordSchedule schedule_;
    Index top_k_;
    Vec theta0_;
    double next_due_ = 0.0;
    double max_drift_ = 0.0;
    std::vector<RecordRow> rows_;
};

}  // namespace depthbias
