#include "depthbias/run/config.hpp"

#include <cmath>
#include <functional>
#include <sstream>
#include <toml++/toml.h>
#include <variant>

#include "depthbias/core/error.hpp"

namespace depthbias {
namespace {

using Member = std::variant<std::string RunConfig::*, std::int64_t RunConfig::*, double RunConfig::*,
                            bool RunConfig::*, std::vector<double> RunConfig::*>;

struct Field {
    const char* key;  // "section.name"
    Member member;
    const char* doc;
};

const std::vector<Field>& fields() {
    static const std::vector<Field> f = {
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
    };
    return f;
}

const Field* find_field(const std::string& key) {
    for (const auto& f : fields())
        if (key == f.key) return &f;
    return nullptr;
}

std::string allowed_in(const std::string& section) {
    std::string s;
    for (const auto& f : fields()) {
        const std::string k = f.key;
        if (k.rfind(section + ".", 0) == 0) s += (s.empty() ? "" : ", ") + k.substr(section.size() + 1);
    }
    return s;
}

const char* type_name(const Member& m) {
    return std::visit(
        [](auto p) -> const char* {
            using T = std::remove_cvref_t<decltype(std::declval<RunConfig>().*p)>;
            if constexpr (std::is_same_v<T, std::string>) return "string";
            if constexpr (std::is_same_v<T, std::int64_t>) return "integer";
            if constexpr (std::is_same_v<T, double>) return "number";
            if constexpr (std::is_same_v<T, bool>) return "boolean";
            return "array of numbers";
        },
        m);
}

double finite_number(const toml::node& n, const std::string& key) {
    double v;
    if (auto i = n.as_integer())
        v = double(i->get());
    else if (auto f = n.as_floating_point())
        v = f->get();
    else
        throw ConfigError(key, "expected a number");
    if (!std::isfinite(v)) throw ConfigError(key, "must be a finite number, got " + std::to_string(v));
    return v;
}

void set_field(RunConfig& cfg, const Field& f, const toml::node& n) {
    const std::string key = f.key;
    std::visit(
        [&](auto p) {
            using T = std::remove_cvref_t<decltype(cfg.*p)>;
            if constexpr (std::is_same_v<T, std::string>) {
                auto s = n.as_string();
                if (!s) throw ConfigError(key, "expected a string");
                cfg.*p = s->get();
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                if (auto i = n.as_integer()) {
                    cfg.*p = i->get();
                } else if (auto fl = n.as_floating_point()) {
                    const double v = fl->get();
                    if (!std::isfinite(v) || v != std::floor(v) || std::abs(v) > 9e15)
                        throw ConfigError(key, "expected an integer, got " + std::to_string(v));
                    cfg.*p = std::int64_t(v);
                } else {
                    throw ConfigError(key, "expected an integer");
                }
            } else if constexpr (std::is_same_v<T, double>) {
                cfg.*p = finite_number(n, key);
            } else if constexpr (std::is_same_v<T, bool>) {
                auto b = n.as_boolean();
                if (!b) throw ConfigError(key, "expected true or false");
                cfg.*p = b->get();
            } else {
                auto arr = n.as_array();
                if (!arr) throw ConfigError(key, "expected an array of numbers");
                std::vector<double> v;
                for (const auto& e : *arr) v.push_back(finite_number(e, key));
                cfg.*p = v;
            }
        },
        f.member);
}

void apply_table(RunConfig& cfg, const toml::table& t, const std::string& prefix,
                 const std::vector<std::string>& ignored) {
    for (const auto& [k, node] : t) {
        const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
        if (prefix.empty()) {
            bool skip = false;
            for (const auto& ig : ignored) skip = skip || key == ig;
            if (skip) continue;
            if (!node.is_table()) {
                if (node.is_array_of_tables())
                    throw ConfigError(key, "unknown section (allowed: run, task, model, dynamics, observe, analysis)");
                throw ConfigError(key, "unknown key at top level; keys belong in a section such as [task]");
            }
            if (allowed_in(key).empty())
                throw ConfigError(key, "unknown section (allowed: run, task, model, dynamics, observe, analysis)");
            apply_table(cfg, *node.as_table(), key, ignored);
            continue;
        }
        const Field* f = find_field(key);
        if (!f) throw ConfigError(key, "unknown key (allowed in [" + prefix + "]: " + allowed_in(prefix) + ")");
        set_field(cfg, *f, node);
    }
}

std::string format_value(const RunConfig& cfg, const Member& m) {
    std::ostringstream s;
    s.precision(17);
    std::visit(
        [&](auto p) {
            using T = std::remove_cvref_t<decltype(cfg.*p)>;
            const auto& v = cfg.*p;
            if constexpr (std::is_same_v<T, std::string>) {
                s << toml::value<std::string>(v);
            } else if constexpr (std::is_same_v<T, bool>) {
                s << (v ? "true" : "false");
            } else if constexpr (std::is_same_v<T, std::vector<double>>) {
                s << "[";
                for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << toml::value<double>(v[i]);
                s << "]";
            } else if constexpr (std::is_same_v<T, double>) {
                s << toml::value<double>(v);
            } else {
                s << v;
            }
        },
        m);
    return s.str();
}

}  // namespace

void apply_toml(RunConfig& cfg, const toml::table& doc, const std::vector<std::string>& ignored) {
    apply_table(cfg, doc, "", ignored);
}

void apply_override(RunConfig& cfg, const std::string& assignment) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        throw ConfigError("--set", "expected key=value, got '" + assignment + "'");
    const std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
    const Field* f = find_field(key);
    if (!f) {
        const auto dot = key.find('.');
        const std::string sec = dot == std::string::npos ? "" : key.substr(0, dot);
        const std::string allowed = allowed_in(sec);
        throw ConfigError(key, allowed.empty() ? "unknown key (sections: run, task, model, dynamics, observe, analysis)"
                                               : "unknown key (allowed in [" + sec + "]: " + allowed + ")");
    }
    toml::table t;
    try {
        t = toml::parse("v = " + value);
    } catch (const toml::parse_error&) {
        if (std::holds_alternative<std::string RunConfig::*>(f->member)) {
            t = toml::table{{"v", value}};
        } else {
            throw ConfigError(key, "cannot parse '" + value + "' as " + type_name(f->member));
        }
    }
    set_field(cfg, *f, *t.get("v"));
}

