#include "depthbias/tasks/matrix_completion.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "depthbias/core/error.hpp"
#include "depthbias/tasks/data_file.hpp"
#include "depthbias/tasks/task_registry.hpp"
#include "depthbias/core/rng.hpp"
#include "depthbias/tasks/planted_target.hpp"

namespace depthbias {
namespace {

constexpr const char* kObservedKey = "task.observed";

class MatrixCompletion final : public Task {
public:
    MatrixCompletion(const MatrixCompletionSpec& spec, std::uint64_t seed) : spec_(spec) {
        Rng rng = Rng::stream(seed, kStreamTask);
        target_ = planted_target(spec.d, spec.target_singular_values, spec.target_basis, rng);
        const Index n = spec.d * spec.d;
        std::vector<Index> idx(static_cast<size_t>(n));
        std::iota(idx.begin(), idx.end(), Index(0));
        if (spec.observed.empty()) {
            for (Index k = 0; k < spec.measurements; ++k) {  // partial Fisher-Yates: the first m are the sample
                const Index j = k + Index(rng.next() % std::uint64_t(n - k));
                std::swap(idx[size_t(k)], idx[size_t(j)]);
            }
        } else {  // the given entries first, in order
            for (size_t k = 0; k < spec.observed.size(); ++k)
                std::swap(idx[k], *std::find(idx.begin(), idx.end(), spec.observed[k]));
        }
        observed_.assign(idx.begin(), idx.begin() + spec.measurements);
        held_out_.assign(idx.begin() + spec.measurements, idx.end());
        std::sort(observed_.begin(), observed_.end());
        y_.resize(spec.measurements);
        for (size_t k = 0; k < observed_.size(); ++k) y_(Index(k)) = target_.data()[observed_[k]];
    }

    // User data (task.data_file): the observed entries as given (file order); no planted target (zero), no held-out
    // entries: reconstruction and test errors are NaN.
    MatrixCompletion(const MatrixCompletionSpec& spec, ObservedEntries e) : spec_(spec), observed_(std::move(e.index)),
                                                                          y_(std::move(e.value)), user_data_(true) {
        target_ = Mat::Zero(spec.d, spec.d);
    }

    double reconstruction_error(const Predictor& p) const override {
        return user_data_ ? NAN : Task::reconstruction_error(p);
    }

    std::string name() const override { return "matrix_completion"; }
    Index rows() const override { return spec_.d; }
    Index cols() const override { return spec_.d; }
    const Mat& target() const override { return target_; }
    double label_mean() const override { return y_.mean(); }

    double loss(const Predictor& p) const override {
        double s = 0;
        for (size_t k = 0; k < observed_.size(); ++k) {
            const double r = p.beta.data()[observed_[k]] + p.offset - y_(Index(k));
            s += r * r;
        }
        return s / double(observed_.size());
    }

    double loss_and_gradient(const Predictor& p, Predictor& g) const override {
        g.beta.setZero();
        const double scale = 2.0 / double(observed_.size());
        double s = 0, goff = 0;
        for (size_t k = 0; k < observed_.size(); ++k) {
            const double r = p.beta.data()[observed_[k]] + p.offset - y_(Index(k));
            s += r * r;
            goff += r;
            g.beta.data()[observed_[k]] = scale * r;
        }
        g.offset = scale * goff;
        return s / double(observed_.size());
    }

    double test_error(const Predictor& p) const override {
        if (held_out_.empty()) return Task::test_error(p);  // (NaN on user data: reconstruction_error)
        double num = 0, den = 0;
        for (Index k : held_out_) {
            const double t = target_.data()[k];
            num += (p.beta.data()[k] + p.offset - t) * (p.beta.data()[k] + p.offset - t);
            den += t * t;
        }
        return num / (den > 0 ? den : 1.0);
    }

    // sum over the unobserved entries of beta_ij^2 / ||W*||_F^2: the change of the unobserved entries for models
    // with beta(0) = 0 (Woodworth et al. Fig. 3: ~0 in the kernel regime); NaN on user data (no held-out entries).
    std::vector<std::string> metric_names() const override { return {"unobserved_energy"}; }
    std::vector<double> metrics(const Predictor& p) const override {
        if (held_out_.empty()) return {NAN};
        double s = 0;
        for (Index k : held_out_) s += (p.beta.data()[k] + p.offset) * (p.beta.data()[k] + p.offset);
        const double norm = target_.squaredNorm();
        return {s / (norm > 0 ? norm : 1.0)};
    }

