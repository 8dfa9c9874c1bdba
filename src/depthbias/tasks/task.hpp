// Task: data and a loss on the induced predictor (Predictor::beta, Predictor::offset).
//
// Contract: loss_and_gradient(p, g) returns L(p) and writes dL/dbeta into g.beta (same shape as p.beta,
// preallocated by the caller) and dL/doffset into g.offset. It must not allocate when g is preallocated.
// Measurement tasks use the Keras "mse" of the authors' scripts: L = (1/m) sum_i (pred_i - y_i)^2 (no 1/2).
// The toy task uses L = 1/2 ||beta - beta*||^2 (gissin.md section 1.2).
// Thread safety: a Task instance belongs to one run. Its const methods may use per-instance scratch buffers
// (`mutable`, to stay allocation-free), so a `const Task&` must not be shared between threads; runs that execute
// in parallel each build their own task (the registries' builders do).
#pragma once
#include <string>
#include <vector>

#include "depthbias/core/types.hpp"

namespace depthbias {

// How the "spectrum" of the predictor is read (the values plotted in Gissin et al. Figure 1).
enum class SpectrumKind {
    SingularValues,   // sorted singular values of beta (matrix tasks)
    Coordinates,      // beta's coordinates, in target order (toy task)
    AbsCoordinates,   // |beta_i| sorted descending (diagonal networks: "feature weights")
    FourierAmplitudes // |rfft(beta)| over the d/2+1 bins, sorted descending (circular-convolutional networks)
};

class Task {
public:
    virtual ~Task() = default;
    virtual std::string name() const = 0;
    virtual Index rows() const = 0;  // predictor shape
    virtual Index cols() const = 0;

    virtual double loss_and_gradient(const Predictor& p, Predictor& grad) const = 0;
    virtual double loss(const Predictor& p) const = 0;

    // The planted solution beta* (for the reconstruction error ||beta - beta*||^2 / ||beta*||^2).
    virtual const Mat& target() const = 0;
    // Mean of the training labels (0 when the task has none); the quadratic network's bias starts here.
    virtual double label_mean() const { return 0.0; }
    // Test error on fresh samples: mean squared error divided by the variance of the fresh labels.
    // Tasks without a sampling distribution return the reconstruction error.
    virtual double test_error(const Predictor& p) const;

    virtual SpectrumKind spectrum_kind() const { return SpectrumKind::SingularValues; }
    // The target values the spectrum is compared with, in the order components should be learned
    // (empty when "reaching a fraction of the target" has no meaning, e.g. classification).
    virtual std::vector<double> target_spectrum() const;
    // ||beta - beta*||^2 / ||beta*||^2 by default; classification compares directions instead.
    virtual double reconstruction_error(const Predictor& p) const;
    // Task-specific scalar metrics recorded with the time series (names fixed per task instance).
    virtual std::vector<std::string> metric_names() const { return {}; }
    virtual std::vector<double> metrics(const Predictor& /*p*/) const { return {}; }
};

double reconstruction_error(const Mat& beta, const Mat& target);

// Top-k values of the predictor's spectrum (descending singular values, or coordinates 0..k-1).
std::vector<double> spectrum(const Mat& beta, SpectrumKind kind, Index k);

// spectrum() for observers that look at it every step: the same values, computed in buffers the workspace
// keeps, so compute() does not allocate once it has seen a predictor of the same shape. Not thread-safe.
class SpectrumWorkspace {
public:
    SpectrumWorkspace(SpectrumKind kind, Index k) : kind_(kind), k_(k) {}
    const std::vector<double>& compute(const Mat& beta);

private:
    SpectrumKind kind_;
    Index k_;
    Mat gram_;
    Eigen::SelfAdjointEigenSolver<Mat> eigen_;
    std::vector<double> all_, out_;
};

}  // namespace depthbias
