#include "depthbias/tasks/sparse_regression.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <string>

#include "depthbias/core/error.hpp"
#include "depthbias/core/memo.hpp"
#include "depthbias/tasks/data_file.hpp"
#include "depthbias/tasks/task_registry.hpp"
#include "depthbias/core/rng.hpp"

namespace depthbias {

namespace {

std::shared_ptr<const SparseRegression::Data> generate(const SparseRegressionSpec& spec, std::uint64_t seed) {
    if (spec.d < 1) throw ConfigError("task.d", "must be at least 1");
    if (spec.samples < 1) throw ConfigError("task.measurements", "must be at least 1");
    if (spec.target.empty() || Index(spec.target.size()) > spec.d)
        throw ConfigError("task.target", "needs between 1 and d nonzero values");
    if (!(spec.noise_std >= 0) || !std::isfinite(spec.noise_std))
        throw ConfigError("task.noise_std", "must be finite and >= 0");
    if (spec.target_law != "fixed" && spec.target_law != "exponential")
        throw ConfigError("task.target_law", "'" + spec.target_law + "' is not one of: fixed, exponential");
    if (!std::isfinite(spec.input_mean)) throw ConfigError("task.input_mean", "must be finite");
    std::string key = "sparse_regression";
    const auto add = [&key](const void* p, size_t n) { key.append(static_cast<const char*>(p), n); };
    const double nums[3] = {spec.noise_std, spec.input_mean, double(spec.normalize_columns)};
    const Index dims[3] = {spec.d, spec.samples, spec.test_samples};
    add(&seed, sizeof seed);
    add(nums, sizeof nums);
    add(dims, sizeof dims);
    key += spec.target_law;
    key.push_back('\0');
    add(spec.target.data(), spec.target.size() * sizeof(double));
    return memoized<std::shared_ptr<const SparseRegression::Data>>(
        key,
        [&] {
            auto g = std::make_shared<SparseRegression::Data>();
            Rng rng = Rng::stream(seed, kStreamTask);
            g->x = rng.normal_matrix(spec.samples, spec.d);
            if (spec.input_mean != 0) g->x.array() += spec.input_mean;
            if (spec.normalize_columns) g->x.colwise().normalize();
            g->mean_sq = g->x.colwise().mean().transpose().array().square();
            std::vector<Index> idx(size_t(spec.d));
            std::iota(idx.begin(), idx.end(), Index(0));
            for (size_t k = 0; k < spec.target.size(); ++k) {
                const size_t j = k + size_t(rng.next() % std::uint64_t(spec.d - Index(k)));
                std::swap(idx[k], idx[j]);
            }
            g->support.assign(idx.begin(), idx.begin() + Index(spec.target.size()));
            g->target = Mat::Zero(spec.d, 1);
            for (size_t k = 0; k < g->support.size(); ++k)
                g->target(g->support[k], 0) =
                    spec.target_law == "fixed" ? spec.target[k] : -10.0 * std::log(rng.uniform()) + 1.0;
            g->y = g->x * g->target.col(0);
            for (Index i = 0; i < g->y.size(); ++i) g->y(i) += spec.noise_std * rng.normal();
            Rng trng = Rng::stream(seed, kStreamTest);
            g->test_x = trng.normal_matrix(spec.test_samples, spec.d);
            if (spec.input_mean != 0) g->test_x.array() += spec.input_mean;
            if (spec.normalize_columns && spec.test_samples > 0) g->test_x *= 1.0 / std::sqrt(double(spec.samples));
            g->test_y = g->test_x * g->target.col(0);
            return std::shared_ptr<const SparseRegression::Data>(std::move(g));
        },
        4);
}

std::shared_ptr<const SparseRegression::Data> user_data(Mat x, Vec y) {
    auto g = std::make_shared<SparseRegression::Data>();
    g->x = std::move(x);
    g->y = std::move(y);
    g->target = Mat::Zero(g->x.cols(), 1);
    g->mean_sq = g->x.colwise().mean().transpose().array().square();
    return g;
}

}  // namespace

SparseRegression::SparseRegression(const SparseRegressionSpec& spec, std::uint64_t seed) : data_(generate(spec, seed)) {
    r_.resize(spec.samples);
}

SparseRegression::SparseRegression(Mat x, Vec y) : data_(user_data(std::move(x), std::move(y))) {
    user_data_ = true;
    r_.resize(y_.size());
}

double SparseRegression::reconstruction_error(const Predictor& p) const {
    return user_data_ ? NAN : Task::reconstruction_error(p);
}

std::vector<double> SparseRegression::target_spectrum() const {
    std::vector<double> v;
    for (Index k : support_) v.push_back(std::abs(target_(k, 0)));
    std::sort(v.begin(), v.end(), std::greater<double>());
    return v;
}

double SparseRegression::loss(const Predictor& p) const {
    return (x_ * p.beta.col(0) - y_).squaredNorm() / double(y_.size());
}

double SparseRegression::loss_and_gradient(const Predictor& p, Predictor& g) const {
    r_.noalias() = x_ * p.beta.col(0);
    r_ -= y_;
    g.beta.col(0).noalias() = (2.0 / double(y_.size())) * (x_.transpose() * r_);
    g.offset = 0;
    return r_.squaredNorm() / double(y_.size());
}

double SparseRegression::test_error(const Predictor& p) const {
    if (user_data_) return NAN;
    if (test_x_.rows() < 2) return Task::test_error(p);
    const Vec r = test_x_ * p.beta.col(0) - test_y_;
    const double var = (test_y_.array() - test_y_.mean()).square().mean();
    return r.squaredNorm() / double(r.size()) / var;
}

bool SparseRegression::test_errors(const Mat& betas, Vec& out) const {
    if (user_data_ || test_x_.rows() < 2 || betas.rows() != x_.cols()) return false;
    Mat r = test_x_ * betas;
    r.colwise() -= test_y_;
    const double var = (test_y_.array() - test_y_.mean()).square().mean();
    out = (r.colwise().squaredNorm().transpose() / double(r.rows())) / var;
    return true;
}

std::vector<double> SparseRegression::metrics(const Predictor& p) const {
    return {user_data_ ? NAN : (p.beta - target_).squaredNorm(), p.beta.col(0).lpNorm<1>(), p.beta.norm(),
            mean_sq_.dot(p.beta.col(0).cwiseAbs())};
}

std::unique_ptr<Task> make_sparse_regression(const SparseRegressionSpec& spec, std::uint64_t seed) {
    return std::make_unique<SparseRegression>(spec, seed);
}

}  // namespace depthbias

