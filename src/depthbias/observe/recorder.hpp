// Recorder: the time series of a run at the times of a RecordSchedule (bounded memory).
// Columns: step, time, loss, log10 loss (exact even where the loss underflows, see dynamics/dual_flow.hpp), reconstruction error ||beta-beta*||_F^2/||beta*||_F^2, test error (fresh samples),
// invariant drift (balancedness; NaN when the model has none), offset, the top-k spectrum s1..sk, then the
// task's own metrics (Task::metric_names, e.g. correlation and margin for classification).
// Test errors of tasks with a batched form (tasks/batched_test_error.hpp) are computed in batches: the record keeps
// its beta, and the pending rows are completed by one matrix product when kTestErrorBatch of them have accumulated
// or before the rows are thinned (issue 10). Both depend only on the sequence of records, so the batch boundaries
// (and with them the summation order of the product, GEMV vs GEMM blocking) do too: a checkpoint stores the pending
// betas instead of completing them, and reads (rows(), write_csv) fill the pending rows' values from the current
// partial batch without ending it. A resumed run thus stores the same doubles as the uninterrupted one (test
// Resume.RegressionTestErrorsSurviveManyBudgetStops), and memory is bounded by kTestErrorBatch betas.
// Single-threaded, as before.
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

// Records per batched test-error product: large enough that the test set is read once per 32 records instead of
// once per record (kernel-rich: ~40 records, so one or two products per run), small enough to bound the pending
// betas (32 x d doubles) and the product's test_samples x 32 result.
inline constexpr size_t kTestErrorBatch = 32;

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
        fill_pending_test_errors();
        return rows_;
    }
    Index top_k() const { return top_k_; }
    void write_csv(const std::string& path) const;
    double max_invariant_drift() const { return max_drift_; }
    // Checkpoints: the rows so far, the (possibly coarsened) schedule, the next due time and the pending batch of
    // test errors (row indices and betas, exact).
    nlohmann::json save_state() const;
    void restore_state(const nlohmann::json& s);

private:
    void complete_test_errors();             // ends the pending batch: its rows' test errors (one product)
    void fill_pending_test_errors() const;   // the same values for a read, keeping the batch open

    const Objective& obj_;
    RecordSchedule schedule_;
    Index top_k_;
    Vec theta0_;
    double next_due_ = 0.0;
    double max_drift_ = 0.0;
    mutable std::vector<RecordRow> rows_;  // (mutable: a read fills the pending rows' test errors)
    const BatchedTestError* batched_ = nullptr;  // the task, when it has a batched test error for its data
    std::vector<size_t> pending_rows_;           // rows whose test error is still to compute, with their betas
    std::vector<Vec> pending_betas_;             // (at most kTestErrorBatch)
    std::vector<std::string> extra_names_;
    std::function<std::vector<double>(const Predictor&)> extra_;
};

}  // namespace depthbias
