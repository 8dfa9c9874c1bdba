#include "depthbias/run/check_metrics.hpp"

// GCC 12 reports -Wrestrict false positives inside std::string concatenation (char_traits::copy) in the detail
// strings below (a known GCC 12 bug, as in experiment_figures.cpp).
#pragma GCC diagnostic ignored "-Wrestrict"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "depthbias/run/config.hpp"

namespace depthbias {
using nlohmann::json;
using Run = VariantRun;

std::string fmt4(double v) {
    std::ostringstream s;
    s.precision(4);
    s << v;
    return s.str();
}

json toml_to_json(const toml::node& n) {
    if (auto t = n.as_table()) {
        json j = json::object();
        for (const auto& [k, v] : *t) j[std::string(k.str())] = toml_to_json(v);
        return j;
    }
    if (auto a = n.as_array()) {
        json j = json::array();
        for (const auto& v : *a) j.push_back(toml_to_json(v));
        return j;
    }
    if (auto s = n.as_string()) return s->get();
    if (auto i = n.as_integer()) return i->get();
    if (auto f = n.as_floating_point()) return f->get();
    if (auto b = n.as_boolean()) return b->get();
    return nullptr;  // dates and times: not used by checks
}

json config_value(const Experiment& e, const Variant& v, const std::string& key) {
    const toml::table t = toml::parse(to_toml(variant_config(e, v)));
    const toml::node_view<const toml::node> n = t.at_path(key);
    return n ? toml_to_json(*n.node()) : json(nullptr);
}

const json* json_path(const json& j, const std::string& path) {
    const json* cur = &j;
    size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '.') {
            ++i;
            continue;
        }
        if (path[i] == '[') {
            const size_t close = path.find(']', i);
            if (close == std::string::npos || !cur->is_array()) return nullptr;
            size_t idx = 0;
            try {
                idx = std::stoul(path.substr(i + 1, close - i - 1));
            } catch (const std::exception&) {
                return nullptr;
            }
            if (idx >= cur->size()) return nullptr;
            cur = &(*cur)[idx];
            i = close + 1;
            continue;
        }
        size_t end = path.find_first_of(".[", i);
        if (end == std::string::npos) end = path.size();
        const std::string k = path.substr(i, end - i);
        if (!cur->is_object() || !cur->contains(k)) return nullptr;
        cur = &(*cur)[k];
        i = end;
    }
    return cur;
}

namespace {

bool values_match(const json& want, const json& have) {
    if (want.is_array()) {
        for (const auto& w : want)
            if (values_match(w, have)) return true;
        return false;
    }
    if (want.is_number() && have.is_number()) {
        const double a = want.get<double>(), b = have.get<double>();
        return a == b || std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b));
    }
    return want == have;
}

std::string describe_select(const json& sel) { return sel.is_null() ? "every run" : sel.dump(); }

// Not a result: diverged, no final state, or ended by the wall-clock budget before its own stop rules.
bool diverged(const RunSummary& s) { return s.diverged() || s.wall_budget_hit() || !s.final; }
std::string unfinished(const RunSummary& s) {
    return s.wall_budget_hit() ? "hit its wall-clock budget" : s.diverged() ? "diverged" : "has no final state";
}

// A recorded time (nullopt: never reached; a non-finite value counts as never reached, as summary.json writes it).
std::optional<double> finite(const std::optional<double>& v) {
    return v && std::isfinite(*v) ? v : std::nullopt;
}

const IncrementalSummary* incremental(const Run& r) { return r.second.incremental ? &*r.second.incremental : nullptr; }

void note(MetricContext& c, const std::string& label) {
    if (c.read && std::find(c.read->begin(), c.read->end(), label) == c.read->end()) c.read->push_back(label);
}

// The finished run with this label (for analysis tables keyed by run label).
const Run& run_by_label(MetricContext& c, const std::string& label) {
    for (const auto& r : c.runs)
        if (r.first.label == label) {
            note(c, label);
            if (diverged(r.second)) throw NotEvaluated{"run '" + label + "' " + unfinished(r.second)};
            return r;
        }
    throw NotEvaluated{"no run labelled '" + label + "'"};
}

