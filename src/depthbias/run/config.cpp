#include "depthbias/run/config.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <sstream>
#include <toml++/toml.h>
#include <unistd.h>
#include <variant>

#include "depthbias/analysis/references/reference_registry.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/models/model_registry.hpp"
#include "depthbias/observe/observer.hpp"
#include "depthbias/run/config_schema.hpp"
#include "depthbias/tasks/task_registry.hpp"

namespace depthbias {
namespace {

using schema::one_of;
using schema::positive;

using Schema = schema::Schema<RunConfig>;
using R = RunConfig;

// "a | b | c: one line each" for a kind key, from the registry.
template <class Entry>
std::string kinds_doc(const std::string& lead) {
    std::string s = lead + Registry<Entry>::instance().names_joined(" | ");
    return s;
}

// Which registered components read a kind-specific key (their registration's `uses`).
std::string users_of(const std::string& key) {
    std::string s;
    auto scan = [&](const auto& entries, const char* selector) {
        for (const auto& e : entries)
            for (const auto& u : e.uses)
                if (u == key) s += std::string(s.empty() ? "" : ", ") + selector + " = " + e.name;
    };
    scan(TaskRegistry::instance().entries(), "task.kind");
    scan(ModelRegistry::instance().entries(), "model.kind");
    scan(DynamicsRegistry::instance().entries(), "dynamics.kind");
    return s;
}

std::string doc(const std::string& key, const std::string& text) {
    const std::string users = users_of(key);
    return users.empty() ? text : text + " [read by " + users + "]";
}

const Schema& the_schema() {
    static const Schema s = [] {
        Schema sc{
            {
                {"run.name", &R::run, &RunSection::name, "label of the run (directory and figure titles)"},
                {"run.seed", &R::run, &RunSection::seed,
                 "seed of every random draw (data: stream 1, init: stream 2, test: stream 3)"},
                {"task.kind", &R::task, &TaskParams::kind, kinds_doc<TaskEntry>("")},
                {"task.d", &R::task, &TaskParams::d,
                 "matrix side d (predictor d x d) or vector dimension d; ignored by toy (d = number of targets)"},
                {"task.measurements", &R::task, &TaskParams::measurements,
                 "m: Gaussian measurements, observed entries, or samples (quadratic, classification, regression)"},
                {"task.target", &R::task, &TaskParams::target,
                 "singular values (sensing, completion), eigenvalues of M* (quadratic), toy values, w* entries or "
                 "Fourier bins (classification), nonzero values of beta* (regression)"},
                {"task.target_basis", &R::task, &TaskParams::target_basis,
                 doc("task.target_basis", "diagonal (W* = diag(target)) | random (Haar U, V)")},
                {"task.storage", &R::task, &TaskParams::storage,
                 doc("task.storage", "float64 | float32 storage of the measurements")},
                {"task.kernel", &R::task, &TaskParams::kernel, doc("task.kernel", "fused (one pass) | two_pass (A w then A^T r)")},
                {"task.test_samples", &R::task, &TaskParams::test_samples, "fresh samples for the test error"},
                {"task.loss", &R::task, &TaskParams::loss, doc("task.loss", "exponential | logistic")},
                {"task.reduction", &R::task, &TaskParams::reduction, doc("task.reduction", "mean | sum over samples")},
                {"task.target_domain", &R::task, &TaskParams::target_domain,
                 doc("task.target_domain", "time | fourier (target = rfft bins)")},
                {"task.noise_std", &R::task, &TaskParams::noise_std, doc("task.noise_std", "label noise standard deviation")},
                {"task.normalize_columns", &R::task, &TaskParams::normalize_columns,
                 doc("task.normalize_columns", "unit-norm columns of X (OMP setting)")},
                {"task.signed_inputs", &R::task, &TaskParams::signed_inputs,
                 doc("task.signed_inputs", "explicit data rows x~_n = y_n x_n, flattened (task.d per row); replaces sampling")},
                {"task.target_law", &R::task, &TaskParams::target_law,
                 doc("task.target_law", "fixed (target values) | exponential (Exp(10) + 1 draws, one per target entry)")},
                {"task.data_file", &R::task, &TaskParams::data_file,
                 doc("task.data_file", "CSV of your own data instead of sampled data (docs/DATA.md: columns per task; "
                                       "task.d and task.measurements must match it); \"\" = sample")},
                {"model.kind", &R::model, &ModelParams::kind, kinds_doc<ModelEntry>("")},
                {"model.depth", &R::model, &ModelParams::depth, "N >= 1 (linear forces 1; symmetric is 2)"},
                {"model.init", &R::model, &ModelParams::init, doc("model.init", "gaussian | identity | orthogonal (matrix models); uniform | gaussian | binary (two_layer: init law)")},
                {"model.init_scale", &R::model, &ModelParams::init_scale,
                 "RMS singular value of W(0) (deep_matrix), RMS eigenvalue of M(0) (symmetric), sigma0 (toy)"},
                {"model.bias", &R::model, &ModelParams::bias,
                 doc("model.bias", "trainable scalar bias started at the label mean")},
                {"model.shape", &R::model, &ModelParams::shape,
                 doc("model.shape",
                     "init multipliers [a+, a-] (diagonal), [a] (power), N of them (product); [] = all 1")},
                {"dynamics.kind", &R::dynamics, &DynamicsParams::kind, kinds_doc<DynamicsEntry>("")},
                {"dynamics.max_margin", &R::dynamics, &DynamicsParams::max_margin,
                 doc("dynamics.max_margin", "stop when the margin gamma reaches this")},
                {"dynamics.lr", &R::dynamics, &DynamicsParams::lr, "step size (gd: iterate k is at flow time k * lr)"},
                {"dynamics.max_steps", &R::dynamics, &DynamicsParams::max_steps, "steps / flow accepted steps budget"},
                {"dynamics.max_time", &R::dynamics, &DynamicsParams::max_time, "flow-time budget (0: none)"},
                {"dynamics.loss_threshold", &R::dynamics, &DynamicsParams::loss_threshold,
                 "stop when loss < threshold (0: never)"},
                {"dynamics.rtol", &R::dynamics, &DynamicsParams::rtol, "adaptive flows: relative error tolerance per step"},
                {"dynamics.atol", &R::dynamics, &DynamicsParams::atol, "adaptive flows: absolute error tolerance per step"},
                {"dynamics.divergence_factor", &R::dynamics, &DynamicsParams::divergence_factor,
                 "diverged when loss exceeds factor * initial loss (or is not finite)"},
                {"observe.schedule", &R::observe, &ObserveParams::schedule, "log | linear recording times"},
                {"observe.points_per_decade", &R::observe, &ObserveParams::points_per_decade, "log schedule density"},
                {"observe.interval", &R::observe, &ObserveParams::interval, "linear schedule spacing (flow time)"},
                {"observe.max_records", &R::observe, &ObserveParams::max_records, "bound on recorded rows (thinned beyond)"},
                {"observe.top_k", &R::observe, &ObserveParams::top_k, "how many spectrum values to record"},
                {"observe.event_every", &R::observe, &ObserveParams::event_every, "check learning events every this many steps"},
                {"observe.activation_threshold", &R::observe, &ObserveParams::activation_threshold,
                 "record the order in which coordinates first exceed this value (0: off; gissin OMP comparison)"},
                {"observe.sharpness_every", &R::observe, &ObserveParams::sharpness_every,
                 "top eigenvalue of the loss Hessian (Lanczos) every this many steps and at the end (0: off)"},
                {"observe.kernel_every", &R::observe, &ObserveParams::kernel_every,
                 "lazy vs rich: the tangent kernel's distance from its start, S = 1 - <K0, Kt> / (|K0| |Kt|), and the "
                 "alignment of the predictor's singular vectors with the target's, every this many steps and at the "
                 "end (0: off; predictors of at most 1024 entries)"},
                {"analysis.epsilon", &R::analysis, &AnalysisParams::epsilon,
                 "epsilon of the incremental-learning test, in (0, 0.5)"},
                {"analysis.references", &R::analysis, &AnalysisParams::references,
                 "comma-separated references to track: " + ReferenceRegistry::instance().names_joined(", ")},
            },
            "run, task, model, dynamics, observe, analysis",
            "such as [task]",
            schema::toml_double,
        };
        sc.extra_of = [](RunConfig& c) -> ExtraParams& { return c.extra; };
        return sc;
    }();
    return s;
}

// A kind-specific key (listed in some component's `uses`) set to a non-default value while the selected
// component does not read it is an error: the setting would be silently ignored.
template <class Entry>
void check_unused_keys(const std::string& selector, const Entry& selected, const RunConfig& cfg) {
    static const RunConfig defaults{};
    const Schema& sc = the_schema();
    std::set<std::string> specific;
    for (const auto& e : Registry<Entry>::instance().entries()) specific.insert(e.uses.begin(), e.uses.end());
    for (const auto& key : specific) {
        if (std::find(selected.uses.begin(), selected.uses.end(), key) != selected.uses.end()) continue;
        const auto* f = sc.find(key);
        if (!f || sc.format_value(cfg, f->member) == sc.format_value(defaults, f->member)) continue;
        throw ConfigError(key, "is not read by " + selector + " = '" + selected.name + "' (read by " + users_of(key) + ")");
    }
}

// A config whose data and model cannot fit in this machine's memory is bad input named by its size key, not a
// std::bad_alloc (or the OOM killer) minutes later. Estimates from the registrations (stored doubles).
void check_memory(const TaskEntry& task, const ModelEntry& model, const RunConfig& c) {
    const double d = double(c.task.d);
    const double predictor = task.predictor_numbers ? task.predictor_numbers(c.task)
                             : task.shape == PredictorShape::Matrix ? d * d
                                                                    : d;
    const double data = task.stored_numbers ? task.stored_numbers(c.task)
                                            : (double(c.task.measurements) + double(c.task.test_samples)) * predictor;
    const double params = model.stored_numbers ? model.stored_numbers(c.model, predictor)
                                               : (3.0 * double(c.model.depth) + 4.0) * predictor;
    const double bytes = 8.0 * (data + params + 4.0 * predictor);  // + the objective's and observers' buffers
    const double pages = double(sysconf(_SC_PHYS_PAGES)), page = double(sysconf(_SC_PAGE_SIZE));
    const double available = pages > 0 && page > 0 ? pages * page : 0;
    if (available > 0 && bytes > available) {
        std::ostringstream s;
        s.precision(3);
        s << "the run would need about " << bytes / double(1ull << 30) << " GiB (task data "
          << 8.0 * data / double(1ull << 30) << " GiB, model " << 8.0 * params / double(1ull << 30)
          << " GiB) but this machine has " << available / double(1ull << 30) << " GiB; lower task.d"
          << (data > params ? " or task.measurements" : "");
        throw ConfigError(data > params && 8.0 * double(c.task.measurements) * predictor > 0.5 * bytes ? "task.measurements"
                                                                                                   : "task.d",
                          s.str());
    }
}

}  // namespace

void apply_toml(RunConfig& cfg, const toml::table& doc, const std::vector<std::string>& ignored) {
    the_schema().apply_table(cfg, doc, "", ignored);
}

void apply_override(RunConfig& cfg, const std::string& assignment) { the_schema().apply_override(cfg, assignment); }

void validate(const RunConfig& c) {
    const TaskEntry& task = TaskRegistry::instance().get("task.kind", c.task.kind);
    const ModelEntry& model = ModelRegistry::instance().get("model.kind", c.model.kind);
    const DynamicsEntry& dyn = DynamicsRegistry::instance().get("dynamics.kind", c.dynamics.kind);
    one_of("observe.schedule", c.observe.schedule, {"log", "linear"});
    if (c.model.depth < 1) throw ConfigError("model.depth", "must be at least 1, got " + std::to_string(c.model.depth));
    if (c.model.depth > 64) throw ConfigError("model.depth", "must be at most 64, got " + std::to_string(c.model.depth));
    if (c.task.d < 1) throw ConfigError("task.d", "must be at least 1, got " + std::to_string(c.task.d));
    if (c.task.measurements < 1)
        throw ConfigError("task.measurements", "must be at least 1, got " + std::to_string(c.task.measurements));
    if (c.task.test_samples < 0) throw ConfigError("task.test_samples", "must be >= 0");
    if (c.task.target.empty()) throw ConfigError("task.target", "must hold at least one value");
    if (c.observe.activation_threshold < 0) throw ConfigError("observe.activation_threshold", "must be >= 0");
    positive("model.init_scale", c.model.init_scale);
    positive("dynamics.lr", c.dynamics.lr);
    positive("dynamics.rtol", c.dynamics.rtol);
    positive("dynamics.atol", c.dynamics.atol);
    positive("dynamics.divergence_factor", c.dynamics.divergence_factor);
    positive("observe.points_per_decade", c.observe.points_per_decade);
    positive("observe.interval", c.observe.interval);
    if (c.dynamics.max_steps < 1) throw ConfigError("dynamics.max_steps", "must be at least 1");
    if (c.dynamics.max_time < 0) throw ConfigError("dynamics.max_time", "must be >= 0 (0: no time budget)");
    if (c.dynamics.loss_threshold < 0) throw ConfigError("dynamics.loss_threshold", "must be >= 0");
    if (c.observe.max_records < 4) throw ConfigError("observe.max_records", "must be at least 4");
    if (c.observe.max_records > 1000000)  // the recorder reserves its rows up front: 2^40 ended in std::bad_alloc
        throw ConfigError("observe.max_records", "must be at most 1000000, got " + std::to_string(c.observe.max_records));
    if (c.observe.top_k < 1) throw ConfigError("observe.top_k", "must be at least 1");
    if (c.observe.top_k > 1000)  // one timeseries.csv column each, at every record: 1e5 took minutes
        throw ConfigError("observe.top_k", "must be at most 1000, got " + std::to_string(c.observe.top_k));
    if (c.observe.event_every < 1) throw ConfigError("observe.event_every", "must be at least 1");
    if (c.observe.sharpness_every < 0) throw ConfigError("observe.sharpness_every", "must be >= 0 (0: off)");
    if (c.observe.kernel_every < 0) throw ConfigError("observe.kernel_every", "must be >= 0 (0: off)");
    if (!(c.analysis.epsilon > 0 && c.analysis.epsilon < 0.5)) throw ConfigError("analysis.epsilon", "must be in (0, 0.5)");
    // The selected components: their own rules, then the pairings, then keys that nothing selected reads.
    if (task.validate) task.validate(c.task, c.extra);
    validate_model(c.model, c.task, c.extra);
    if (dyn.validate) dyn.validate(c.dynamics, c.task, c.model, c.extra);
    check_unused_keys("task.kind", task, c);
    check_unused_keys("model.kind", model, c);
    check_unused_keys("dynamics.kind", dyn, c);
    check_memory(task, model, c);
    for (const auto& [key, value] : c.extra.values()) {
        const ExtraKey* k = Registry<ExtraKey>::instance().find(key);
        if (k && !the_schema().extra_selected(c, *k) && value != k->default_value)
            throw ConfigError(key, "is read only by " + k->owner_key + " = '" + k->owner_name + "'");
    }
}

std::string to_toml(const RunConfig& cfg) { return the_schema().to_toml(cfg); }

std::string non_default_toml(const RunConfig& cfg) { return the_schema().non_default_toml(cfg); }

std::string describe_keys() { return the_schema().describe_keys(); }

std::string config_reference_markdown() {
    std::ostringstream out;
    out << "## Keys\n\n```\n" << describe_keys() << "```\n";
    auto list = [&](const char* title, const char* selector, const auto& entries) {
        out << "\n## " << title << " (`" << selector << "`)\n\n";
        for (const auto& e : entries) out << "- `" << e.name << "`: " << e.doc << "\n";
    };
    list("Tasks", "task.kind", TaskRegistry::instance().entries());
    list("Models", "model.kind", ModelRegistry::instance().entries());
    list("Dynamics", "dynamics.kind", DynamicsRegistry::instance().entries());
    list("Observers (always built; each enabled by its keys)", "observe.*", ObserverRegistry::instance().entries());
    list("References", "analysis.references", ReferenceRegistry::instance().entries());
    return out.str();
}

}  // namespace depthbias