void validate(const RunConfig& c) {
    auto one_of = [](const std::string& key, const std::string& v, std::initializer_list<const char*> allowed) {
        std::string list;
        for (const char* a : allowed) {
            if (v == a) return;
            list += (list.empty() ? "" : ", ") + std::string(a);
        }
        throw ConfigError(key, "'" + v + "' is not one of: " + list);
    };
    auto positive = [](const std::string& key, double v) {
        if (!(v > 0)) throw ConfigError(key, "must be > 0, got " + std::to_string(v));
    };
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

std::string to_toml(const RunConfig& cfg) {
    std::ostringstream out;
    std::string section;
    for (const auto& f : fields()) {
        const std::string key = f.key;
        const auto dot = key.find('.');
        const std::string sec = key.substr(0, dot);
        if (sec != section) {
            out << (section.empty() ? "" : "\n") << "[" << sec << "]\n";
            section = sec;
        }
        out << key.substr(dot + 1) << " = " << format_value(cfg, f.member) << "\n";
    }
    return out.str();
}

std::string describe_keys() {
    RunConfig defaults;
    std::ostringstream out;
    for (const auto& f : fields())
        out << "  " << f.key << " (" << type_name(f.member) << ", default " << format_value(defaults, f.member)
            << "): " << f.doc << "\n";
    return out.str();
}

}  // namespace depthbias
