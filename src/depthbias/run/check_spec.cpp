#include "depthbias/run/check_spec.hpp"

#include <algorithm>
#include <cmath>
#include <toml++/toml.h>

#include "depthbias/core/error.hpp"
#include "depthbias/run/check_metrics.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/run/experiment_analysis.hpp"

namespace depthbias {
using nlohmann::json;

namespace {

const std::vector<std::string> kCheckKeys = {"claim",   "name",   "metric",       "compare", "threshold", "lo",
                                             "hi",      "per_run", "versus",      "versus_scale"};
const std::vector<std::string> kCompares = {"<", "<=", ">", ">=", "==", "in"};

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string need_string(const json& t, const std::string& k, const std::string& key) {
    if (!t.contains(k)) throw ConfigError(key + "." + k, "missing (every [[check]] needs name, metric and compare)");
    if (!t[k].is_string() || t[k].get<std::string>().empty()) throw ConfigError(key + "." + k, "expected a non-empty string");
    return t[k].get<std::string>();
}

double need_number(const json& t, const std::string& k, const std::string& key) {
    if (!t.contains(k)) throw ConfigError(key + "." + k, "missing");
    if (!t[k].is_number() || !std::isfinite(t[k].get<double>())) throw ConfigError(key + "." + k, "expected a finite number");
    return t[k].get<double>();
}

// The parameters of a metric: allowed keys, required ones, and the shape of the common ones.
void check_params(const json& params, const Metric& m, const std::string& metric, const std::string& key,
                  const RunConfig& base) {
    for (const auto& [k, v] : params.items()) {
        if (!has(m.params, k))
            throw ConfigError(key + "." + k, "unknown key (metric '" + metric + "' takes: " +
                                                 (m.params.empty() ? std::string("no parameters") : join(m.params)) +
                                                 "; every check: " + join(kCheckKeys) + ")");
        if (k == "select" || k == "other") {
            if (!v.is_object() || v.empty())
                throw ConfigError(key + "." + k, "expected a table of label or config keys, e.g. { \"model.depth\" = 4 }");
            const toml::table resolved = toml::parse(to_toml(base));
            for (const auto& [sk, sv] : v.items()) {
                if (sk != "label" && !resolved.at_path(sk))
                    throw ConfigError(key + "." + k + "." + sk, "not a config key (nor label)");
                if (sv.is_object()) throw ConfigError(key + "." + k + "." + sk, "expected a value or an array of values");
            }
        } else if (k == "fields") {
            if (!v.is_array() || v.empty()) throw ConfigError(key + ".fields", "expected a non-empty list of summary paths");
            for (const auto& f : v)
                if (!f.is_string()) throw ConfigError(key + ".fields", "expected strings (summary paths)");
        } else if (k == "field" || k == "group_by" || k == "property") {
            if (!v.is_string()) throw ConfigError(key + "." + k, "expected a string");
        }
    }
    for (const auto& r : m.required)
        if (!params.contains(r)) throw ConfigError(key + "." + r, "missing (metric '" + metric + "' needs it)");
    if (params.contains("group_by") && !toml::parse(to_toml(base)).at_path(params["group_by"].get<std::string>()))
        throw ConfigError(key + ".group_by", "'" + params["group_by"].get<std::string>() + "' is not a config key");
    if (params.contains("property") &&
        !has({"converged", "full_concurrence", "first_agrees"}, params["property"].get<std::string>()))
        throw ConfigError(key + ".property", "expected converged, full_concurrence or first_agrees");
    for (const char* k : {"depth", "r", "from", "to", "skip_tau_below", "min_compared"})
        if (params.contains(k) && !params[k].is_number()) throw ConfigError(key + "." + k, "expected a number");
    if (params.contains("table")) {
        const json& t = params["table"];
        bool ok = t.is_array() && !t.empty();
        for (const auto& row : t)
            for (const auto& x : row.is_array() ? row : json::array({nullptr})) ok = ok && x.is_number();
        if (!ok) throw ConfigError(key + ".table", "expected an array of rows of numbers");
    }
    if (params.contains("expected")) {
        bool ok = params["expected"].is_array() && !params["expected"].empty();
        for (const auto& x : params["expected"]) ok = ok && x.is_number_integer();
        if (!ok) throw ConfigError(key + ".expected", "expected an array of integers");
    }
}

bool compare(double v, const std::string& op, double t) {
    if (op == "<") return v < t;
    if (op == "<=") return v <= t;
    if (op == ">") return v > t;
    if (op == ">=") return v >= t;
    return v == t;
}

CheckResult evaluate_one(const CheckSpec& s, const json& params, const std::string& name, const Experiment& e,
                         const std::vector<VariantRun>& runs, const ExperimentAnalysis& analysis) {
    CheckResult r;
    r.name = name;
    r.claim = s.claim;
    const Metric& m = metrics().at(s.metric);
    MetricContext ctx{e, runs, analysis, params, &r.runs};
    try {
        const MetricValue v = m.evaluate(ctx);
        r.detail = v.detail;
        bool pass;
        if (v.is_text) {
            pass = s.threshold.is_string() && v.text == s.threshold.get<std::string>();
            if (!s.threshold.is_string()) throw NotEvaluated{"the value '" + v.text + "' is not a number"};
        } else {
            if (!std::isfinite(v.number)) throw NotEvaluated{v.detail + " (not finite)"};
            if (s.compare == "in")
                pass = v.number >= s.lo && v.number <= s.hi;
            else if (s.threshold.is_number())
                pass = compare(v.number, s.compare, s.threshold.get<double>());
            else
                pass = true;  // only the versus comparison
            if (!s.versus.is_null()) {
                json vp = params;
                for (const auto& [k, x] : s.versus.items()) vp[k] = x;
                MetricContext vc{e, runs, analysis, vp, &r.runs};
                const MetricValue w = m.evaluate(vc);
                if (w.is_text || !std::isfinite(w.number)) throw NotEvaluated{"the comparison value " + w.detail + " is not a finite number"};
                pass = pass && compare(v.number, s.compare, s.versus_scale * w.number);
                r.detail += " vs " + w.detail;
            }
        }
        r.status = pass ? CheckStatus::Pass : CheckStatus::Fail;
    } catch (const NotEvaluated& ne) {
        r.status = CheckStatus::NotEvaluated;
        r.detail = ne.reason;
    }
    if (!m.reads_runs) r.runs.clear();
    return r;
}

std::string replace_label(std::string name, const std::string& label) {
    for (size_t p; (p = name.find("{label}")) != std::string::npos;) name.replace(p, 7, label);
    return name;
}

}  // namespace

std::vector<CheckSpec> parse_checks(const toml::array& arr, const RunConfig& base) {
    std::vector<CheckSpec> out;
    int i = 0;
    for (const auto& node : arr) {
        ++i;
        const std::string key = "check[" + std::to_string(i) + "]";
        if (!node.as_table()) throw ConfigError(key, "each [[check]] must be a table");
        const json t = toml_to_json(node);
        CheckSpec s;
        s.key = key;
        s.name = need_string(t, "name", key);
        s.metric = need_string(t, "metric", key);
        s.compare = need_string(t, "compare", key);
        if (t.contains("claim")) {
            if (!t["claim"].is_string()) throw ConfigError(key + ".claim", "expected a string");
            s.claim = t["claim"].get<std::string>();
        }
        const auto it = metrics().find(s.metric);
        if (it == metrics().end())
            throw ConfigError(key + ".metric", "unknown metric '" + s.metric + "' (registered: " + metric_names() + ")");
        if (!has(kCompares, s.compare))
            throw ConfigError(key + ".compare", "'" + s.compare + "' is not one of: " + join(kCompares));
        if (s.compare == "in") {
            s.lo = need_number(t, "lo", key);
            s.hi = need_number(t, "hi", key);
            if (!(s.lo <= s.hi)) throw ConfigError(key + ".hi", "must be >= lo");
            if (t.contains("threshold")) throw ConfigError(key + ".threshold", "not used with compare = \"in\" (lo, hi)");
        } else {
            for (const char* k : {"lo", "hi"})
                if (t.contains(k)) throw ConfigError(key + "." + k, "only used with compare = \"in\"");
            if (t.contains("threshold")) {
                s.threshold = t["threshold"];
                if (s.threshold.is_string() ? s.compare != "==" : !(s.threshold.is_number() && std::isfinite(s.threshold.get<double>())))
                    throw ConfigError(key + ".threshold", "expected a finite number (or a string with compare = \"==\")");
            } else if (!t.contains("versus")) {
                throw ConfigError(key + ".threshold", "missing (a threshold, or versus to compare with)");
            }
        }
        if (t.contains("per_run")) {
            if (!t["per_run"].is_boolean()) throw ConfigError(key + ".per_run", "expected true or false");
            s.per_run = t["per_run"].get<bool>();
            if (s.per_run && !it->second.reads_runs) throw ConfigError(key + ".per_run", "metric '" + s.metric + "' reads no runs");
        }
        if (t.contains("versus")) {
            if (!t["versus"].is_object() || t["versus"].empty())
                throw ConfigError(key + ".versus", "expected a table of the metric's parameters to replace");
            if (s.compare == "in" || s.compare == "==") throw ConfigError(key + ".versus", "needs compare <, <=, > or >=");
            s.versus = t["versus"];
        }
        if (t.contains("versus_scale")) s.versus_scale = need_number(t, "versus_scale", key);
        s.params = json::object();
        for (const auto& [k, v] : t.items())
            if (!has(kCheckKeys, k)) s.params[k] = v;
        check_params(s.params, it->second, s.metric, key, base);
        if (!s.versus.is_null()) {
            json vp = s.params;
            for (const auto& [k, v] : s.versus.items()) vp[k] = v;
            check_params(vp, it->second, s.metric, key + ".versus", base);
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<CheckResult> evaluate_checks(const Experiment& e, const std::vector<VariantRun>& runs,
                                         const ExperimentAnalysis& analysis) {
    std::vector<CheckResult> out;
    for (const auto& s : e.checks) {
        if (!s.per_run) {
            out.push_back(evaluate_one(s, s.params, s.name, e, runs, analysis));
            continue;
        }
        // One check per selected run: find them with the metric's selection, then narrow the selection to each.
        std::vector<std::string> labels;
        MetricContext ctx{e, runs, analysis, s.params, &labels};
        try {
            (void)select_runs(ctx);
        } catch (const NotEvaluated& ne) {
            if (labels.empty()) {  // nothing selected: one not-evaluated entry says so
                CheckResult r;
                r.name = replace_label(s.name, "(no run)");
                r.claim = s.claim;
                r.detail = ne.reason;
                out.push_back(r);
                continue;
            }
        }
        for (const auto& label : labels) {
            json p = s.params;
            p["select"] = {{"label", label}};
            out.push_back(evaluate_one(s, p, replace_label(s.name, label), e, runs, analysis));
        }
    }
    return out;
}

}  // namespace depthbias
