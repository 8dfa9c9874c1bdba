#include "depthbias/tasks/gaussian_sensing.hpp"

#include <algorithm>

#include "depthbias/core/error.hpp"
#include "depthbias/tasks/data_file.hpp"
#include "depthbias/tasks/task_registry.hpp"
#include "depthbias/tasks/planted_target.hpp"
#include "depthbias/tasks/sensing_kernel.hpp"

namespace depthbias {
namespace {

template <class S>
using RowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class S>
class GaussianSensing final : public Task {
public:
    GaussianSensing(const GaussianSensingSpec& spec, std::uint64_t seed) : spec_(spec) {
        Rng rng = Rng::stream(seed, kStreamTask);
        const Index d = spec.d, n = d * d;
        // Draw A row by row in double so float32 storage sees the same numbers, rounded.
        a_.resize(spec.measurements, n);
        for (Index i = 0; i < spec.measurements; ++i)
            for (Index k = 0; k < n; ++k) a_(i, k) = static_cast<S>(rng.normal());
        target_ = planted_target(d, spec.target_singular_values, spec.target_basis, rng);
        const Eigen::Map<const Vec> wstar(target_.data(), n);
        y_ = a_.template cast<double>() * wstar;
        label_mean_ = y_.mean();

        Rng trng = Rng::stream(seed, kStreamTest);
        test_a_ = trng.normal_matrix(spec.test_samples, n);
        test_y_ = test_a_ * wstar;
        residual_.resize(spec.measurements);
    }

    // User data (task.data_file): rows of `a` are vec(A_i) (column-major), y the measurements; no planted target,
    // no test set (reconstruction and test errors NaN).
    GaussianSensing(const GaussianSensingSpec& spec, const Mat& a, Vec y) : spec_(spec), user_data_(true) {
        a_ = a.template cast<S>();
        y_ = std::move(y);
        label_mean_ = y_.mean();
        target_ = Mat::Zero(spec.d, spec.d);
        residual_.resize(y_.size());
    }

    double reconstruction_error(const Predictor& p) const override {
        return user_data_ ? NAN : Task::reconstruction_error(p);
    }

    std::string name() const override { return "gaussian_sensing"; }
    Index rows() const override { return spec_.d; }
    Index cols() const override { return spec_.d; }
    const Mat& target() const override { return target_; }
    double label_mean() const override { return label_mean_; }

    double loss(const Predictor& p) const override {
        const Index m = a_.rows(), n = a_.cols();
        const double* w = p.beta.data();
        double s = 0;
        Index i = 0;
        for (; i + sensing_kernel::kBlock <= m; i += sensing_kernel::kBlock) {
            double r[sensing_kernel::kBlock];
            sensing_kernel::dots8(a_.data() + i * n, n, w, r);
            for (Index k = 0; k < sensing_kernel::kBlock; ++k) {
                const double rk = r[k] + p.offset - y_(i + k);
                s += rk * rk;
            }
        }
        const Eigen::Map<const Vec> wv(w, n);
        for (; i < m; ++i) {
            const double r = a_.row(i).template cast<double>().dot(wv.transpose()) + p.offset - y_(i);
            s += r * r;
        }
        return s / double(m);
    }

    double loss_and_gradient(const Predictor& p, Predictor& g) const override {
        return spec_.kernel == "two_pass" ? two_pass(p, g) : fused(p, g);
    }

    double test_error(const Predictor& p) const override {
        if (test_a_.rows() < 2) return Task::test_error(p);
        const Eigen::Map<const Vec> w(p.beta.data(), p.beta.size());
        const Vec r = (test_a_ * w).array() + p.offset - test_y_.array();
        const double var = (test_y_.array() - test_y_.mean()).square().mean();
        return r.squaredNorm() / double(r.size()) / var;
    }

private:
    // One pass over A from memory: per block of 8 rows, the 8 residuals (sensing_kernel::dots8), then their
    // gradient contribution while the 8 rows are in L2 (axpy8); 640 KB per block at d = 100 in float64.
    double fused(const Predictor& p, Predictor& g) const {
        constexpr Index B = sensing_kernel::kBlock;
        const Index m = a_.rows(), n = a_.cols();
        const double* w = p.beta.data();
        double* gw = g.beta.data();
        std::fill(gw, gw + n, 0.0);
        const double scale = 2.0 / double(m);
        double loss = 0, goff = 0;
        Index i = 0;
        for (; i + B <= m; i += B) {
            const S* rows = a_.data() + i * n;
            double r[B];
            sensing_kernel::dots8(rows, n, w, r);
            for (Index k = 0; k < B; ++k) {
                r[k] += p.offset - y_(i + k);
                loss += r[k] * r[k];
                goff += r[k];
                r[k] *= scale;
            }
            sensing_kernel::axpy8(rows, n, r, gw);
        }
        const Eigen::Map<const Vec> wv(w, n);
        Eigen::Map<Vec> gv(gw, n);
        for (; i < m; ++i) {  // the last m mod 8 rows
            const double r = a_.row(i).template cast<double>().dot(wv.transpose()) + p.offset - y_(i);
            loss += r * r;
            goff += r;
            gv.noalias() += (scale * r) * a_.row(i).template cast<double>().transpose();
        }
        g.offset = scale * goff;
        return loss / double(m);
    }

