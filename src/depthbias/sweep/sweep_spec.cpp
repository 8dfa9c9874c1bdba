#include "depthbias/sweep/sweep_spec.hpp"

#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "depthbias/core/error.hpp"

namespace depthbias {
using nlohmann::json;

namespace {

constexpr std::int64_t kMaxPoints = 1000000;

std::string toml_literal(const toml::node& n) {
    std::ostringstream s;
    if (auto str = n.as_string())
        s << toml::value<std::string>(str->get());
    else
        s << toml::toml_formatter{n};
    return s.str();
}

json to_json(const toml::node& n, const std::string& key) {
    if (auto v = n.as_integer()) return json(v->get());
    if (auto v = n.as_floating_point()) return json(v->get());
    if (auto v = n.as_boolean()) return json(v->get());
    if (auto v = n.as_string()) return json(v->get());
    if (auto a = n.as_array()) {
        json out = json::array();
        for (const auto& e : *a) out.push_back(to_json(e, key));
        return out;
    }
    throw ConfigError(key, "values must be numbers, strings, booleans or arrays");
}

// The message of a ConfigError without its "invalid 'key': " prefix.
std::string bare_message(const ConfigError& e) {
    const std::string w = e.what(), prefix = "invalid '" + e.key() + "': ";
    return w.rfind(prefix, 0) == 0 ? w.substr(prefix.size()) : w;
}

// Flattens { "model.depth" = [...] } and { model = { depth = [...] } } alike into axes.
void collect_axes(const PointKindEntry& kind, const toml::table& t, const std::string& prefix,
                  const std::string& where, std::vector<SweepAxis>& out) {
    for (const auto& [k, node] : t) {
        const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
        if (auto sub = node.as_table()) {
            collect_axes(kind, *sub, key, where, out);
            continue;
        }
        auto arr = node.as_array();
        if (!arr) throw ConfigError(where + "." + key, "expected a list of values to sweep, e.g. [1, 2, 3]");
        if (arr->empty()) throw ConfigError(where + "." + key, "the list of values is empty");
        SweepAxis axis;
        axis.key = key;
        for (const auto& v : *arr) {
            axis.literals.push_back(toml_literal(v));
            axis.values.push_back(to_json(v, where + "." + key));
        }
        // The key must exist and every value must fit its type: try each on a default config.
        for (size_t i = 0; i < axis.literals.size(); ++i) {
            std::any probe = kind.make_default();
            kind.apply_override(probe, key + "=" + axis.literals[i]);  // ConfigError naming the key
        }
        out.push_back(std::move(axis));
    }
}

std::string value_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

std::vector<std::string> SweepSpec::swept_keys() const {
    std::vector<std::string> k;
    for (const auto& a : grid) k.push_back(a.key);
    for (const auto& a : zip) k.push_back(a.key);
    if (!seeds.empty()) k.push_back("run.seed");
    return k;
}

const std::vector<std::string>& summary_keys() {
    // run/run_executor.cpp writes these (some only for some tasks / dynamics).
    static const std::vector<std::string> k = {
        "name",  "seed",        "status",           "stop_reason",      "steps",      "time",
        "gradient_evaluations", "timing",           "model",            "depth",      "task",
        "final", "incremental", "activation_order", "activation_times", "margin_checkpoints",
        "references", "reference_target_correlation", "figure_warning"};
    return k;
}

std::string point_hash(const std::string& text) {
    std::uint64_t h = 14695981039346656037ULL;  // FNV-1a 64: offset basis, prime 2^40 + 2^8 + 0xb3
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string point_identity(const RunConfig& config) { return point_hash(non_default_toml(config)); }

std::any kind_config_from_toml(const PointKindEntry& kind, const std::string& text, const std::string& origin) {
    toml::table doc;
    try {
        doc = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        throw ConfigError(origin, std::string("not valid TOML: ") + std::string(e.description()));
    }
    std::any c = kind.make_default();
    kind.apply_toml(c, doc, {});
    kind.validate(c);
    return c;
}

RunConfig config_from_toml(const std::string& text, const std::string& origin) {
    toml::table doc;
    try {
        doc = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        throw ConfigError(origin, std::string("not valid TOML: ") + std::string(e.description()));
    }
    RunConfig c;
    apply_toml(c, doc);
    validate(c);
    return c;
}

SweepSpec parse_sweep(const std::string& text, const std::string& origin, const std::vector<std::string>& overrides) {
    toml::table doc;
    try {
        doc = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        std::ostringstream s;
        s << e.description() << " (line " << e.source().begin.line << ", column " << e.source().begin.column << ")";
        throw ConfigError(origin, "not valid TOML: " + s.str());
    }
    SweepSpec spec;
    std::int64_t seed_count = 0;  // seeds = N: run.seed = base seed + 0..N-1
    if (doc.contains("variant"))
        throw ConfigError("variant", "[[variant]] tables are not used by sweeps; sweep the keys in [sweep] grid/zip");
    spec.kind = &point_kind_of(doc);
    const PointKindEntry& kind = *spec.kind;
    spec.base_config = kind.make_default();
    kind.apply_toml(spec.base_config, doc, {"experiment", "sweep"});
    auto sw = doc["sweep"].as_table();
    if (!sw) {
        if (doc.contains("sweep")) throw ConfigError("sweep", "must be a table ([sweep])");
        throw ConfigError("sweep", "missing: a sweep file needs a [sweep] table with grid, zip and/or seeds");
    }
    std::string exp_name;
    if (auto ex = doc["experiment"].as_table())
        if (auto n = (*ex)["name"].as_string()) exp_name = n->get();

    for (const auto& [k, node] : *sw) {
        const std::string key = "sweep." + std::string(k.str());
        if (k.str() == "kind") {
            // read by point_kind_of
        } else if (k.str() == "name") {
            if (!node.as_string()) throw ConfigError(key, "expected a string");
            spec.name = node.as_string()->get();
        } else if (k.str() == "grid" || k.str() == "zip") {
            auto t = node.as_table();
            if (!t) throw ConfigError(key, "expected a table of key = [values], e.g. { \"model.depth\" = [2, 3] }");
            collect_axes(kind, *t, "", key, k.str() == "grid" ? spec.grid : spec.zip);
        } else if (k.str() == "seeds") {
            if (auto n = node.as_integer()) {
                if (n->get() < 1 || n->get() > 100000)
                    throw ConfigError(key, "must be a count in [1, 100000] or a list of seeds, got " +
                                               std::to_string(n->get()));
                seed_count = n->get();  // offsets from the base seed, resolved after the --set overrides
            } else if (auto a = node.as_array()) {
                if (a->empty()) throw ConfigError(key, "the list of seeds is empty");
                std::set<std::int64_t> seen;
                for (const auto& e : *a) {
                    auto i = e.as_integer();
                    if (!i) throw ConfigError(key, "seeds must be integers");
                    if (!seen.insert(i->get()).second)
                        throw ConfigError(key, "seed " + std::to_string(i->get()) + " is listed twice");
                    spec.seeds.push_back(i->get());
                }
            } else {
                throw ConfigError(key, "expected a count (3) or a list of seeds ([0, 7, 9])");
            }
        } else if (k.str() == "metrics") {
            auto a = node.as_array();
            if (!a) throw ConfigError(key, "expected a list of summary.json paths, e.g. [\"final.max_invariant_drift\"]");
            for (const auto& e : *a) {
                auto s = e.as_string();
                const std::string path = s ? s->get() : "";
                // Dotted path into summary.json (array elements by index). Its head must be a summary key
                // that some run can write; a path absent from a particular summary is stored as null.
                if (path.empty() || path.front() == '.' || path.back() == '.' || path.find("..") != std::string::npos)
                    throw ConfigError(key, "entries must be dotted summary.json paths such as \"final.loss\", got '" +
                                               path + "'");
                const std::string head = path.substr(0, path.find('.'));
                bool known = false;
                for (const auto& h : kind.summary_keys) known = known || h == head;
                if (!known) {
                    std::string allowed;
                    for (const auto& h : kind.summary_keys) allowed += (allowed.empty() ? "" : ", ") + h;
                    throw ConfigError(key, "'" + path + "' is not a summary.json path (it must start with one of: " +
                                               allowed + ")");
                }
                spec.metrics.push_back(path);
            }
        } else if (k.str() == "figures") {
            if (!node.as_boolean()) throw ConfigError(key, "expected true or false");
            spec.point_figures = node.as_boolean()->get();
        } else {
            throw ConfigError(key, "unknown key (allowed in [sweep]: kind, name, grid, zip, seeds, metrics, figures)");
        }
    }
    const bool offsets = seed_count > 0;
    const bool seeded = offsets || !spec.seeds.empty();
    // A key swept twice, or swept and seeds given.
    std::map<std::string, std::string> where;
    for (const auto& a : spec.grid) where[a.key] = "sweep.grid";
    for (const auto& a : spec.zip) {
        if (where.count(a.key)) throw ConfigError(a.key, "is swept in both sweep.grid and sweep.zip");
        where[a.key] = "sweep.zip";
    }
    if (seeded && where.count("run.seed"))
        throw ConfigError("sweep.seeds", "run.seed is already swept in " + where["run.seed"] + "; use one or the other");
    if (!spec.zip.empty()) {
        const size_t n = spec.zip.front().values.size();
        for (const auto& a : spec.zip)
            if (a.values.size() != n)
                throw ConfigError("sweep.zip", "lists must have equal lengths: " + spec.zip.front().key + " has " +
                                                   std::to_string(n) + " values, " + a.key + " has " +
                                                   std::to_string(a.values.size()));
    }
    if (spec.grid.empty() && spec.zip.empty() && !seeded)
        throw ConfigError("sweep", "sweeps nothing: give sweep.grid, sweep.zip and/or sweep.seeds");

    for (const auto& o : overrides) {
        const std::string key = o.substr(0, o.find('='));
        if (where.count(key))
            throw ConfigError(key, "is swept in " + where[key] + "; --set cannot override a swept key");
        if (key == "run.seed" && seeded && !offsets)
            throw ConfigError(key, "is swept by sweep.seeds; --set cannot override a swept key");
        kind.apply_override(spec.base_config, o);
    }
    for (std::int64_t i = 0; i < seed_count; ++i) spec.seeds.push_back(kind.seed(spec.base_config) + i);
    if (const auto* rc = std::any_cast<RunConfig>(&spec.base_config)) spec.base = *rc;

    spec.name = spec.name.empty() ? (exp_name.empty() ? kind.run_name(spec.base_config) : exp_name) : spec.name;
    std::ostringstream def;
    def << text;
    if (!overrides.empty()) {
        def << "\n# --set overrides:\n";
        for (const auto& o : overrides) def << "# " << o << "\n";
    }
    spec.definition = def.str();

    const std::int64_t n = sweep_size(spec);
    if (n > kMaxPoints)
        throw ConfigError("sweep.grid", "expands to " + std::to_string(n) + " points (at most " +
                                            std::to_string(kMaxPoints) + ")");
    return spec;
}

std::int64_t sweep_size(const SweepSpec& spec) {
    double n = 1;
    for (const auto& a : spec.grid) n *= double(a.values.size());
    if (!spec.zip.empty()) n *= double(spec.zip.front().values.size());
    if (!spec.seeds.empty()) n *= double(spec.seeds.size());
    return n > 9e15 ? std::int64_t(9e15) : std::int64_t(n);
}

std::vector<SweepPoint> expand_sweep(const SweepSpec& spec) {
    const PointKindEntry& kind = spec.kind ? *spec.kind : point_kind(kDefaultPointKind);
    std::vector<SweepPoint> out;
    const std::int64_t n = sweep_size(spec);
    out.reserve(size_t(n));
    const size_t nzip = spec.zip.empty() ? 1 : spec.zip.front().values.size();
    const size_t nseed = spec.seeds.empty() ? 1 : spec.seeds.size();
    std::vector<size_t> gi(spec.grid.size(), 0);
    std::map<std::string, std::int64_t> by_hash;
    for (std::int64_t g = 0;; ++g) {
        for (size_t z = 0; z < nzip; ++z) {
            for (size_t s = 0; s < nseed; ++s) {
                SweepPoint p;
                p.index = std::int64_t(out.size());
                std::any c = spec.base_config;
                auto apply = [&](const SweepAxis& a, size_t i) {
                    kind.apply_override(c, a.key + "=" + a.literals[i]);
                    p.params[a.key] = a.values[i];
                };
                for (size_t k = 0; k < spec.grid.size(); ++k) apply(spec.grid[k], gi[k]);
                for (const auto& a : spec.zip) apply(a, z);
                if (!spec.seeds.empty()) {
                    kind.seed(c) = spec.seeds[s];
                    p.params["run.seed"] = spec.seeds[s];
                }
                for (const auto& [k, v] : p.params.items())
                    p.label += (p.label.empty() ? "" : " ") + k + "=" + value_text(v);
                try {
                    kind.validate(c);
                } catch (const ConfigError& e) {
                    throw ConfigError(e.key(), bare_message(e) + " (in sweep point " + p.label + ")");
                }
                if (const auto* rc = std::any_cast<RunConfig>(&c)) p.config = *rc;
                p.toml = kind.to_toml(c);
                p.hash = point_hash(kind.non_default_toml(c));
                auto [it, fresh] = by_hash.emplace(p.hash, p.index);
                if (!fresh)
                    throw ConfigError(spec.grid.empty() ? "sweep.zip" : "sweep.grid",
                                      "points " + out[size_t(it->second)].label + " and " + p.label +
                                          " are the same run (a value is listed twice)");
                out.push_back(std::move(p));
            }
        }
        // Next grid combination: the last key varies fastest.
        int k = int(spec.grid.size()) - 1;
        while (k >= 0) {
            if (++gi[size_t(k)] < spec.grid[size_t(k)].values.size()) break;
            gi[size_t(k)] = 0;
            --k;
        }
        if (k < 0) break;
    }
    (void)n;
    return out;
}

}  // namespace depthbias
