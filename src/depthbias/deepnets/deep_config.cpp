#include "depthbias/deepnets/deep_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <variant>

#include "depthbias/core/error.hpp"

namespace depthbias::deepnets {
namespace {

using C = DeepConfig;
using Member = std::variant<std::string C::*, std::int64_t C::*, double C::*, bool C::*,
                            std::vector<std::int64_t> C::*>;

struct Field {
    const char* key;
    Member member;
    const char* doc;
};

const std::vector<Field>& fields() {
    static const std::vector<Field> f = {
        {"run.name", &C::name, "label of the run"},
        {"run.seed", &C::seed, "seed of the initialisation (torch generator) and of the per-epoch shuffles"},
        {"run.threads", &C::threads, "torch intra-op threads (1: one core, the default)"},
        {"run.gemm", &C::gemm,
         "eigen | torch: kernel of the Linear layers' matrix products (Debian's libtorch uses reference BLAS)"},
        {"data.dataset", &C::dataset, "fashion-mnist | gaussian-mixture (synthetic, for fast tests)"},
        {"data.dir", &C::dir, "directory of the Fashion-MNIST *-ubyte.gz files (Debian: dataset-fashion-mnist)"},
        {"data.train_per_class", &C::train_per_class, "training samples kept per class (0: the full split)"},
        {"data.test_per_class", &C::test_per_class, "test samples kept per class (0: the full split)"},
        {"data.subsample_seed", &C::subsample_seed, "seed of the per-class subsampling"},
        {"data.corruption", &C::corruption, "label corruption p in [0, 1) (training labels only)"},
        {"data.corruption_mode", &C::corruption_mode,
         "authors (each label w.p. p -> randint(0, C), numpy-exact, before subsampling) | exact (round(p m) "
         "labels changed to a different class, after subsampling)"},
        {"data.corruption_seed", &C::corruption_seed, "seed of the corruption (the authors' code: 12345)"},
        {"data.mixture_classes", &C::mixture_classes, "gaussian-mixture: number of classes"},
        {"data.mixture_side", &C::mixture_side, "gaussian-mixture: image side (features = side^2; multiple of 4)"},
        {"data.mixture_separation", &C::mixture_separation, "gaussian-mixture: std of the class-mean coordinates"},
        {"data.mixture_noise", &C::mixture_noise, "gaussian-mixture: std of the per-sample noise"},
        {"data.mixture_seed", &C::mixture_seed, "gaussian-mixture: seed of means and samples"},
        {"model.arch", &C::arch, "mlp (MLP-L-H) | conv (CONV-L-H), galanti.md section 2"},
        {"model.depth", &C::depth, "L: number of hidden layers (mlp) or 3x3 conv layers (conv), 1..64"},
        {"model.width", &C::width, "H: hidden width (mlp) or channels (conv)"},
        {"train.epochs", &C::epochs, "training epochs"},
        {"train.batch_size", &C::batch_size, "SGD batch size (the last partial batch is kept)"},
        {"train.lr", &C::lr, "initial learning rate"},
        {"train.momentum", &C::momentum, "SGD momentum"},
        {"train.weight_decay", &C::weight_decay, "weight decay on all parameters (BN included)"},
        {"train.milestones", &C::milestones, "epochs (0-based) at which the learning rate is multiplied by gamma"},
        {"train.gamma", &C::gamma, "learning-rate decay factor at each milestone"},
        {"metrics.every", &C::every, "measure after every this many epochs (0: only metrics.at and the last)"},
        {"metrics.at", &C::at, "measure after these epochs (0: at initialisation); the last epoch always is"},
        {"metrics.epsilon", &C::epsilon, "epsilon of the effective depth: first layer with NCC train error <= eps"},
        {"metrics.batch_size", &C::metric_batch, "batch size of the metric passes (eval mode, no gradients)"},
        {"metrics.labels", &C::metric_labels, "train (the training labels, corrupted if any: the paper's) | clean"},
        {"metrics.test_cdnv", &C::test_cdnv, "compute the test CDNV (two more passes over the test set)"},
    };
    return f;
}

const Field* find_field(const std::string& key) {
    for (const auto& f : fields())
        if (key == f.key) return &f;
    return nullptr;
}

std::string sections() { return "run, data, model, train, metrics"; }

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
            using T = std::remove_cvref_t<decltype(std::declval<C>().*p)>;
            if constexpr (std::is_same_v<T, std::string>) return "string";
            if constexpr (std::is_same_v<T, std::int64_t>) return "integer";
            if constexpr (std::is_same_v<T, double>) return "number";
            if constexpr (std::is_same_v<T, bool>) return "boolean";
            return "array of integers";
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

std::int64_t integer(const toml::node& n, const std::string& key) {
    if (auto i = n.as_integer()) return i->get();
    if (auto fl = n.as_floating_point()) {
        const double v = fl->get();
        if (!std::isfinite(v) || v != std::floor(v) || std::abs(v) > 9e15)
            throw ConfigError(key, "expected an integer, got " + std::to_string(v));
        return std::int64_t(v);
    }
    throw ConfigError(key, "expected an integer");
}

void set_field(C& cfg, const Field& f, const toml::node& n) {
    const std::string key = f.key;
    std::visit(
        [&](auto p) {
            using T = std::remove_cvref_t<decltype(cfg.*p)>;
            if constexpr (std::is_same_v<T, std::string>) {
                auto s = n.as_string();
                if (!s) throw ConfigError(key, "expected a string");
                cfg.*p = s->get();
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                cfg.*p = integer(n, key);
            } else if constexpr (std::is_same_v<T, double>) {
                cfg.*p = finite_number(n, key);
            } else if constexpr (std::is_same_v<T, bool>) {
                auto b = n.as_boolean();
                if (!b) throw ConfigError(key, "expected true or false");
                cfg.*p = b->get();
            } else {
                auto arr = n.as_array();
                if (!arr) throw ConfigError(key, "expected an array of integers");
                std::vector<std::int64_t> v;
                for (const auto& e : *arr) v.push_back(integer(e, key));
                cfg.*p = v;
            }
        },
        f.member);
}

void apply_table(C& cfg, const toml::table& t, const std::string& prefix, const std::vector<std::string>& ignored) {
    for (const auto& [k, node] : t) {
        const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
        if (prefix.empty()) {
            if (std::find(ignored.begin(), ignored.end(), key) != ignored.end()) continue;
            if (!node.is_table() || allowed_in(key).empty())
                throw ConfigError(key, node.is_table() ? "unknown section (allowed: " + sections() + ")"
                                                       : "unknown key at top level; keys belong in a section (" +
                                                             sections() + ")");
            apply_table(cfg, *node.as_table(), key, ignored);
            continue;
        }
        const Field* f = find_field(key);
        if (!f) throw ConfigError(key, "unknown key (allowed in [" + prefix + "]: " + allowed_in(prefix) + ")");
        set_field(cfg, *f, node);
    }
}

// The shortest decimal that reads back as exactly v, spelled as a TOML float (0.9, not 0.90000000000000002).
std::string shortest_float(double v) {
    char buf[40];
    for (int p = 1; p <= 17; ++p) {
        std::snprintf(buf, sizeof buf, "%.*g", p, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    std::string out = buf;
    if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
    return out;
}

std::string format_value(const C& cfg, const Member& m) {
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
            } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
                s << "[";
                for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
                s << "]";
            } else if constexpr (std::is_same_v<T, double>) {
                s << shortest_float(v);
            } else {
                s << v;
            }
        },
        m);
    return s.str();
}

}  // namespace

