// Binary classification of Gaussian inputs by a planted direction (gissin.md 3.3, 3.4; moroshko_woodworth.md 2):
// x_n ~ N(0, I_d), s_n = sign(<x_n, w*>) in {-1, +1}, predictor f(x) = <x, beta> (beta: d x 1).
// target_domain "time": w* = target padded with zeros, normalized to unit norm (Fig. 1c: (8, 4, 2, 1)).
// target_domain "fourier": rfft bin k of w* = target[k] (real), w* = irfft (length d), normalized (Fig. 1d).
// Loss per sample: exponential exp(-s f) or logistic log(1 + exp(-s f)); reduction "mean" (the authors' Keras
// scripts) or "sum" (Moroshko et al.: L(0) = n).
// Metrics: correlation <w*, beta/||beta||>, min margin min_n s_n f(x_n), normalized margin (min margin / ||beta||),
// train accuracy, test accuracy (fresh samples). Reconstruction error = ||beta/||beta|| - w*||^2 (direction).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "depthbias/tasks/task.hpp"

namespace depthbias {

struct ClassificationSpec {
    Index d = 100;
    Index samples = 200;
    std::vector<double> target{8, 4, 2, 1};
    std::string target_domain = "time";
    std::string loss = "exponential";
    std::string reduction = "mean";
    Index test_samples = 2000;
};

class BinaryClassification : public Task {
public:
    BinaryClassification(const ClassificationSpec& spec, std::uint64_t seed);
    // A task on given data: rows of `signed_inputs` are x~_n = s_n x_n (no test set).
    BinaryClassification(Mat signed_inputs, std::string loss, std::string reduction);

    std::string name() const override { return "classification"; }
    Index rows() const override { return xt_.cols(); }
    Index cols() const override { return 1; }
    const Mat& target() const override { return target_; }
    SpectrumKind spectrum_kind() const override { return kind_; }
    std::vector<double> target_spectrum() const override { return {}; }
    double loss(const Predictor& p) const override;
    double loss_and_gradient(const Predictor& p, Predictor& g) const override;
    double reconstruction_error(const Predictor& p) const override;
    double test_error(const Predictor& p) const override;
    std::vector<std::string> metric_names() const override;
    std::vector<double> metrics(const Predictor& p) const override;

    const Mat& signed_inputs() const { return xt_; }  // n x d, rows s_n x_n
    bool exponential() const { return exponential_; }
    bool summed() const { return summed_; }

private:
    Mat xt_;  // n x d
    Mat target_;
    Mat test_xt_;
    SpectrumKind kind_ = SpectrumKind::AbsCoordinates;
    bool exponential_ = true, summed_ = false;
    mutable Vec margins_, weights_;
    mutable Vec test_margins_, last_test_beta_;  // test_error scratch and its last (beta, answer)
    mutable double last_test_error_ = 0;
};

std::unique_ptr<Task> make_classification(const ClassificationSpec& spec, std::uint64_t seed);

}  // namespace depthbias