namespace depthbias {
namespace {

constexpr const char* kInputMean = "task.input_mean";

const Registrar<TaskEntry> registration{[] {
    register_extra_keys("task.kind", "regression",
                        {{kInputMean, "mean of every input entry, x ~ N(input_mean, 1) (non-centred data; 0: centred)", 0.0}});
    return TaskEntry{
    .name = "regression",
    .doc = "sparse linear regression y = X beta* + noise, nonzero entries of beta* = task.target",
    .shape = PredictorShape::Vector,
    .uses = {"task.target", "task.noise_std", "task.normalize_columns", "task.target_law", "task.data_file"},
    .validate =
        [](const TaskParams& p, const ExtraParams& e) {
            if (!p.data_file.empty()) {  // no planted target: the file is checked when the task is built
                if (e.get<double>(kInputMean) != 0)
                    throw ConfigError(kInputMean, "shifts generated inputs; it does not apply to task.data_file");
                return;
            }
            require_positive_target(p);
            require_target_fits_d(p);
            if (p.target_law != "fixed" && p.target_law != "exponential")
                throw ConfigError("task.target_law", "'" + p.target_law + "' is not one of: fixed, exponential");
            if (p.noise_std < 0) throw ConfigError("task.noise_std", "must be >= 0");
            if (!std::isfinite(e.get<double>(kInputMean))) throw ConfigError(kInputMean, "must be finite");
        },
    .build =
        [](const TaskParams& p, const ExtraParams& e, std::uint64_t seed) -> std::unique_ptr<Task> {
            if (!p.data_file.empty()) {
                LabelledData d = labelled_data(read_data_file(p.data_file), "y", p.d, "task.d", p.measurements);
                return std::make_unique<SparseRegression>(std::move(d.x), std::move(d.y));
            }
            SparseRegressionSpec s;
            s.input_mean = e.get<double>(kInputMean);
            s.d = p.d;
            s.samples = p.measurements;
            s.target = p.target;
            s.target_law = p.target_law;
            s.noise_std = p.noise_std;
            s.normalize_columns = p.normalize_columns;
            s.test_samples = p.test_samples;
            return make_sparse_regression(s, seed);
        },
    .stored_numbers = [](const TaskParams& p) { return (double(p.measurements) + double(p.test_samples) + 2.0) * double(p.d); },
    };
}()};

}  // namespace
}  // namespace depthbias