void apply_toml(DeepConfig& cfg, const toml::table& doc, const std::vector<std::string>& ignored) {
    apply_table(cfg, doc, "", ignored);
}

void apply_override(DeepConfig& cfg, const std::string& assignment) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) throw ConfigError("--set", "expected key=value, got '" + assignment + "'");
    const std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
    const Field* f = find_field(key);
    if (!f) {
        const auto dot = key.find('.');
        const std::string sec = dot == std::string::npos ? "" : key.substr(0, dot);
        const std::string allowed = allowed_in(sec);
        throw ConfigError(key, allowed.empty() ? "unknown key (sections: " + sections() + ")"
                                               : "unknown key (allowed in [" + sec + "]: " + allowed + ")");
    }
    toml::table t;
    try {
        t = toml::parse("v = " + value);
    } catch (const toml::parse_error&) {
        if (!std::holds_alternative<std::string C::*>(f->member))
            throw ConfigError(key, "cannot parse '" + value + "' as " + type_name(f->member));
        t = toml::table{{"v", value}};
    }
    set_field(cfg, *f, *t.get("v"));
}

void validate(const DeepConfig& c) {
    auto one_of = [](const std::string& key, const std::string& v, std::initializer_list<const char*> allowed) {
        std::string list;
        for (const char* a : allowed) {
            if (v == a) return;
            list += (list.empty() ? "" : ", ") + std::string(a);
        }
        throw ConfigError(key, "'" + v + "' is not one of: " + list);
    };
    auto at_least = [](const std::string& key, std::int64_t v, std::int64_t lo) {
        if (v < lo) throw ConfigError(key, "must be at least " + std::to_string(lo) + ", got " + std::to_string(v));
    };
    auto positive = [](const std::string& key, double v) {
        if (!(v > 0)) throw ConfigError(key, "must be > 0, got " + std::to_string(v));
    };
    one_of("run.gemm", c.gemm, {"eigen", "torch"});
    one_of("data.dataset", c.dataset, {"fashion-mnist", "gaussian-mixture"});
    one_of("data.corruption_mode", c.corruption_mode, {"authors", "exact"});
    one_of("model.arch", c.arch, {"mlp", "conv"});
    one_of("metrics.labels", c.metric_labels, {"train", "clean"});
    at_least("run.seed", c.seed, 0);
    at_least("run.threads", c.threads, 1);
    at_least("data.train_per_class", c.train_per_class, 0);
    at_least("data.test_per_class", c.test_per_class, 0);
    at_least("data.subsample_seed", c.subsample_seed, 0);
    if (!(c.corruption >= 0 && c.corruption < 1))
        throw ConfigError("data.corruption", "must be in [0, 1), got " + std::to_string(c.corruption));
    if (c.corruption_seed < 0 || c.corruption_seed > 0xffffffffLL)
        throw ConfigError("data.corruption_seed", "must be in [0, 2^32 - 1] (numpy's legacy seed range)");
    if (c.dataset == "gaussian-mixture") {
        at_least("data.mixture_classes", c.mixture_classes, 2);
        at_least("data.mixture_side", c.mixture_side, 4);
        if (c.mixture_side % 4 != 0 && c.arch == "conv")
            throw ConfigError("data.mixture_side", "must be a multiple of 4 for the conv net (two stride-2 stems)");
        if (c.train_per_class < 1)
            throw ConfigError("data.train_per_class", "the gaussian mixture needs a sample count per class (>= 1)");
        if (c.test_per_class < 1)
            throw ConfigError("data.test_per_class", "the gaussian mixture needs a sample count per class (>= 1)");
        positive("data.mixture_separation", c.mixture_separation);
        if (!(c.mixture_noise >= 0)) throw ConfigError("data.mixture_noise", "must be >= 0");
        at_least("data.mixture_seed", c.mixture_seed, 0);
    }
    at_least("model.depth", c.depth, 1);
    if (c.depth > 64) throw ConfigError("model.depth", "must be at most 64, got " + std::to_string(c.depth));
    at_least("model.width", c.width, 1);
    if (c.width > 65536) throw ConfigError("model.width", "must be at most 65536");
    at_least("train.epochs", c.epochs, 1);
    at_least("train.batch_size", c.batch_size, 1);
    positive("train.lr", c.lr);
    if (!(c.momentum >= 0 && c.momentum < 1)) throw ConfigError("train.momentum", "must be in [0, 1)");
    if (!(c.weight_decay >= 0)) throw ConfigError("train.weight_decay", "must be >= 0");
    positive("train.gamma", c.gamma);
    for (size_t i = 0; i < c.milestones.size(); ++i) {
        if (c.milestones[i] < 1) throw ConfigError("train.milestones", "entries must be >= 1");
        if (i && c.milestones[i] <= c.milestones[i - 1])
            throw ConfigError("train.milestones", "must be strictly increasing");
    }
    at_least("metrics.every", c.every, 0);
    for (auto e : c.at)
        if (e < 0 || e > c.epochs)
            throw ConfigError("metrics.at", "entries must be in [0, train.epochs = " + std::to_string(c.epochs) +
                                                "], got " + std::to_string(e));
    if (!(c.epsilon > 0 && c.epsilon < 1)) throw ConfigError("metrics.epsilon", "must be in (0, 1)");
    at_least("metrics.batch_size", c.metric_batch, 1);
}

std::string to_toml(const DeepConfig& cfg) {
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
    DeepConfig defaults;
    std::ostringstream out;
    for (const auto& f : fields())
        out << "  " << f.key << " (" << type_name(f.member) << ", default " << format_value(defaults, f.member)
            << "): " << f.doc << "\n";
    return out.str();
}

double learning_rate(const DeepConfig& cfg, std::int64_t epoch) {
    double lr = cfg.lr;
    for (auto m : cfg.milestones)
        if (m <= epoch) lr *= cfg.gamma;
    return lr;
}

bool measure_after(const DeepConfig& cfg, std::int64_t done) {
    if (done == cfg.epochs) return true;
    if (cfg.every > 0 && done > 0 && done % cfg.every == 0) return true;
    return std::find(cfg.at.begin(), cfg.at.end(), done) != cfg.at.end();
}

}  // namespace depthbias::deepnets