    double two_pass(const Predictor& p, Predictor& g) const {
        const Index m = a_.rows(), n = a_.cols();
        const Eigen::Map<const Vec> w(p.beta.data(), n);
        Eigen::Map<Vec> gw(g.beta.data(), n);
        if constexpr (std::is_same_v<S, double>) {
            residual_.noalias() = a_ * w;
        } else {
            residual_.noalias() = a_.template cast<double>() * w;
        }
        residual_.array() += p.offset - y_.array();
        if constexpr (std::is_same_v<S, double>) {
            gw.noalias() = (2.0 / double(m)) * (a_.transpose() * residual_);
        } else {
            gw.noalias() = (2.0 / double(m)) * (a_.template cast<double>().transpose() * residual_);
        }
        g.offset = 2.0 / double(m) * residual_.sum();
        return residual_.squaredNorm() / double(m);
    }

    GaussianSensingSpec spec_;
    RowMat<S> a_;
    Vec y_;
    Mat target_;
    double label_mean_ = 0;
    Mat test_a_;
    Vec test_y_;
    mutable Vec residual_;
    bool user_data_ = false;
};

}  // namespace

namespace {
void check_spec(const GaussianSensingSpec& spec) {
    if (spec.d < 1) throw ConfigError("task.d", "must be at least 1, got " + std::to_string(spec.d));
    if (spec.measurements < 1)
        throw ConfigError("task.measurements", "must be at least 1, got " + std::to_string(spec.measurements));
    if (spec.kernel != "fused" && spec.kernel != "two_pass")
        throw ConfigError("task.kernel", "'" + spec.kernel + "' is not one of: fused, two_pass");
    if (spec.storage != "float64" && spec.storage != "float32")
        throw ConfigError("task.storage", "'" + spec.storage + "' is not one of: float64, float32");
}
}  // namespace

std::unique_ptr<Task> make_gaussian_sensing(const GaussianSensingSpec& spec, const Mat& a, Vec y) {
    check_spec(spec);
    if (spec.storage == "float64") return std::make_unique<GaussianSensing<double>>(spec, a, std::move(y));
    return std::make_unique<GaussianSensing<float>>(spec, a, std::move(y));
}

std::unique_ptr<Task> make_gaussian_sensing(const GaussianSensingSpec& spec, std::uint64_t seed) {
    check_spec(spec);
    if (spec.storage == "float64") return std::make_unique<GaussianSensing<double>>(spec, seed);
    return std::make_unique<GaussianSensing<float>>(spec, seed);
}

}  // namespace depthbias

namespace depthbias {
namespace {

const Registrar<TaskEntry> registration{{
    .name = "sensing",
    .doc = "Gaussian matrix sensing: m measurements <A_i, W*> of a d x d target with singular values task.target",
    .shape = PredictorShape::Matrix,
    .uses = {"task.target", "task.target_basis", "task.storage", "task.kernel", "task.data_file"},
    .validate =
        [](const TaskParams& p, const ExtraParams&) {
            if (p.data_file.empty()) require_planted_matrix_target(p);  // (a data file has no planted target)
            if (p.storage != "float64" && p.storage != "float32")
                throw ConfigError("task.storage", "'" + p.storage + "' is not one of: float64, float32");
            if (p.kernel != "fused" && p.kernel != "two_pass")
                throw ConfigError("task.kernel", "'" + p.kernel + "' is not one of: fused, two_pass");
            if (double(p.measurements) * double(p.d) * double(p.d) > 4e9)
                throw ConfigError("task.measurements", "m * d^2 exceeds 4e9 stored numbers");
        },
    .build =
        [](const TaskParams& p, const ExtraParams&, std::uint64_t seed) {
            GaussianSensingSpec s;
            s.d = p.d;
            s.measurements = p.measurements;
            s.target_singular_values = p.target;
            s.target_basis = p.target_basis;
            s.storage = p.storage;
            s.kernel = p.kernel;
            s.test_samples = p.test_samples;
            if (!p.data_file.empty()) {
                LabelledData d = labelled_data(read_data_file(p.data_file), "y", p.d * p.d, "task.d", p.measurements);
                return make_gaussian_sensing(s, d.x, std::move(d.y));
            }
            return make_gaussian_sensing(s, seed);
        },
    .stored_numbers = [](const TaskParams& p) { return (double(p.measurements) + double(p.test_samples)) * double(p.d) * double(p.d) + 2.0 * double(p.d) * double(p.d); },
}};

}  // namespace
}  // namespace depthbias
