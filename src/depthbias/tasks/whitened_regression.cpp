#include "depthbias/tasks/whitened_regression.hpp"

#include "depthbias/core/error.hpp"
#include "depthbias/core/rng.hpp"
#include "depthbias/tasks/planted_target.hpp"
#include "depthbias/tasks/task_registry.hpp"

namespace depthbias {

WhitenedRegression::WhitenedRegression(Index d, const std::vector<double>& singular_values, const std::string& basis,
                                       std::uint64_t seed) {
    Rng rng = Rng::stream(seed, kStreamTask);
    sigma_ = planted_target(d, singular_values, basis, rng);
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

const Registrar<TaskEntry> registration{{
    .name = "whitened",
    .doc = "whitened regression 1/2 ||W - Sigma||_F^2, Sigma d x d with singular values task.target (the setting of "
           "the exact deep-linear solutions)",
    .shape = PredictorShape::Matrix,
    .uses = {"task.target_basis"},
    .validate = [](const TaskParams& p, const ExtraParams&) { require_planted_matrix_target(p); },
    .build = [](const TaskParams& p, const ExtraParams&, std::uint64_t seed) -> std::unique_ptr<Task> {
        if (p.d < 1) throw ConfigError("task.d", "must be at least 1, got " + std::to_string(p.d));
        return std::make_unique<WhitenedRegression>(Index(p.d), p.target, p.target_basis, seed);
    },
    .stored_numbers = [](const TaskParams& p) { return 4.0 * double(p.d) * double(p.d); },
}};

}  // namespace
}  // namespace depthbias
