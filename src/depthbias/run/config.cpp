#include "depthbias/run/config.hpp"

#include <cmath>
#include <functional>
#include <sstream>
#include <toml++/toml.h>
#include <variant>

#include "depthbias/core/error.hpp"
#include "depthbias/run/config_schema.hpp"

namespace depthbias {
namespace {

using schema::one_of;
using schema::positive;

using Schema = schema::Schema<RunConfig>;

const Schema& the_schema() {
    static const Schema s{
        {
            {"run.name", &RunConfig::name, "label of the run (directory and figure titles)"},
            {"run.seed", &RunConfig::seed, "seed of every random draw (data: stream 1, init: stream 2, test: stream 3)"},
            {"task.kind", &RunConfig::task, "sensing | completion | quadratic | toy | classification | regression"},
            {"task.d", &RunConfig::d,
             "matrix side d (predictor d x d) or vector dimension d; ignored by toy (d = number of targets)"},
            {"task.measurements", &RunConfig::measurements,
             "m: Gaussian measurements, observed entries, or samples (quadratic, classification, regression)"},
            {"task.target", &RunConfig::target,
             "singular values (sensing, completion), eigenvalues of M* (quadratic), toy values, w* entries or Fourier "
             "bins (classification), nonzero values of beta* (regression)"},
            {"task.target_basis", &RunConfig::target_basis, "diagonal (W* = diag(target)) | random (Haar U, V)"},
            {"task.storage", &RunConfig::storage, "sensing only: float64 | float32 storage of the measurements"},
            {"task.kernel", &RunConfig::kernel, "sensing only: fused (one pass) | two_pass (A w then A^T r)"},
            {"task.test_samples", &RunConfig::test_samples, "fresh samples for the test error"},
            {"task.loss", &RunConfig::loss, "classification: exponential | logistic"},
            {"task.reduction", &RunConfig::reduction, "classification: mean | sum over samples"},
            {"task.target_domain", &RunConfig::target_domain, "classification: time | fourier (target = rfft bins)"},
            {"task.noise_std", &RunConfig::noise_std, "regression: label noise standard deviation"},
            {"task.normalize_columns", &RunConfig::normalize_columns, "regression: unit-norm columns of X (OMP setting)"},
            {"task.signed_inputs", &RunConfig::signed_inputs,
             "classification: explicit data rows x~_n = y_n x_n, flattened (task.d per row); replaces sampling"},
            {"task.target_law", &RunConfig::target_law,
             "regression: fixed (target values) | exponential (Exp(10) + 1 draws, one per target entry)"},
            {"model.kind", &RunConfig::model, "linear | deep_matrix | symmetric | diagonal | diagonal_power | diagonal_product"},
            {"model.depth", &RunConfig::depth, "N >= 1 (linear forces 1; symmetric is 2)"},
            {"model.init", &RunConfig::init, "gaussian | identity | orthogonal (matrix models)"},
            {"model.init_scale", &RunConfig::init_scale,
             "RMS singular value of W(0) (deep_matrix), RMS eigenvalue of M(0) (symmetric), sigma0 (toy)"},
            {"model.bias", &RunConfig::bias, "symmetric only: trainable scalar bias started at the label mean"},
            {"model.shape", &RunConfig::shape,
             "diagonal networks: init multipliers [a+, a-] (diagonal), [a] (power), N of them (product); [] = all 1"},
            {"dynamics.kind", &RunConfig::dynamics,
             "gd (fixed step) | flow (adaptive Dormand-Prince) | dual_flow (exponential loss, diagonal model: dual "
             "variables in loss-normalized time, reaches any margin)"},
            {"dynamics.max_margin", &RunConfig::max_margin, "dual_flow: stop when the margin gamma reaches this"},
            {"dynamics.lr", &RunConfig::lr, "gd step size; iterate k is at flow time k * lr"},
            {"dynamics.max_steps", &RunConfig::max_steps, "gd steps / flow accepted steps budget"},
            {"dynamics.max_time", &RunConfig::max_time, "flow-time budget (0: none)"},
            {"dynamics.loss_threshold", &RunConfig::loss_threshold, "stop when loss < threshold (0: never)"},
            {"dynamics.rtol", &RunConfig::rtol, "flow: relative error tolerance per step"},
            {"dynamics.atol", &RunConfig::atol, "flow: absolute error tolerance per step"},
            {"dynamics.divergence_factor", &RunConfig::divergence_factor,
             "diverged when loss exceeds factor * initial loss (or is not finite)"},
            {"observe.schedule", &RunConfig::schedule, "log | linear recording times"},
            {"observe.points_per_decade", &RunConfig::points_per_decade, "log schedule density"},
            {"observe.interval", &RunConfig::interval, "linear schedule spacing (flow time)"},
            {"observe.max_records", &RunConfig::max_records, "bound on recorded rows (thinned beyond)"},
            {"observe.top_k", &RunConfig::top_k, "how many spectrum values to record"},
            {"observe.event_every", &RunConfig::event_every, "check learning events every this many steps"},
            {"observe.activation_threshold", &RunConfig::activation_threshold,
             "record the order in which coordinates first exceed this value (0: off; gissin OMP comparison)"},
            {"analysis.epsilon", &RunConfig::epsilon, "epsilon of the incremental-learning test, in (0, 0.5)"},
            {"analysis.references", &RunConfig::references,
             "comma-separated references to track (classification: l1_max_margin, l2_max_margin; regression: "
             "basis_pursuit, min_l2, q)"},
        },
        "run, task, model, dynamics, observe, analysis",
        "such as [task]",
        schema::toml_double,
    };
    return s;
}

}  // namespace

void apply_toml(RunConfig& cfg, const toml::table& doc, const std::vector<std::string>& ignored) {
    the_schema().apply_table(cfg, doc, "", ignored);
}

void apply_override(RunConfig& cfg, const std::string& assignment) {
    the_schema().apply_override(cfg, assignment);
}

void validate(const RunConfig& c) {
    one_of("task.kind", c.task, {"sensing", "completion", "quadratic", "toy", "classification", "regression"});
    one_of("model.kind", c.model,
           {"linear", "deep_matrix", "symmetric", "diagonal", "diagonal_power", "diagonal_product", "circular_conv"});
    one_of("task.loss", c.loss, {"exponential", "logistic"});
    one_of("task.reduction", c.reduction, {"mean", "sum"});
    one_of("task.target_domain", c.target_domain, {"time", "fourier"});
    one_of("task.target_law", c.target_law, {"fixed", "exponential"});
    if (c.noise_std < 0) throw ConfigError("task.noise_std", "must be >= 0");
    one_of("model.init", c.init, {"gaussian", "identity", "orthogonal"});
    one_of("task.target_basis", c.target_basis, {"diagonal", "random"});
    one_of("task.storage", c.storage, {"float64", "float32"});
    one_of("task.kernel", c.kernel, {"fused", "two_pass"});
    one_of("dynamics.kind", c.dynamics, {"gd", "flow", "dual_flow"});
    if (c.dynamics == "dual_flow") {
        if (c.task != "classification" || c.loss != "exponential")
            throw ConfigError("dynamics.kind", "dual_flow needs task.kind = classification with task.loss = exponential");
        if (c.model != "diagonal" || !c.shape.empty())
            throw ConfigError("dynamics.kind", "dual_flow needs model.kind = diagonal with the unbiased init (no shape)");
        positive("dynamics.max_margin", c.max_margin);
    }
    if (!c.signed_inputs.empty() && (c.task != "classification" || std::int64_t(c.signed_inputs.size()) % c.d != 0))
        throw ConfigError("task.signed_inputs", "needs task.kind = classification and a multiple of task.d entries");
    if (c.activation_threshold < 0) throw ConfigError("observe.activation_threshold", "must be >= 0");
    one_of("observe.schedule", c.schedule, {"log", "linear"});
    if (c.depth < 1) throw ConfigError("model.depth", "must be at least 1, got " + std::to_string(c.depth));
    if (c.depth > 64) throw ConfigError("model.depth", "must be at most 64, got " + std::to_string(c.depth));
    if (c.d < 1) throw ConfigError("task.d", "must be at least 1, got " + std::to_string(c.d));
    if (c.measurements < 1)
        throw ConfigError("task.measurements", "must be at least 1, got " + std::to_string(c.measurements));
    if (c.test_samples < 0) throw ConfigError("task.test_samples", "must be >= 0");
    if (c.target.empty()) throw ConfigError("task.target", "must hold at least one value");
    if (c.task != "classification")  // a classification target is a direction: signs and zeros allowed
        for (double v : c.target)
            if (!(v > 0)) throw ConfigError("task.target", "entries must be > 0, got " + std::to_string(v));
    positive("model.init_scale", c.init_scale);
    positive("dynamics.lr", c.lr);
    positive("dynamics.rtol", c.rtol);
    positive("dynamics.atol", c.atol);
    positive("dynamics.divergence_factor", c.divergence_factor);
    positive("observe.points_per_decade", c.points_per_decade);
    positive("observe.interval", c.interval);
    if (c.max_steps < 1) throw ConfigError("dynamics.max_steps", "must be at least 1");
    if (c.max_time < 0) throw ConfigError("dynamics.max_time", "must be >= 0 (0: no time budget)");
    if (c.loss_threshold < 0) throw ConfigError("dynamics.loss_threshold", "must be >= 0");
    if (c.max_records < 4) throw ConfigError("observe.max_records", "must be at least 4");
    if (c.top_k < 1) throw ConfigError("observe.top_k", "must be at least 1");
    if (c.event_every < 1) throw ConfigError("observe.event_every", "must be at least 1");
    if (!(c.epsilon > 0 && c.epsilon < 0.5)) throw ConfigError("analysis.epsilon", "must be in (0, 0.5)");
    const bool vector_task = c.task == "toy" || c.task == "classification" || c.task == "regression";
    const bool vector_model = c.model.rfind("diagonal", 0) == 0 || c.model == "circular_conv";
    if (vector_task != vector_model)
        throw ConfigError("model.kind", "'" + c.model + "' does not fit task.kind = '" + c.task +
                                            "' (diagonal and circular_conv models go with the vector tasks toy, "
                                            "classification, regression; matrix models with matrix tasks)");
    if (!c.shape.empty() && c.model.rfind("diagonal", 0) != 0)
        throw ConfigError("model.shape", "only diagonal networks take a shape");
    if (c.model == "symmetric" && c.task == "completion")
        throw ConfigError("model.kind", "symmetric factor needs a symmetric target (use task.kind = quadratic)");
    if (c.bias && c.model != "symmetric") throw ConfigError("model.bias", "only the symmetric model has a bias");
    if (c.task != "toy" && c.task != "classification" && std::int64_t(c.target.size()) > c.d)
        throw ConfigError("task.target", "has more values than task.d = " + std::to_string(c.d));
    if (c.task == "sensing" && double(c.measurements) * double(c.d) * double(c.d) > 4e9)
        throw ConfigError("task.measurements", "m * d^2 exceeds 4e9 stored numbers");
    if (c.dynamics == "flow" && c.max_time == 0 && c.loss_threshold == 0)
        throw ConfigError("dynamics.max_time", "gradient flow needs a time budget or a loss threshold");
}

std::string to_toml(const RunConfig& cfg) { return the_schema().to_toml(cfg); }

std::string describe_keys() { return the_schema().describe_keys(); }

}  // namespace depthbias