std::string param_string(const MetricContext& c, const std::string& k) { return c.params.at(k).get<std::string>(); }

double param_number(const MetricContext& c, const std::string& k, double dflt = NAN) {
    if (!c.params.contains(k)) return dflt;
    return c.params.at(k).get<double>();
}

MetricValue number(double v, const std::string& detail) {
    MetricValue m;
    m.number = v;
    m.detail = detail;
    return m;
}

// ---- metrics of runs --------------------------------------------------------------------------------------

// The numbers at `field` of a run: an array's entries, or one number.
std::vector<double> run_numbers(const Run& r, const std::string& field) {
    const json v = run_field(r, field);
    if (v.is_array()) {
        std::vector<double> out;
        for (size_t i = 0; i < v.size(); ++i) out.push_back(run_number(r, field + "[" + std::to_string(i) + "]"));
        if (out.empty()) throw NotEvaluated{"'" + field + "' of run '" + r.first.label + "' is empty"};
        return out;
    }
    return {run_number(r, field)};
}

// max_i |a_i - b_i| between `field` of the selected run and of the run `other` selects (e.g. the final predictors of
// the layered and the end-to-end flow).
MetricValue m_max_abs_difference(MetricContext& c) {
    const Run& a = single_run(c);
    MetricContext oc{c.experiment, c.runs, c.analysis, c.params, c.read};
    oc.params["select"] = c.params.at("other");
    const Run& b = single_run(oc);
    const std::string field = param_string(c, "field");
    const auto x = run_numbers(a, field), y = run_numbers(b, field);
    if (x.size() != y.size())
        throw NotEvaluated{"'" + field + "' has " + std::to_string(x.size()) + " entries in run '" + a.first.label +
                           "' and " + std::to_string(y.size()) + " in run '" + b.first.label + "'"};
    double worst = 0;
    for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
    return number(worst, fmt4(worst) + " ('" + a.first.label + "' vs '" + b.first.label + "')");
}

// The product of the numbers at `fields` (a list of paths) of the one selected run.
MetricValue m_product(MetricContext& c) {
    const Run& r = single_run(c);
    const json f = c.params.at("fields");
    if (!f.is_array() || f.empty()) throw NotEvaluated{"`fields` must be a non-empty list of summary paths"};
    double p = 1;
    std::string detail;
    for (const auto& path : f) {
        const double x = run_number(r, path.get<std::string>());
        p *= x;
        detail += (detail.empty() ? "" : " * ") + fmt4(x);
    }
    return number(p, detail + " = " + fmt4(p));
}

MetricValue m_value(MetricContext& c) {
    const Run& r = single_run(c);
    const std::string field = param_string(c, "field");
    const json v = run_field(r, field);
    if (v.is_string()) {
        MetricValue m;
        m.is_text = true;
        m.text = v.get<std::string>();
        m.detail = m.text;
        return m;
    }
    const double x = run_number(r, field);
    return number(x, fmt4(x));
}

// factor * field * (config key `scale_by` of the run), e.g. 4 lr sum xbar^2 |beta| (the Nacson bound as a ratio).
MetricValue m_scaled_value(MetricContext& c) {
    const Run& r = single_run(c);
    const std::string field = param_string(c, "field"), key = param_string(c, "scale_by");
    const double x = run_number(r, field), factor = param_number(c, "factor", 1.0);
    const json k = config_value(c.experiment, r.first, key);
    if (!k.is_number()) throw NotEvaluated{"config key '" + key + "' of run '" + r.first.label + "' is not a number"};
    const double v = factor * x * k.get<double>();
    return number(v, fmt4(factor) + " x " + fmt4(x) + " x " + key + " " + fmt4(k.get<double>()) + " = " + fmt4(v));
}

