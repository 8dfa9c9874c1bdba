// The registered references (analysis/references/reference_registry.hpp): adapters from a task's data to the
// exact solvers of this folder. Classification: l1_max_margin (LP, CLP), l2_max_margin (hard-margin SVM).
// Regression: basis_pursuit (LP), min_l2 (X^T (X X^T)^-1 y), q (argmin Q^D_alpha s.t. X beta = y with the
// run's depth D and alpha = init_scale^(1/D): the gradient-flow limit of the diagonal network).
#include <cmath>

#include "depthbias/analysis/references/lp.hpp"
#include "depthbias/analysis/references/nuclear_norm.hpp"
#include "depthbias/analysis/references/q_program.hpp"
#include "depthbias/analysis/references/reference_registry.hpp"
#include "depthbias/analysis/references/svm.hpp"
#include "depthbias/tasks/binary_classification.hpp"
#include "depthbias/tasks/matrix_completion.hpp"
#include "depthbias/tasks/sparse_regression.hpp"

namespace depthbias {
namespace {

template <class T, class F>
std::function<std::optional<Vec>(const Task&, const ModelParams&)> on(F f) {
    return [f](const Task& task, const ModelParams& m) -> std::optional<Vec> {
        const auto* t = dynamic_cast<const T*>(&task);
        if (!t) return std::nullopt;
        return f(*t, m);
    };
}

// A completion task's observations as nuclear-norm measurements (one entry each), or nullopt for other tasks.
std::optional<std::vector<refs::Measurement>> completion_measurements(const Task& task, Index& rows, Index& cols) {
    const auto obs = completion_observations(task);
    if (!obs) return std::nullopt;
    rows = obs->rows;
    cols = obs->cols;
    std::vector<refs::Measurement> ms;
    for (size_t k = 0; k < obs->indices.size(); ++k)
        ms.push_back({{obs->indices[k] % obs->rows}, {obs->indices[k] / obs->rows}, {1.0}, obs->values[k]});
    return ms;
}

Vec flat(const Mat& x) { return Eigen::Map<const Vec>(x.data(), x.size()); }

const Registrar<ReferenceEntry> nuclear_sdp{{
    .name = "min_nuclear_norm",
    .doc = "completion: the minimum-nuclear-norm completion of the observed entries (SDP through DSDP, duality gap "
           "1e-8 relative; sizes rows + cols up to ~200)",
    .same_scale = true,
    .compute = [](const Task& task, const ModelParams&) -> std::optional<Vec> {
        Index rows = 0, cols = 0;
        const auto ms = completion_measurements(task, rows, cols);
        if (!ms) return std::nullopt;
        return flat(refs::min_nuclear_norm_sdp(rows, cols, *ms).x);
    },
}};

const Registrar<ReferenceEntry> nuclear_admm{{
    .name = "min_nuclear_norm_admm",
    .doc = "completion: the minimum-nuclear-norm completion by ADMM with singular-value thresholding (first order, "
           "for sizes beyond the SDP; rho = 0.05, tolerance 1e-9 relative)",
    .same_scale = true,
    .compute = [](const Task& task, const ModelParams&) -> std::optional<Vec> {
        Index rows = 0, cols = 0;
        const auto ms = completion_measurements(task, rows, cols);
        if (!ms) return std::nullopt;
        return flat(refs::min_nuclear_norm_completion_admm(rows, cols, *ms).x);
    },
}};

const Registrar<ReferenceEntry> l1{{
    .name = "l1_max_margin",
    .doc = "classification: the l1 max-margin direction (LP through CLP)",
    .same_scale = false,
    .compute = on<BinaryClassification>([](const BinaryClassification& t, const ModelParams&) {
        return refs::l1_max_margin(t.signed_inputs());
    }),
}};

const Registrar<ReferenceEntry> l2{{
    .name = "l2_max_margin",
    .doc = "classification: the l2 max-margin direction (exact hard-margin SVM)",
    .same_scale = false,
    .compute = on<BinaryClassification>([](const BinaryClassification& t, const ModelParams&) {
        return refs::l2_max_margin(t.signed_inputs());
    }),
}};

const Registrar<ReferenceEntry> bp{{
    .name = "basis_pursuit",
    .doc = "regression: the min-l1 interpolator (LP)",
    .same_scale = true,
    .compute = on<SparseRegression>([](const SparseRegression& t, const ModelParams&) {
        return refs::basis_pursuit(t.inputs(), t.labels());
    }),
}};

const Registrar<ReferenceEntry> min_l2{{
    .name = "min_l2",
    .doc = "regression: the min-l2 interpolator X^T (X X^T)^-1 y",
    .same_scale = true,
    .compute = on<SparseRegression>([](const SparseRegression& t, const ModelParams&) {
        return refs::min_l2_interpolation(t.inputs(), t.labels());
    }),
}};

const Registrar<ReferenceEntry> q{{
    .name = "q",
    .doc = "regression: argmin Q^D_alpha s.t. X beta = y (D = model.depth, alpha = init_scale^(1/D))",
    .same_scale = true,
    .compute = on<SparseRegression>([](const SparseRegression& t, const ModelParams& m) {
        return refs::q_regression(t.inputs(), t.labels(), int(m.depth), std::pow(m.init_scale, 1.0 / double(m.depth)));
    }),
}};

}  // namespace
}  // namespace depthbias
