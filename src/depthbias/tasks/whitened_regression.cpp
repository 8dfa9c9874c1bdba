#include "depthbias/tasks/whitened_regression.hpp"

#include <algorithm>

#include "depthbias/core/error.hpp"
#include "depthbias/core/rng.hpp"
#include "depthbias/tasks/planted_target.hpp"
#include "depthbias/tasks/task_registry.hpp"

namespace depthbias {

WhitenedRegression::WhitenedRegression(Index n_i, Index n_o, const std::vector<double>& singular_values,
                                       const std::string& basis, std::uint64_t seed) {
    Rng rng = Rng::stream(seed, kStreamTask);
    if (n_i == n_o) {
        sigma_ = planted_target(n_i, singular_values, basis, rng);
        return;
    }
    const Index r = Index(singular_values.size());
    if (r > std::min(n_i, n_o))
        throw ConfigError("task.target", "a " + std::to_string(n_o) + " x " + std::to_string(n_i) + " Sigma has at most " +
                                             std::to_string(std::min(n_i, n_o)) + " singular values, got " + std::to_string(r));
    const Mat u = basis == "random" ? Mat(rng.orthogonal(n_o).leftCols(r)) : Mat(Mat::Identity(n_o, r));
    const Mat v = basis == "random" ? Mat(rng.orthogonal(n_i).leftCols(r)) : Mat(Mat::Identity(n_i, r));
    sigma_ = u * Eigen::Map<const Vec>(singular_values.data(), r).asDiagonal() * v.transpose();
}

double WhitenedRegression::loss(const Predictor& p) const { return 0.5 * (p.beta - sigma_).squaredNorm(); }

double WhitenedRegression::loss_and_gradient(const Predictor& p, Predictor& g) const {
    g.beta = p.beta - sigma_;
    g.offset = 0;
    return 0.5 * g.beta.squaredNorm();
}

}  // namespace depthbias

namespace depthbias {
namespace {

constexpr const char* kOutDim = "task.out_dim";

Index out_dim(const TaskParams& p, const ExtraParams& e) {
    const std::int64_t o = e.get<std::int64_t>(kOutDim);
    if (o < 0) throw ConfigError(kOutDim, "must be >= 0 (0: task.d), got " + std::to_string(o));
    return Index(o == 0 ? p.d : o);
}

const Registrar<TaskEntry> registration{[] {
    register_extra_keys("task.kind", "whitened",
                        {{kOutDim, "outputs n_o (rows of Sigma); 0: task.d (square)", std::int64_t{0}}});
    return TaskEntry{
    .name = "whitened",
    .doc = "whitened regression 1/2 ||W - Sigma||_F^2, Sigma task.out_dim x task.d with singular values task.target "
           "(the setting of the exact deep-linear solutions)",
    .shape = PredictorShape::Matrix,
    .uses = {"task.target", "task.target_basis"},
    .validate =
        [](const TaskParams& p, const ExtraParams& e) {
            require_positive_target(p);
            require_target_basis(p);
            const Index o = out_dim(p, e);
            if (std::int64_t(p.target.size()) > std::min<std::int64_t>(p.d, o))
                throw ConfigError("task.target", "at most min(task.d, task.out_dim) = " +
                                                     std::to_string(std::min<std::int64_t>(p.d, o)) + " singular values");
        },
    .build = [](const TaskParams& p, const ExtraParams& e, std::uint64_t seed) -> std::unique_ptr<Task> {
        if (p.d < 1) throw ConfigError("task.d", "must be at least 1, got " + std::to_string(p.d));
        return std::make_unique<WhitenedRegression>(Index(p.d), out_dim(p, e), p.target, p.target_basis, seed);
    },
    .stored_numbers = [](const TaskParams& p) { return 4.0 * double(p.d) * double(p.d); },
    .predictor_numbers = {},
    };
}()};

}  // namespace
}  // namespace depthbias
