#include "depthbias/tasks/binary_classification.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "depthbias/core/memo.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/tasks/data_file.hpp"
#include "depthbias/tasks/task_registry.hpp"
#include "depthbias/core/rng.hpp"
#include "depthbias/tasks/fourier.hpp"

namespace depthbias {
namespace {

Mat signed_sample(Rng& rng, Index n, const Mat& w) {
    Mat x = rng.normal_matrix(n, w.rows());
    for (Index i = 0; i < n; ++i) {
        const double m = x.row(i).dot(w.col(0));
        if (m < 0) x.row(i) *= -1.0;  // x~ = s x with s = sign(<x, w*>)
    }
    return x;
}

void parse_loss(const std::string& loss, const std::string& reduction, bool& exponential, bool& summed) {
    if (loss != "exponential" && loss != "logistic")
        throw ConfigError("task.loss", "'" + loss + "' is not one of: exponential, logistic");
    if (reduction != "mean" && reduction != "sum")
        throw ConfigError("task.reduction", "'" + reduction + "' is not one of: mean, sum");
    exponential = loss == "exponential";
    summed = reduction == "sum";
}

}  // namespace

BinaryClassification::BinaryClassification(const ClassificationSpec& spec, std::uint64_t seed) {
    parse_loss(spec.loss, spec.reduction, exponential_, summed_);
    if (spec.d < 1) throw ConfigError("task.d", "must be at least 1");
    if (spec.samples < 1) throw ConfigError("task.measurements", "must be at least 1");
    target_ = Mat::Zero(spec.d, 1);
    if (spec.target_domain == "time") {
        if (Index(spec.target.size()) > spec.d) throw ConfigError("task.target", "has more entries than task.d");
        for (size_t i = 0; i < spec.target.size(); ++i) target_(Index(i), 0) = spec.target[i];
    } else if (spec.target_domain == "fourier") {
        RealFft fft(spec.d);
        if (Index(spec.target.size()) > fft.bins())
            throw ConfigError("task.target", "has more entries than the d/2+1 Fourier bins");
        CVec c = CVec::Zero(fft.bins());
        for (size_t k = 0; k < spec.target.size(); ++k) c(Index(k)) = spec.target[k];
        fft.inverse(c, target_.data());
        kind_ = SpectrumKind::FourierAmplitudes;
    } else {
        throw ConfigError("task.target_domain", "'" + spec.target_domain + "' is not one of: time, fourier");
    }
    const double norm = target_.norm();
    if (!(norm > 0)) throw ConfigError("task.target", "must not be all zero");
    target_ /= norm;
    // The samples depend only on (target, sizes, seed): memoized (core/memo.hpp, at most 8 data sets), so an
    // experiment's variants on one data set (fig1c's 5 depths) draw them once; the draws are identical either way.
    std::string key = "classification";
    const Index dims[2] = {spec.samples, spec.test_samples};
    key.append(reinterpret_cast<const char*>(&seed), sizeof seed);
    key.append(reinterpret_cast<const char*>(dims), sizeof dims);
    key.append(reinterpret_cast<const char*>(target_.data()), size_t(target_.size()) * sizeof(double));
    using Samples = std::shared_ptr<const std::pair<Mat, Mat>>;
    const Samples samples = memoized<Samples>(
        key,
        [&] {
            Rng rng = Rng::stream(seed, kStreamTask);
            Mat xt = signed_sample(rng, spec.samples, target_);
            Rng trng = Rng::stream(seed, kStreamTest);
            return std::make_shared<const std::pair<Mat, Mat>>(std::move(xt), signed_sample(trng, spec.test_samples, target_));
        },
        8);
    xt_ = samples->first;
    test_xt_ = samples->second;
}

BinaryClassification::BinaryClassification(Mat signed_inputs, std::string loss, std::string reduction)
    : xt_(std::move(signed_inputs)) {
    parse_loss(loss, reduction, exponential_, summed_);
    target_ = Mat::Zero(xt_.cols(), 1);
}

double BinaryClassification::loss(const Predictor& p) const {
    const Vec m = xt_ * p.beta.col(0);
    double s = 0;
    for (Index i = 0; i < m.size(); ++i) s += exponential_ ? std::exp(-m(i)) : std::log1p(std::exp(-m(i)));
    return summed_ ? s : s / double(m.size());
}

double BinaryClassification::loss_and_gradient(const Predictor& p, Predictor& g) const {
    margins_.noalias() = xt_ * p.beta.col(0);
    weights_.resize(margins_.size());
    double s = 0;
    if (exponential_) {
        // Eigen's vectorized exp (<= 1 ulp from std::exp): n scalar std::exp calls were 1/6 of the P4 step.
        // (One-pass variants measured slower at d = 100, n = 200: blocks of 16 rows through Eigen 3.08 us, the
        // sensing kernel's 8-row SIMD loops 3.7 us, against 3.1 us for these two gemv calls.)
        weights_.array() = (-margins_.array()).exp();  // -dl/dm = e^{-m} = l(m)
        s = weights_.sum();
    } else {
        for (Index i = 0; i < margins_.size(); ++i) {
            const double m = margins_(i);
            s += m > 0 ? std::log1p(std::exp(-m)) : -m + std::log1p(std::exp(m));
            weights_(i) = 1.0 / (1.0 + std::exp(m));
        }
    }
    const double scale = summed_ ? 1.0 : 1.0 / double(margins_.size());
    g.beta.col(0).noalias() = -scale * (xt_.transpose() * weights_);
    g.offset = 0;
    return s * scale;
}

double BinaryClassification::reconstruction_error(const Predictor& p) const {
    const double n = p.beta.norm();
    if (!(n > 0)) return 2.0;  // undefined direction: as far as two unit vectors can be (squared, antipodal = 4)
    return (p.beta / n - target_).squaredNorm();
}

// A record asks for it twice (the test error, and metrics()' test accuracy) at the same beta: the last answer is
// kept with its beta and reused when beta is exactly the same (a 2000 x d product saved per record).
double BinaryClassification::test_error(const Predictor& p) const {
    if (test_xt_.rows() == 0) return NAN;
    if (last_test_beta_.size() == p.beta.rows() && last_test_beta_ == p.beta.col(0)) return last_test_error_;
    test_margins_.noalias() = test_xt_ * p.beta.col(0);
    last_test_error_ = double((test_margins_.array() <= 0).count()) / double(test_margins_.size());
    last_test_beta_ = p.beta.col(0);
    return last_test_error_;
}

std::vector<std::string> BinaryClassification::metric_names() const {
    return {"correlation", "min_margin", "normalized_margin", "train_accuracy", "test_accuracy"};
}

std::vector<double> BinaryClassification::metrics(const Predictor& p) const {
    const Vec m = xt_ * p.beta.col(0);
    const double n = p.beta.norm();
    const double corr = n > 0 ? target_.col(0).dot(p.beta.col(0)) / n : 0.0;
    const double train_acc = double((m.array() > 0).count()) / double(m.size());
    return {corr, m.minCoeff(), n > 0 ? m.minCoeff() / n : 0.0, train_acc, 1.0 - test_error(p)};
}

std::unique_ptr<Task> make_classification(const ClassificationSpec& spec, std::uint64_t seed) {
    return std::make_unique<BinaryClassification>(spec, seed);
}

}  // namespace depthbias

