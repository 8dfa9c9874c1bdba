// Optional capability of a Task: the test errors of many predictors at once, through one matrix product. A
// recorder evaluates the test error at every record; kernel-rich's 2000 x 1000 test set is then read once per run
// instead of once per record (issue 10: ~40 records, 3 ms against 8-10 ms per run, measured with Eigen).
// Contract: test_errors(betas, out) sets out(j) to the task's test_error of the predictor with beta = betas.col(j)
// (a single-column predictor, offset 0), equal to Task::test_error up to the summation order of the product
// (~1e-16 relative; test Observers.BatchedTestErrorsEqualOneByOne); it returns false, leaving out untouched, when
// the task has no batched form for its data (e.g. user data without a test set). Zero columns are allowed (a
// probe). Thread safety: as Task::test_error (const, no shared mutable state).
#pragma once
#include "depthbias/core/types.hpp"

namespace depthbias {

class BatchedTestError {
public:
    virtual ~BatchedTestError() = default;
    virtual bool test_errors(const Mat& betas, Vec& out) const = 0;
};

}  // namespace depthbias