MetricValue m_mean(MetricContext& c) {
    const auto rs = select_runs(c);
    const std::string field = param_string(c, "field");
    double m = 0;
    for (const auto* r : rs) m += run_number(*r, field);
    m /= double(rs.size());
    return number(m, fmt4(m));
}

// Groups the selected runs by a config key (ascending), the mean of `field` per group; value: the number of
// steps where the mean decreases.
MetricValue m_group_mean_decreases(MetricContext& c) {
    const auto rs = select_runs(c);
    const std::string field = param_string(c, "field"), key = param_string(c, "group_by");
    std::map<double, std::vector<double>> groups;
    for (const auto* r : rs) {
        const json g = config_value(c.experiment, r->first, key);
        if (!g.is_number()) throw NotEvaluated{"'" + key + "' is not a number in run '" + r->first.label + "'"};
        groups[g.get<double>()].push_back(run_number(*r, field));
    }
    if (groups.size() < 2) throw NotEvaluated{"needs runs at two or more values of " + key};
    std::vector<double> means;
    std::string detail;
    for (const auto& [g, v] : groups) {
        double m = 0;
        for (double x : v) m += x;
        means.push_back(m / double(v.size()));
        detail += (detail.empty() ? "" : ", ") + fmt4(means.back());
    }
    int decreases = 0;
    for (size_t i = 1; i < means.size(); ++i) decreases += means[i] < means[i - 1];
    return number(decreases, detail);
}

double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The median of `field` over the selected runs (robust summaries over seeds, wide_relu_spline.md claim 5).
MetricValue m_median(MetricContext& c) {
    const auto rs = select_runs(c);
    const std::string field = param_string(c, "field");
    std::vector<double> v;
    for (const auto* r : rs) v.push_back(run_number(*r, field));
    const double m = median_of(v);
    return number(m, fmt4(m) + " (median of " + std::to_string(v.size()) + " runs)");
}

// Groups the selected runs by the numeric config key `group_by`, takes the median of `field` per group and
// fits log(median) = slope log(key) + c by least squares over the groups with key in [from, to] (optional);
// value: the slope. Needs two groups; a non-positive median is not evaluated (no logarithm).
MetricValue m_loglog_slope(MetricContext& c) {
    const auto rs = select_runs(c);
    const std::string field = param_string(c, "field"), key = param_string(c, "group_by");
    const double lo = param_number(c, "from", -INFINITY), hi = param_number(c, "to", INFINITY);
    std::map<double, std::vector<double>> groups;
    for (const auto* r : rs) {
        const json g = config_value(c.experiment, r->first, key);
        if (!g.is_number()) throw NotEvaluated{"'" + key + "' is not a number in run '" + r->first.label + "'"};
        const double k = g.get<double>();
        if (k >= lo && k <= hi) groups[k].push_back(run_number(*r, field));
    }
    if (groups.size() < 2) throw NotEvaluated{"needs runs at two or more values of " + key + " in range"};
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    std::string detail;
    for (const auto& [k, v] : groups) {
        const double m = median_of(v);
        if (!(m > 0) || !(k > 0)) throw NotEvaluated{"median " + fmt4(m) + " at " + key + " = " + fmt4(k) + " is not > 0"};
        const double x = std::log(k), y = std::log(m);
        sx += x, sy += y, sxx += x * x, sxy += x * y;
        detail += (detail.empty() ? "" : ", ") + fmt4(k) + ": " + fmt4(m);
    }
    const double n = double(groups.size());
    const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    return number(slope, "slope " + fmt4(slope) + " (medians " + detail + ")");
}

MetricValue m_min_runs_per_group(MetricContext& c) {
    const auto rs = select_runs(c);
    const std::string key = param_string(c, "group_by");
    std::map<std::string, int> count;
    for (const auto* r : rs) ++count[config_value(c.experiment, r->first, key).dump()];
    int lo = 1 << 30;
    for (const auto& [g, n] : count) lo = std::min(lo, n);
    return number(lo, std::to_string(lo) + " seeds");
}

