// The registered references (analysis/references/reference_registry.hpp): adapters from a task's data to the
// exact solvers of this folder. Classification: l1_max_margin (LP, CLP), l2_max_margin (hard-margin SVM).
// Regression: basis_pursuit (LP), min_l2 (X^T (X X^T)^-1 y), q (argmin Q^D_alpha s.t. X beta = y with the
// run's depth D and alpha = init_scale^(1/D): the gradient-flow limit of the diagonal network).
// Points (scalar-input networks; function-space references, values on the task's grid, wide_relu_spline.md 5):
// spline (g*, the curvature-weighted spline of the init law model.init / model.shape), kernel_limit (the
// infinite-width ReLU kernel interpolant without affine part: the limit of training on unadjusted data, claim 7),
// kernel_limit_affine (the same with the free affine block: equals g*, claim 4).
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>

#include "depthbias/analysis/references/lp.hpp"
#include "depthbias/analysis/references/mirror_potential.hpp"
#include "depthbias/analysis/references/nuclear_norm.hpp"
#include "depthbias/analysis/references/q_program.hpp"
#include "depthbias/analysis/references/reference_registry.hpp"
#include "depthbias/analysis/references/spline.hpp"
#include "depthbias/analysis/references/svm.hpp"
#include "depthbias/models/init_laws.hpp"
#include "depthbias/tasks/binary_classification.hpp"
#include "depthbias/tasks/point_regression.hpp"
#include "depthbias/analysis/references/mirror_function_space.hpp"
#include "depthbias/tasks/matrix_completion.hpp"
#include "depthbias/tasks/sparse_regression.hpp"

