// Linear regression with a sparse planted vector (Woodworth et al. Fig. 1; gissin.md 3.5 for OMP):
// X: n x d with iid N(0,1) entries (optionally each column normalized to unit norm), beta* k-sparse on a random
// support with the values of `target` ("fixed") or Exponential(scale 10) + 1 draws ("exponential", gissin 3.5),
// y = X beta* + N(0, noise_std^2). Loss L = (1/n) sum (x_n^T beta - y_n)^2 (mse, no 1/2).
// Test error on fresh noiseless samples (mse / var y; also batched over many betas, tasks/batched_test_error.hpp); metrics: population error ||beta - beta*||^2 (the
// population error for isotropic x), l1 and l2 norms of beta, and mean_weighted_l1 = sum_i xbar_i^2 |beta_i|
// (xbar = the training inputs' column means; Nacson et al.'s stability bound, moroshko_woodworth.md 3.3).
// input_mean (task.input_mean) shifts every input entry: x ~ N(input_mean, 1) (non-centred data; then normalized
// when normalize_columns).
// On user data (task.data_file, tasks/data_file.hpp): X and y as given, no planted beta* (target zero, empty
// support), no test set; reconstruction, test and population errors are NaN.
// Generated data is memoized per (spec, seed) (core/memo.hpp, at most 4 data sets kept): an experiment's variants
// on one data set (kernel-rich's 4 flows and its analysis, fig1c's depths) share one immutable copy instead of
// drawing 2.1 M normals each; the draws are identical either way. Instances are not thread safe (gradient scratch);
// separate instances on the same data are.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "depthbias/tasks/batched_test_error.hpp"
#include "depthbias/tasks/task.hpp"

namespace depthbias {

struct SparseRegressionSpec {
    Index d = 1000;
    Index samples = 100;
    std::vector<double> target{0.4472135954999579, 0.4472135954999579, 0.4472135954999579, 0.4472135954999579,
                               0.4472135954999579};
    std::string target_law = "fixed";
    double noise_std = 0.1;
    bool normalize_columns = false;
    Index test_samples = 2000;
    double input_mean = 0;
};

class SparseRegression : public Task, public BatchedTestError {
public:
    SparseRegression(const SparseRegressionSpec& spec, std::uint64_t seed);
    SparseRegression(Mat x, Vec y);  // user data: n x d inputs, n labels
    std::string name() const override { return "sparse_regression"; }
    Index rows() const override { return x_.cols(); }
    Index cols() const override { return 1; }
    const Mat& target() const override { return target_; }
    SpectrumKind spectrum_kind() const override { return SpectrumKind::AbsCoordinates; }
    std::vector<double> target_spectrum() const override;
    double loss(const Predictor& p) const override;
    double loss_and_gradient(const Predictor& p, Predictor& g) const override;
    double test_error(const Predictor& p) const override;
    bool test_errors(const Mat& betas, Vec& out) const override;  // batched_test_error.hpp
    double reconstruction_error(const Predictor& p) const override;
    std::vector<std::string> metric_names() const override {
        return {"population_error", "l1_norm", "l2_norm", "mean_weighted_l1"};
    }
    std::vector<double> metrics(const Predictor& p) const override;

    const Mat& inputs() const { return x_; }
    const Vec& labels() const { return y_; }
    const std::vector<Index>& support() const { return support_; }

    struct Data {
        Mat x, target, test_x;
        Vec y, test_y, mean_sq;  // mean_sq: xbar_i^2
        std::vector<Index> support;
    };

private:
    std::shared_ptr<const Data> data_;  // (immutable, possibly shared with other instances)
    const Mat &x_ = data_->x, &target_ = data_->target, &test_x_ = data_->test_x;
    const Vec &y_ = data_->y, &test_y_ = data_->test_y, &mean_sq_ = data_->mean_sq;
    const std::vector<Index>& support_ = data_->support;
    mutable Vec r_;
    bool user_data_ = false;
};

std::unique_ptr<Task> make_sparse_regression(const SparseRegressionSpec& spec, std::uint64_t seed);

}  // namespace depthbias