MetricValue m_overlapping_pairs(MetricContext& c) {
    const Run& r = single_run(c);
    const IncrementalSummary* inc = incremental(r);
    if (!inc || inc->pairs.empty()) throw NotEvaluated{"run '" + r.first.label + "' has no incremental pairs"};
    int overlapping = 0;
    for (const auto& p : inc->pairs) overlapping += !p.incremental;
    return number(overlapping, inc->verdict);
}

MetricValue m_min_t_eps_gap(MetricContext& c) {
    const Run& r = single_run(c);
    const IncrementalSummary* inc = incremental(r);
    if (!inc || inc->components.size() < 2)
        throw NotEvaluated{"run '" + r.first.label + "' has fewer than two components"};
    const auto& comps = inc->components;
    double gap = INFINITY;
    for (size_t i = 0; i < comps.size(); ++i)
        if (!finite(comps[i].t_eps))
            throw NotEvaluated{"component " + std::to_string(i + 1) + " of '" + r.first.label +
                               "' never came within eps of its target"};
    for (size_t i = 0; i + 1 < comps.size(); ++i) gap = std::min(gap, *comps[i + 1].t_eps - *comps[i].t_eps);
    return number(gap, "smallest gap " + fmt4(gap));
}

MetricValue m_components_below_half(MetricContext& c) {
    const Run& r = single_run(c);
    const IncrementalSummary* inc = incremental(r);
    if (!inc || inc->components.empty()) throw NotEvaluated{"run '" + r.first.label + "' recorded no components"};
    int unreached = 0;
    std::string ratios;
    const auto first = finite(inc->components[0].t_half);
    for (size_t i = 0; i < inc->components.size(); ++i) {
        const auto t = finite(inc->components[i].t_half);
        unreached += !t;
        if (i > 0) ratios += (i > 1 ? ", " : "") + (!t || !first ? std::string("never") : fmt4(*t / *first));
    }
    return number(unreached, "t_1/2 ratios " + ratios);
}

MetricValue m_toy_t_half_error(MetricContext& c) {
    const Run& r = single_run(c);
    const auto& dev = analysis_section(c.analysis.toy_vs_theory, "toy_vs_theory");
    const auto it = dev.find(r.first.label);
    if (it == dev.end()) throw NotEvaluated{"no closed-form comparison for '" + r.first.label + "'"};
    const double e = it->second.max_relative_t_half_error;
    if (!std::isfinite(e))
        throw NotEvaluated{"a learning time of '" + r.first.label + "' was not measured (component never reached half)"};
    return number(e, "max relative error " + fmt4(e));
}

MetricValue m_top_indices_outside(MetricContext& c) {
    const Run& r = single_run(c);
    const auto& top = r.second.final->top_indices;  // (select_runs: a selected run has a final state)
    const auto expected = c.params.at("expected").get<std::vector<int>>();
    if (!top || top->size() < expected.size())
        throw NotEvaluated{"run '" + r.first.label + "' records fewer than " + std::to_string(expected.size()) +
                           " top indices"};
    const std::set<int> want(expected.begin(), expected.end());
    int outside = 0;
    for (size_t i = 0; i < expected.size(); ++i) outside += !want.count((*top)[i]);
    return number(outside, json(*top).dump());
}