namespace depthbias {
namespace {

const Registrar<TaskEntry> registration{{
    .name = "classification",
    .doc = "binary classification, labels sign(<w*, x>) (or explicit rows task.signed_inputs), exponential or "
           "logistic loss; task.target is a direction (signs and zeros allowed)",
    .shape = PredictorShape::Vector,
    .uses = {"task.target", "task.loss", "task.reduction", "task.target_domain", "task.signed_inputs", "task.data_file"},
    .validate =
        [](const TaskParams& p, const ExtraParams&) {
            if (p.loss != "exponential" && p.loss != "logistic")
                throw ConfigError("task.loss", "'" + p.loss + "' is not one of: exponential, logistic");
            if (p.reduction != "mean" && p.reduction != "sum")
                throw ConfigError("task.reduction", "'" + p.reduction + "' is not one of: mean, sum");
            if (p.target_domain != "time" && p.target_domain != "fourier")
                throw ConfigError("task.target_domain", "'" + p.target_domain + "' is not one of: time, fourier");
            if (std::int64_t(p.signed_inputs.size()) % p.d != 0)
                throw ConfigError("task.signed_inputs", "needs a multiple of task.d entries");
            if (!p.signed_inputs.empty() && !p.data_file.empty())
                throw ConfigError("task.data_file", "and task.signed_inputs both give the data; set one");
        },
    .build = [](const TaskParams& p, const ExtraParams&, std::uint64_t seed) -> std::unique_ptr<Task> {
        if (!p.data_file.empty()) {  // rows x_n and labels s_n in {-1, +1}: the task trains on x~_n = s_n x_n
            const DataTable t = read_data_file(p.data_file);
            LabelledData d = labelled_data(t, "label", p.d, "task.d", p.measurements);
            for (Index i = 0; i < d.y.size(); ++i) {
                if (d.y(i) != 1.0 && d.y(i) != -1.0)
                    throw ConfigError("task.data_file", "'" + t.path + "': data line " + std::to_string(i + 1) +
                                                            ", column 'label': " + std::to_string(d.y(i)) + " is not -1 or +1");
                d.x.row(i) *= d.y(i);
            }
            return std::make_unique<BinaryClassification>(std::move(d.x), p.loss, p.reduction);
        }
        if (!p.signed_inputs.empty()) {
            const Index rows = Index(p.signed_inputs.size()) / p.d;
            Mat xt(rows, p.d);
            for (Index i = 0; i < rows; ++i)
                for (Index j = 0; j < p.d; ++j) xt(i, j) = p.signed_inputs[size_t(i * p.d + j)];
            return std::make_unique<BinaryClassification>(xt, p.loss, p.reduction);
        }
        ClassificationSpec s;
        s.d = p.d;
        s.samples = p.measurements;
        s.target = p.target;
        s.target_domain = p.target_domain;
        s.loss = p.loss;
        s.reduction = p.reduction;
        s.test_samples = p.test_samples;
        return make_classification(s, seed);
    },
    .stored_numbers = [](const TaskParams& p) { return (double(p.measurements) + double(p.test_samples) + 2.0) * double(p.d) + double(p.signed_inputs.size()); },
}};

}  // namespace
}  // namespace depthbias