    CompletionObservations observations() const {
        return {spec_.d, spec_.d, observed_, std::vector<double>(y_.data(), y_.data() + y_.size())};
    }

private:
    MatrixCompletionSpec spec_;
    Mat target_;
    std::vector<Index> observed_, held_out_;
    Vec y_;
    bool user_data_ = false;
};

}  // namespace

std::optional<CompletionObservations> completion_observations(const Task& task) {
    const auto* t = dynamic_cast<const MatrixCompletion*>(&task);
    if (!t) return std::nullopt;
    return t->observations();
}

std::unique_ptr<Task> make_matrix_completion(const MatrixCompletionSpec& spec, std::uint64_t seed) {
    if (spec.d < 1) throw ConfigError("task.d", "must be at least 1, got " + std::to_string(spec.d));
    if (spec.measurements < 1 || spec.measurements > spec.d * spec.d)
        throw ConfigError("task.measurements", "must be in [1, d^2 = " + std::to_string(spec.d * spec.d) + "], got " +
                                                   std::to_string(spec.measurements));
    if (!spec.observed.empty()) {
        if (Index(spec.observed.size()) != spec.measurements)
            throw ConfigError("task.measurements", "must equal the number of task.observed entries (" +
                                                       std::to_string(spec.observed.size()) + "), got " +
                                                       std::to_string(spec.measurements));
        std::vector<Index> sorted = spec.observed;
        std::sort(sorted.begin(), sorted.end());
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
            throw ConfigError(kObservedKey, "lists an entry twice");
    }
    return std::make_unique<MatrixCompletion>(spec, seed);
}

std::unique_ptr<Task> make_matrix_completion(const MatrixCompletionSpec& spec, const std::string& data_file) {
    if (spec.d < 1) throw ConfigError("task.d", "must be at least 1, got " + std::to_string(spec.d));
    return std::make_unique<MatrixCompletion>(spec, observed_entries(read_data_file(data_file), spec.d, spec.measurements));
}

}  // namespace depthbias

namespace depthbias {
namespace {

// task.observed as column-major indices, checked against d (ConfigError naming the key).
std::vector<Index> observed_indices(const TaskParams& p, const ExtraParams& e) {
    const auto v = e.get<std::vector<double>>(kObservedKey);
    if (v.size() % 2 != 0)
        throw ConfigError(kObservedKey, "needs (row, column) pairs, got " + std::to_string(v.size()) + " numbers");
    std::vector<Index> out;
    for (size_t k = 0; k < v.size(); k += 2) {
        for (double x : {v[k], v[k + 1]})
            if (!(x >= 0 && x < double(p.d) && x == std::floor(x)))
                throw ConfigError(kObservedKey, "entries must be integers in [0, task.d = " + std::to_string(p.d) +
                                                    "), got " + std::to_string(x));
        out.push_back(Index(v[k]) + Index(p.d) * Index(v[k + 1]));
    }
    return out;
}

const Registrar<TaskEntry> registration{[] {
    register_extra_keys("task.kind", "completion",
                        {{kObservedKey,
                          "explicit observed entries [row1, col1, row2, col2, ...] (0-based; task.measurements = their "
                          "number); empty: task.measurements entries drawn uniformly",
                          std::vector<double>{}}});
    return TaskEntry{
        .name = "completion",
        .doc = "matrix completion: m observed entries (random, or task.observed) of a d x d target with singular "
               "values task.target",
        .shape = PredictorShape::Matrix,
        .uses = {"task.target", "task.target_basis", "task.data_file"},
        .validate =
            [](const TaskParams& p, const ExtraParams& e) {
                if (!p.data_file.empty()) {  // (a data file has no planted target and lists its own entries)
                    if (!e.get<std::vector<double>>(kObservedKey).empty())
                        throw ConfigError(kObservedKey, "lists entries of a generated target; task.data_file has its own");
                    return;
                }
                require_planted_matrix_target(p);
                (void)observed_indices(p, e);
            },
        .build =
            [](const TaskParams& p, const ExtraParams& e, std::uint64_t seed) {
                MatrixCompletionSpec s;
                s.d = p.d;
                s.measurements = p.measurements;
                s.target_singular_values = p.target;
                s.target_basis = p.target_basis;
                if (!p.data_file.empty()) return make_matrix_completion(s, p.data_file);
                s.observed = observed_indices(p, e);
                return make_matrix_completion(s, seed);
            },
        .stored_numbers =
            [](const TaskParams& p) { return 3.0 * double(p.measurements) + 3.0 * double(p.d) * double(p.d); },
    };
}()};

}  // namespace
}  // namespace depthbias