// Moroshko: the normalized predictor at the margin checkpoints against a table of [w1, w2] rows (one per
// checkpoint). A checkpoint reached before tau = skip_tau_below is not compared (the reference's integrator did not
// resolve it); at least min_compared rows must be compared.
MetricValue m_checkpoint_table_deviation(MetricContext& c) {
    const Run& r = single_run(c);
    const auto& cps = r.second.margin_checkpoints;
    const auto table = c.params.at("table").get<std::vector<std::vector<double>>>();
    if (!cps || cps->size() < table.size())
        throw NotEvaluated{"run '" + r.first.label + "' reached " + std::to_string(cps ? cps->size() : 0) + " of the " +
                           std::to_string(table.size()) + " margin checkpoints"};
    const double skip = param_number(c, "skip_tau_below", 0);
    const size_t min_compared = size_t(param_number(c, "min_compared", double(table.size())));
    double worst = 0;
    size_t compared = 0, skipped = 0;
    for (size_t k = 0; k < table.size(); ++k) {
        const MarginCheckpointSummary& cp = (*cps)[k];
        if (cp.tau < skip) {
            ++skipped;
            continue;
        }
        if (!cp.normalized_predictor || cp.normalized_predictor->size() < table[k].size())
            throw NotEvaluated{"margin checkpoint " + std::to_string(k) + " of '" + r.first.label + "' records no " +
                               std::to_string(table[k].size()) + "-entry normalized predictor"};
        for (size_t i = 0; i < table[k].size(); ++i)
            worst = std::max(worst, std::abs((*cp.normalized_predictor)[i] - table[k][i]));
        ++compared;
    }
    const std::string detail = "max deviation " + fmt4(worst) + " over " + std::to_string(compared) + " margins" +
                               (skipped ? " (" + std::to_string(skipped) + " within the digest's first 10 RK4 steps)" : "");
    if (compared < min_compared)
        throw NotEvaluated{detail + ": fewer than " + std::to_string(min_compared) + " margins compared"};
    if (!std::isfinite(worst)) throw NotEvaluated{detail};
    return number(worst, detail);
}

