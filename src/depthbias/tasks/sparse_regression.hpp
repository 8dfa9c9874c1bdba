// Linear regression with a sparse planted vector (Woodworth et al. Fig. 1; gissin.md 3.5 for OMP):
// X: n x d with iid N(0,1) entries (optionally each column normalized to unit norm), beta* k-sparse on a random
// support with the values of `target` ("fixed") or Exponential(scale 10) + 1 draws ("exponential", gissin 3.5),
// y = X beta* + N(0, noise_std^2). Loss L = (1/n) sum (x_n^T beta - y_n)^2 (mse, no 1/2).
// Test error on fresh noiseless samples (mse / var y); metrics: population error ||beta - beta*||^2 (the
// population error for isotropic x), l1 and l2 norms of beta, and mean_weighted_l1 = sum_i xbar_i^2 |beta_i|
// (xbar = the training inputs' column means; Nacson et al.'s stability bound, moroshko_woodworth.md 3.3).
// input_mean (task.input_mean) shifts every input entry: x ~ N(input_mean, 1) (non-centred data; then normalized
// when normalize_columns).
// On user data (task.data_file, tasks/data_file.hpp): X and y as given, no planted beta* (target zero, empty
// support), no test set; reconstruction, test and population errors are NaN.
#pragma once
#include <memory>
#include <string>
#include <vector>

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

class SparseRegression : public Task {
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
    double reconstruction_error(const Predictor& p) const override;
    std::vector<std::string> metric_names() const override {
        return {"population_error", "l1_norm", "l2_norm", "mean_weighted_l1"};
    }
    std::vector<double> metrics(const Predictor& p) const override;

    const Mat& inputs() const { return x_; }
    const Vec& labels() const { return y_; }
    const std::vector<Index>& support() const { return support_; }

private:
    Mat x_, target_, test_x_;
    Vec y_, test_y_, mean_sq_;  // mean_sq_: xbar_i^2
    std::vector<Index> support_;
    mutable Vec r_;
    bool user_data_ = false;
};

std::unique_ptr<Task> make_sparse_regression(const SparseRegressionSpec& spec, std::uint64_t seed);

}  // namespace depthbias
