#include "depthbias/tasks/quadratic_sensing.hpp"

#include "depthbias/core/error.hpp"
#include "depthbias/tasks/task_registry.hpp"
#include "depthbias/core/rng.hpp"
#include "depthbias/tasks/quadratic_form_kernel.hpp"

namespace depthbias {
namespace {

class QuadraticSensing final : public Task {
public:
    QuadraticSensing(const QuadraticSensingSpec& spec, std::uint64_t seed) : spec_(spec) {
        Rng rng = Rng::stream(seed, kStreamTask);
        x_ = rng.normal_matrix(spec.measurements, spec.d);
        target_ = Mat::Zero(spec.d, spec.d);
        if (Index(spec.target_eigenvalues.size()) > spec.d)
            throw ConfigError("task.target_singular_values", "more values than task.d");
        Mat basis = spec.target_basis == "random" ? rng.orthogonal(spec.d) : Mat::Identity(spec.d, spec.d);
        if (spec.target_basis != "random" && spec.target_basis != "diagonal")
            throw ConfigError("task.target_basis", "'" + spec.target_basis + "' is not one of: diagonal, random");
        for (size_t i = 0; i < spec.target_eigenvalues.size(); ++i)
            target_ += spec.target_eigenvalues[i] * basis.col(Index(i)) * basis.col(Index(i)).transpose();
        y_ = predict(x_, target_, 0.0);
        label_mean_ = y_.mean();
        Rng trng = Rng::stream(seed, kStreamTest);
        test_x_ = trng.normal_matrix(spec.test_samples, spec.d);
        test_y_ = predict(test_x_, target_, 0.0);
        test_var_ = (test_y_.array() - test_y_.mean()).square().mean();
        test_r_.resize(spec.test_samples);
        r_.resize(spec.measurements);
        t_.resize(spec.d, spec.d);
    }

    std::string name() const override { return "quadratic_sensing"; }
    Index rows() const override { return spec_.d; }
    Index cols() const override { return spec_.d; }
    const Mat& target() const override { return target_; }
    double label_mean() const override { return label_mean_; }

    double loss(const Predictor& p) const override {  // the same arithmetic as loss_and_gradient's value
        forms(x_, p.beta, r_);
        r_.array() += p.offset - y_.array();
        return r_.squaredNorm() / double(x_.rows());
    }

    double loss_and_gradient(const Predictor& p, Predictor& g) const override {
        const double m = double(x_.rows());
        forms(x_, p.beta, r_);
        r_.array() += p.offset - y_.array();
        g.beta.resize(x_.cols(), x_.cols());
        quadratic_form_kernel::weighted_gram(x_.data(), x_.rows(), x_.cols(), r_.data(), 2.0 / m, g.beta.data());
        g.offset = 2.0 / m * r_.sum();
        return r_.squaredNorm() / m;
    }

    // Called at every record (hundreds per run): x_i^T M x_i by the blocked kernel (quadratic_form_kernel.hpp) into
    // scratch sized once (no allocation per call).
    double test_error(const Predictor& p) const override {
        forms(test_x_, p.beta, test_r_);
        test_r_.array() += p.offset;
        test_r_ -= test_y_;
        return test_r_.squaredNorm() / double(test_r_.size()) / test_var_;
    }

private:
    // out_i = x_i^T M x_i for the rows of x (quadratic_form_kernel.hpp; t_ is its folded M).
    void forms(const Mat& x, const Mat& m, Vec& out) const {
        quadratic_form_kernel::fold(m.data(), m.rows(), t_.data());
        quadratic_form_kernel::quadratic_forms(x.data(), x.rows(), x.cols(), t_.data(), out.data());
    }

    static Vec predict(const Mat& x, const Mat& m, double offset) {
        return ((x * m).cwiseProduct(x)).rowwise().sum().array() + offset;
    }

    QuadraticSensingSpec spec_;
    Mat x_, target_, test_x_;
    Vec y_, test_y_;
    double label_mean_ = 0;
    double test_var_ = 0;
    mutable Mat t_;  // scratch (this task is not shared between threads: docs/CONVENTIONS.md)
    mutable Vec r_, test_r_;
};

}  // namespace

std::unique_ptr<Task> make_quadratic_sensing(const QuadraticSensingSpec& spec, std::uint64_t seed) {
    if (spec.d < 1) throw ConfigError("task.d", "must be at least 1, got " + std::to_string(spec.d));
    if (spec.measurements < 1)
        throw ConfigError("task.measurements", "must be at least 1, got " + std::to_string(spec.measurements));
    return std::make_unique<QuadraticSensing>(spec, seed);
}

}  // namespace depthbias

namespace depthbias {
namespace {

const Registrar<TaskEntry> registration{{
    .name = "quadratic",
    .doc = "quadratic sensing: m rank-one measurements x^T M* x of a PSD target with eigenvalues task.target",
    .shape = PredictorShape::Matrix,
    .uses = {"task.target", "task.target_basis"},
    .validate =
        [](const TaskParams& p, const ExtraParams&) { require_planted_matrix_target(p); },
    .build =
        [](const TaskParams& p, const ExtraParams&, std::uint64_t seed) {
            QuadraticSensingSpec s;
            s.d = p.d;
            s.measurements = p.measurements;
            s.target_eigenvalues = p.target;
            s.target_basis = p.target_basis;
            s.test_samples = p.test_samples;
            return make_quadratic_sensing(s, seed);
        },
    .stored_numbers = [](const TaskParams& p) { return (double(p.measurements) + double(p.test_samples)) * (double(p.d) + 1.0) + 3.0 * double(p.d) * double(p.d); },
    .predictor_numbers = {},
    .spectrum_label = "eigenvalue",
}};

}  // namespace
}  // namespace depthbias