// Moroshko claim 7: w2 / sqrt(mu) over the checkpoints from..to; value: max / min - 1.
MetricValue m_w2_over_sqrt_mu_spread(MetricContext& c) {
    const Run& r = single_run(c);
    const auto& cps = r.second.margin_checkpoints;
    const size_t from = size_t(param_number(c, "from")), to = size_t(param_number(c, "to"));
    if (!cps || cps->size() <= to)
        throw NotEvaluated{"run '" + r.first.label + "' has no margin checkpoint " + std::to_string(to)};
    double lo = INFINITY, hi = 0;
    for (size_t k = from; k <= to; ++k) {
        const MarginCheckpointSummary& cp = (*cps)[k];
        if (!cp.normalized_predictor || cp.normalized_predictor->size() < 2)
            throw NotEvaluated{"margin checkpoint " + std::to_string(k) + " of '" + r.first.label +
                               "' records no normalized predictor w2"};
        const double v = (*cp.normalized_predictor)[1] / std::sqrt(cp.mu);
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    return number(hi / lo - 1, "range " + fmt4(lo) + " .. " + fmt4(hi));
}

// OMP comparison rows (analysis.omp_comparison, one per run): the fraction with `property`.
MetricValue m_omp_fraction(MetricContext& c) {
    const auto& rows = analysis_section(c.analysis.omp_comparison, "omp_comparison");
    const std::string prop = param_string(c, "property");
    if (rows.empty()) throw NotEvaluated{"no OMP comparison rows"};
    size_t n = 0, k = 0;
    for (const auto& row : rows) {
        run_by_label(c, row.label);
        ++n;
        if (prop == "converged")
            k += row.converged;
        else if (prop == "full_concurrence")
            k += row.concurrence == 1.0;
        else
            k += row.first_agrees;
    }
    return number(double(k) / double(n), std::to_string(k) + "/" + std::to_string(n));
}

// Saddle-to-saddle (analysis.saddle_to_saddle.runs, one row per run).
const std::vector<SaddleAnalysis::Run>& saddle_rows(MetricContext& c) {
    const auto& a = analysis_section(c.analysis.saddle_to_saddle, "saddle_to_saddle");
    if (a.runs.empty()) throw NotEvaluated{"no run compared with the limit"};
    for (const auto& row : a.runs) run_by_label(c, row.label);
    return a.runs;
}

MetricValue m_saddle_min_scored_jumps(MetricContext& c) {
    int lo = 1 << 30;
    for (const auto& row : saddle_rows(c)) lo = std::min(lo, row.scored_jumps);
    return number(lo, std::to_string(lo));
}

MetricValue m_saddle_max_relative_error(MetricContext& c) {
    const Run& r = single_run(c);
    const auto& a = analysis_section(c.analysis.saddle_to_saddle, "saddle_to_saddle");
    for (const auto& row : a.runs)
        if (row.label == r.first.label) {
            // (not finite: nothing scored, or a jump GD never made; experiment.json writes null)
            if (!std::isfinite(row.max_relative_error))
                throw NotEvaluated{"no jump time of '" + r.first.label + "' was measured"};
            const double e = row.max_relative_error;
            return number(e, "alpha " + fmt4(row.alpha) + ": max relative error " + fmt4(e));
        }
    throw NotEvaluated{"run '" + r.first.label + "' was not compared with the limit"};
}

// The number of steps, from the largest to the smallest alpha, where the max jump-time error does not shrink.
MetricValue m_saddle_error_non_decreases(MetricContext& c) {
    std::vector<std::pair<double, double>> by_alpha;
    for (const auto& row : saddle_rows(c)) {
        if (!std::isfinite(row.max_relative_error)) throw NotEvaluated{"no jump time of '" + row.label + "' was measured"};
        by_alpha.emplace_back(row.alpha, row.max_relative_error);
    }
    if (by_alpha.size() < 2) throw NotEvaluated{"needs two or more values of alpha"};
    std::sort(by_alpha.begin(), by_alpha.end());
    int bad = 0;
    std::string trail;
    for (size_t i = by_alpha.size(); i-- > 0;) {
        trail += (trail.empty() ? "" : " -> ") + fmt4(by_alpha[i].second);
        if (i + 1 < by_alpha.size() && !(by_alpha[i].second < by_alpha[i + 1].second)) ++bad;
    }
    return number(bad, trail);
}

// ---- metrics of references (no runs) ----------------------------------------------------------------------

MetricValue m_separation_threshold(MetricContext& c) {
    const auto& sep = analysis_section(c.analysis.separation, "thresholds");
    const double r = param_number(c, "r");
    const int depth = int(param_number(c, "depth"));
    for (const auto& row : sep.thresholds) {
        const auto it = row.threshold.find(depth);
        if (std::abs(row.r - r) <= 1e-9 && it != row.threshold.end()) return number(it->second, fmt4(it->second));
    }
    throw NotEvaluated{"no threshold for N" + std::to_string(depth) + " at r = " + fmt4(r)};
}

MetricValue m_separation_slope_relative_error(MetricContext& c) {
    const auto& sep = analysis_section(c.analysis.separation, "slopes");
    const int depth = int(param_number(c, "depth"));
    const auto it = sep.slopes.find(depth);
    if (it == sep.slopes.end()) throw NotEvaluated{"no slope for N" + std::to_string(depth)};
    const double s = it->second.slope, e = it->second.expected;
    return number(std::abs(s - e) / e, "slope " + fmt4(s) + ", expected " + fmt4(e));
}

// Rows of analysis.q_program_over_alpha at one depth, ascending alpha: (excess_l1, excess_l2).
std::vector<std::pair<double, double>> q_rows(MetricContext& c) {
    const auto& k = analysis_section(c.analysis.kernel_rich, "q_program_over_alpha");
    const int depth = int(param_number(c, "depth"));
    std::vector<std::pair<double, double>> v;
    for (const auto& r : k.rows)
        if (r.depth == depth && !r.error) v.emplace_back(r.excess_l1, r.excess_l2);
    if (v.empty()) throw NotEvaluated{"no solved Q program at depth " + std::to_string(depth)};
    return v;
}

MetricValue m_q_l1_excess_increases(MetricContext& c) {
    const auto v = q_rows(c);
    int bad = 0;
    for (size_t i = 1; i < v.size(); ++i) bad += !(v[i].first >= v[i - 1].first - 1e-9);
    return number(bad, fmt4(v.front().first) + " at the smallest alpha, " + fmt4(v.back().first) + " at the largest");
}

MetricValue m_q_l2_excess_at_largest_alpha(MetricContext& c) {
    const double e = std::abs(q_rows(c).back().second);
    return number(e, "excess l2 " + fmt4(e));
}

MetricValue m_q_l1_excess_at_smallest_alpha(MetricContext& c) {
    const double e = q_rows(c).front().first;
    return number(e, "excess l1 D=" + std::to_string(int(param_number(c, "depth"))) + " " + fmt4(e));
}

MetricValue m_saddle_limit_converged(MetricContext& c) {
    const auto& a = analysis_section(c.analysis.saddle_to_saddle, "saddle_to_saddle");
    return number(a.limit_converged ? 1 : 0, std::to_string(a.limit_jumps.size()) + " jumps");
}

}  // namespace

