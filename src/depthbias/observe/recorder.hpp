// Recorder: the time series of a run at the times of a RecordSchedule (bounded memory).
// Columns: step, time, loss, log10 loss (exact even where the loss underflows, see dynamics/dual_flow.hpp), reconstruction error ||beta-beta*||_F^2/||beta*||_F^2, test error (fresh samples),
// invariant drift (balancedness; NaN when the model has none), offset, the top-k spectrum s1..sk, then the
// task's own metrics (Task::metric_names, e.g. correlation and margin for classification).
// Test errors of tasks with a batched form (tasks/batched_test_error.hpp) are computed lazily: the record keeps its
// beta and the pending rows are completed by one matrix product when the rows are read (rows(), write_csv,
// save_state) or thinned (issue 10). Single-threaded, as before.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/trajectory.hpp"
#include "depthbias/observe/schedule.hpp"
#include "depthbias/tasks/batched_test_error.hpp"

namespace depthbias {

// 1-based CSV columns of timeseries.csv (gnuplot "using" numbers).
inline constexpr int kColumnStep = 1, kColumnTime = 2, kColumnLoss = 3, kColumnLog10Loss = 4,
                     kColumnReconstruction = 5, kColumnTestError = 6, kColumnFirstSpectrum = 9;

struct RecordRow {
    long step;
    double time, loss, log10_loss, reconstruction, test_error, invariant_drift, offset;
    std::vector<double> spectrum;
    std::vector<double> metrics;
};

class Recorder {
public:
    Recorder(const Objective& objective, RecordSchedule schedule, Index top_k, Vec theta0);
    void observe(const StepView& v);
    // Extra columns computed from the predictor at every record (e.g. distances to references).
    void add_metrics(std::vector<std::string> names, std::function<std::vector<double>(const Predictor&)> fn) {
        extra_names_ = std::move(names);
        extra_ = std::move(fn);
    }
    const std::vector<RecordRow>& rows() const {
        complete_test_errors();
        return rows_;
    }
    Index top_k() const { return top_k_; }
    void write_csv(const std::string& path) const;
    double max_invariant_drift() const { return max_drift_; }
    // Checkpoints: the rows so far, the (possibly coarsened) schedule and the next due time.
    nlohmann::json save_state() const;
    void restore_state(const nlohmann::json& s);

private:
    void complete_test_errors() const;  // fills the pending rows' test errors (one product)

    const Objective& obj_;
    RecordSchedule schedule_;
    Index top_k_;
    Vec theta0_;
    double next_due_ = 0.0;
    double max_drift_ = 0.0;
    mutable std::vector<RecordRow> rows_;  // (mutable: pending test errors are completed on read)
    const BatchedTestError* batched_ = nullptr;  // the task, when it has a batched test error for its data
    mutable std::vector<size_t> pending_rows_;   // rows whose test error is still to compute, with their betas
    mutable std::vector<Vec> pending_betas_;
    std::vector<std::string> extra_names_;
    std::function<std::vector<double>(const Predictor&)> extra_;
};

}  // namespace depthbias