namespace depthbias {
namespace {

// The reference f(task, model params[, extension keys]) for tasks of type T, nothing for the others.
template <class T, class F>
std::function<std::optional<Vec>(const Task&, const ModelParams&, const ExtraParams&)> on(F f) {
    return [f](const Task& task, const ModelParams& m, const ExtraParams& e) -> std::optional<Vec> {
        const auto* t = dynamic_cast<const T*>(&task);
        if (!t) return std::nullopt;
        if constexpr (std::is_invocable_v<F, const T&, const ModelParams&, const ExtraParams&>)
            return f(*t, m, e);
        else
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

// The minimum nuclear norm of one completion instance, solved once per process (an experiment's runs over depths and
// init scales share the instance; process-wide, guarded: a duplicate request waits for the first computation).
template <class F>
ReferenceSolution cached_completion(const std::string& name, const CompletionObservations& obs, F solve) {
    static std::mutex mu;
    static std::map<std::string, ReferenceSolution> cache;
    std::string key = name + "|" + std::to_string(obs.rows) + "x" + std::to_string(obs.cols) + "|";
    key.append(reinterpret_cast<const char*>(obs.indices.data()), obs.indices.size() * sizeof(Index));
    key.append(reinterpret_cast<const char*>(obs.values.data()), obs.values.size() * sizeof(double));
    std::lock_guard<std::mutex> lock(mu);
    const auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    ReferenceSolution r = solve();
    cache.emplace(key, r);
    return r;
}

const Registrar<ReferenceEntry> nuclear_sdp{{
    .name = "min_nuclear_norm",
    .doc = "completion: the minimum-nuclear-norm completion of the observed entries (SDP through DSDP, duality gap "
           "1e-8 relative; sizes rows + cols up to ~100 in seconds, n = 40 with 400 entries ~8 s); the summary reports "
           "final.min_nuclear_norm_{nuclear_norm, duality_gap, relative_duality_gap, max_violation}",
    .same_scale = true,
    .compute = [](const Task& task, const ModelParams&, const ExtraParams&) -> std::optional<ReferenceSolution> {
        Index rows = 0, cols = 0;
        const auto ms = completion_measurements(task, rows, cols);
        if (!ms) return std::nullopt;
        return cached_completion("sdp", *completion_observations(task), [&] {
            const refs::NuclearNormResult r = refs::min_nuclear_norm_sdp(rows, cols, *ms);
            return ReferenceSolution(flat(r.x), {{"nuclear_norm", r.nuclear_norm},
                                                 {"duality_gap", r.duality_gap},
                                                 {"relative_duality_gap", r.duality_gap / std::max(1.0, std::abs(r.primal_objective))},
                                                 {"max_violation", r.max_violation}});
        });
    },
}};

// rho sets the singular-value threshold 1/rho; scale-free choice 1/rho = ||b|| / 20 (n = 100, m = 2000, ||W*||_F =
// 100: rho ~ 0.45, ~500 iterations to 1e-8 where rho = 0.05 needs ~5000; measured with a numpy port, BENCHMARKS.md).
const Registrar<ReferenceEntry> nuclear_admm{{
    .name = "min_nuclear_norm_admm",
    .doc = "completion: the minimum-nuclear-norm completion by ADMM with singular-value thresholding (first order, "
           "for sizes beyond the SDP; 1/rho = ||b|| / 20, tolerance 1e-8 relative); the summary reports "
           "final.min_nuclear_norm_admm_{nuclear_norm, residual, iterations, max_violation}",
    .same_scale = true,
    .compute = [](const Task& task, const ModelParams&, const ExtraParams&) -> std::optional<ReferenceSolution> {
        Index rows = 0, cols = 0;
        const auto ms = completion_measurements(task, rows, cols);
        if (!ms) return std::nullopt;
        return cached_completion("admm", *completion_observations(task), [&] {
            double bnorm = 0;
            for (const auto& m : *ms) bnorm += m.b * m.b;
            bnorm = std::sqrt(bnorm);
            const double rho = bnorm > 0 ? 20.0 / bnorm : 1.0;
            const refs::NuclearNormResult r = refs::min_nuclear_norm_completion_admm(rows, cols, *ms, rho, 1e-8, 20000);
            return ReferenceSolution(flat(r.x), {{"nuclear_norm", r.nuclear_norm},
                                                 {"residual", r.duality_gap / std::max(bnorm, 1e-300)},
                                                 {"iterations", double(r.iterations)},
                                                 {"max_violation", r.max_violation}});
        });
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

const Registrar<ReferenceEntry> bregman{{
    .name = "bregman",
    .doc = "regression: argmin D_Phi(beta, 0) s.t. X beta = y for the mirror dynamics' potential (dynamics.potential, "
           "dynamics.potential_beta, dynamics.potential_scale); damped Newton on the dual",
    .same_scale = true,
    .compute = on<SparseRegression>([](const SparseRegression& t, const ModelParams&, const ExtraParams& e) {
        const MirrorPotential pot(e.get<std::string>("dynamics.potential"), e.get<double>("dynamics.potential_beta"),
                                  e.get<double>("dynamics.potential_scale"));
        return refs::bregman_projection(pot, t.inputs(), t.labels(), Vec::Zero(t.inputs().cols()));
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

// The function-space references cost ~1 s of quadrature each and depend only on the data and the init law: an
// experiment's runs (many seeds and widths on one data set) share them through this cache (process-wide, guarded;
// a duplicate request waits for the first computation).
template <class F>
Vec cached(const std::string& name, const PointRegression& t, const ModelParams& m, F compute) {
    static std::mutex mu;
    static std::map<std::string, Vec> cache;
    std::string key = name + "|" + m.init + "|";
    const auto bytes = [&key](const double* p, Index n) { key.append(reinterpret_cast<const char*>(p), size_t(n) * sizeof(double)); };
    bytes(m.shape.data(), Index(m.shape.size()));
    key += "|";
    bytes(t.inputs().data(), t.inputs().size());
    bytes(t.labels().data(), t.labels().size());
    std::lock_guard<std::mutex> lock(mu);
    const auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    Vec v = compute();
    cache.emplace(key, v);
    return v;
}

refs::Zeta zeta_of(const ModelParams& m) {
    const InitLaw law = init_law(m.init, m.shape);
    return {[law](double x) { return law.zeta(x); }, law.entry->kinks(law.sw, law.sb)};
}

const Registrar<ReferenceEntry> spline{{
    .name = "spline",
    .doc = "points: g* = argmin int g''^2 / zeta s.t. g(x_j) = y_j, affine part free (zeta of model.init), on the grid",
    .same_scale = true,
    .compute = on<PointRegression>([](const PointRegression& t, const ModelParams& m) -> Vec {
        return cached("spline", t, m, [&] { return refs::curvature_spline(t.inputs(), t.labels(), zeta_of(m))(t.grid()); });
    }),
    .function_space = true,
}};

const Registrar<ReferenceEntry> kernel_limit{{
    .name = "kernel_limit",
    .doc = "points: infinite-width ReLU kernel interpolant, no affine part (limit of unadjusted training), on the grid",
    .same_scale = true,
    .compute = on<PointRegression>([](const PointRegression& t, const ModelParams& m) -> Vec {
        return cached("kernel_limit", t, m, [&] {
            return refs::KernelInterpolant(t.inputs(), t.labels(), refs::relu_limit_kernel(zeta_of(m)), false)(t.grid());
        });
    }),
    .function_space = true,
}};

// mirror_flow.md 3.2 (the digest's derivation, not the paper's problem): for w = +-1 and B ~ U(-b, b) (init law
// binary with weight scale 1; other laws: not defined, nothing), the limit of GD / unscaled mirror descent on the
// output layer from 0 without ASI.
const Registrar<ReferenceEntry> relu_function_space{{
    .name = "relu_function_space",
    .doc = "points, model.init = binary with weight scale 1: argmin int g''^2/p_B + 4u^2 + 4v^2/sigma_B^2 s.t. "
           "g(x_j) = y_j (mirror_flow.md 3.2, the digest's derivation; output layer from 0, no ASI), on the grid",
    .same_scale = true,
    .compute = on<PointRegression>([](const PointRegression& t, const ModelParams& m) -> std::optional<Vec> {
        const InitLaw law = init_law(m.init, m.shape);
        if (m.init != "binary" || law.sw != 1.0) return std::nullopt;
        return cached("relu_function_space", t, m, [&] {
            return refs::ReluFunctionSpace(t.inputs(), t.labels(), refs::BiasDensity::uniform(law.sb), 3000)(t.grid());
        });
    }),
    .function_space = true,
}};

const Registrar<ReferenceEntry> kernel_limit_affine{{
    .name = "kernel_limit_affine",
    .doc = "points: infinite-width ReLU kernel interpolant with free affine part (= spline), on the grid",
    .same_scale = true,
    .compute = on<PointRegression>([](const PointRegression& t, const ModelParams& m) -> Vec {
        return cached("kernel_limit_affine", t, m, [&] {
            return refs::KernelInterpolant(t.inputs(), t.labels(), refs::relu_limit_kernel(zeta_of(m)), true)(t.grid());
        });
    }),
    .function_space = true,
}};

}  // namespace
}  // namespace depthbias