std::vector<const Run*> select_runs(MetricContext& c) {
    const json sel = c.params.contains("select") ? c.params.at("select") : json(nullptr);
    std::vector<const Run*> out;
    for (const auto& r : c.runs) {
        bool ok = true;
        if (sel.is_object())
            for (const auto& [k, want] : sel.items()) {
                const json have = k == "label" ? json(r.first.label) : config_value(c.experiment, r.first, k);
                ok = ok && values_match(want, have);
            }
        if (ok) out.push_back(&r);
    }
    if (out.empty()) throw NotEvaluated{"no run matches " + describe_select(sel)};
    std::string bad;
    for (const auto* r : out) {
        note(c, r->first.label);
        if (diverged(r->second)) bad += (bad.empty() ? "run '" : ", run '") + r->first.label + "' " + unfinished(r->second);
    }
    if (!bad.empty()) throw NotEvaluated{bad};
    return out;
}

const Run& single_run(MetricContext& c) {
    const auto rs = select_runs(c);
    if (rs.size() != 1)
        throw NotEvaluated{std::to_string(rs.size()) + " runs match " + describe_select(c.params.value("select", json())) +
                           ", the metric reads one"};
    return *rs[0];
}

json run_field(const Run& run, const std::string& path) {
    const json s = run.second.to_json();
    const json* v = json_path(s, path);
    return v ? *v : json(nullptr);
}

double run_number(const Run& run, const std::string& path) {
    const json v = run_field(run, path);
    if (v.is_null()) throw NotEvaluated{"run '" + run.first.label + "' has no " + path};
    if (!v.is_number()) throw NotEvaluated{"'" + path + "' of run '" + run.first.label + "' is not a number"};
    const double x = v.get<double>();
    if (!std::isfinite(x)) throw NotEvaluated{"'" + path + "' of run '" + run.first.label + "' is not finite"};
    return x;
}

const std::map<std::string, Metric>& metrics() {
    static const std::map<std::string, Metric> m = {
        {"value", {m_value, {"select", "field"}, {"field"}, true,
                   "the value at `field` (e.g. final.reconstruction_error, final.spectrum[4], incremental.verdict) of "
                   "the one selected run"}},
        {"max_abs_difference",
         {m_max_abs_difference, {"select", "other", "field"}, {"other", "field"}, true,
          "max |a_i - b_i| between `field` (a number or an array, e.g. final.predictor) of the selected run and of "
          "the run `other` selects"}},
        {"product",
         {m_product, {"select", "fields"}, {"fields"}, true, "the product of the numbers at `fields` of the one run"}},
        {"mean", {m_mean, {"select", "field"}, {"field"}, true, "the mean of `field` over the selected runs"}},
        {"scaled_value",
         {m_scaled_value, {"select", "field", "scale_by", "factor"}, {"field", "scale_by"}, true,
          "`factor` (default 1) x the value at `field` x the run's config key `scale_by` (e.g. 0.5 x final.sharpness "
          "x dynamics.lr: the sharpness over GD's stability limit 2 / lr)"}},
        {"median", {m_median, {"select", "field"}, {"field"}, true, "the median of `field` over the selected runs"}},
        {"loglog_slope",
         {m_loglog_slope, {"select", "field", "group_by", "from", "to"}, {"field", "group_by"}, true,
          "least-squares slope of log(median of `field` per value of `group_by`) against log(group_by), over "
          "group_by in [from, to]"}},
        {"group_mean_decreases",
         {m_group_mean_decreases, {"select", "field", "group_by"}, {"field", "group_by"}, true,
          "groups by the config key `group_by` (ascending): how often the mean of `field` decreases"}},
        {"min_runs_per_group",
         {m_min_runs_per_group, {"select", "group_by"}, {"group_by"}, true,
          "the fewest selected runs sharing a value of `group_by`"}},
        {"overlapping_pairs",
         {m_overlapping_pairs, {"select"}, {}, true, "eps-incremental pairs of the run that overlap (not incremental)"}},
        {"min_t_eps_gap",
         {m_min_t_eps_gap, {"select"}, {}, true,
          "smallest time between consecutive components coming within eps of their targets"}},
        {"components_below_half",
         {m_components_below_half, {"select"}, {}, true, "components that never reached half their target"}},
        {"toy_t_half_error",
         {m_toy_t_half_error, {"select"}, {}, true,
          "max relative error of the run's t_1/2 against the closed-form flow (analysis.toy_vs_theory)"}},
        {"top_indices_outside",
         {m_top_indices_outside, {"select", "expected"}, {"expected"}, true,
          "how many of the run's top-|expected| indices are not in `expected`"}},
        {"checkpoint_table_deviation",
         {m_checkpoint_table_deviation, {"select", "table", "skip_tau_below", "min_compared"}, {"table"}, true,
          "max |w/gamma - table row| over the margin checkpoints"}},
        {"w2_over_sqrt_mu_spread",
         {m_w2_over_sqrt_mu_spread, {"select", "from", "to"}, {"from", "to"}, true,
          "max/min - 1 of w2 / sqrt(mu) over margin checkpoints from..to"}},
        {"omp_fraction",
         {m_omp_fraction, {"property"}, {"property"}, true,
          "fraction of runs with `property` (converged | full_concurrence | first_agrees) in analysis.omp_comparison"}},
        {"saddle_min_scored_jumps",
         {m_saddle_min_scored_jumps, {}, {}, true, "fewest scored jumps over the runs (analysis.saddle_to_saddle)"}},
        {"saddle_max_relative_error",
         {m_saddle_max_relative_error, {"select"}, {}, true, "the run's largest jump-time error against the limit"}},
        {"saddle_error_non_decreases",
         {m_saddle_error_non_decreases, {}, {}, true,
          "steps from the largest to the smallest alpha where the jump-time error does not shrink"}},
        {"separation_threshold",
         {m_separation_threshold, {"depth", "r"}, {"depth", "r"}, false,
          "the largest eps-incremental sigma0 at depth N and ratio r (reference)"}},
        {"separation_slope_relative_error",
         {m_separation_slope_relative_error, {"depth"}, {"depth"}, false,
          "|fitted slope - expected| / expected of -log10 sigma0_max (reference)"}},
        {"q_l1_excess_increases",
         {m_q_l1_excess_increases, {"depth"}, {"depth"}, false,
          "steps where the Q program's l1 excess decreases as alpha grows (reference)"}},
        {"q_l2_excess_at_largest_alpha",
         {m_q_l2_excess_at_largest_alpha, {"depth"}, {"depth"}, false,
          "|l2 excess| of the Q program at the largest alpha (reference)"}},
        {"q_l1_excess_at_smallest_alpha",
         {m_q_l1_excess_at_smallest_alpha, {"depth"}, {"depth"}, false,
          "l1 excess of the Q program at the smallest alpha (reference)"}},
        {"saddle_limit_converged",
         {m_saddle_limit_converged, {}, {}, false, "1 when the limit algorithm reached grad L = 0 (reference)"}},
    };
    return m;
}

std::string metric_names() {
    std::string s;
    for (const auto& [name, m] : metrics()) s += (s.empty() ? "" : ", ") + name;
    return s;
}

}  // namespace depthbias
