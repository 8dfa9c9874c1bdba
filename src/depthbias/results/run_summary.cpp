#include "depthbias/results/run_summary.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "depthbias/core/error.hpp"
#include "depthbias/results/json_reader.hpp"

namespace depthbias {
using nlohmann::json;

std::string to_string(RunStatus s) {
    switch (s) {
        case RunStatus::Converged: return "converged";
        case RunStatus::BudgetExhausted: return "budget_exhausted";
        case RunStatus::Diverged: return "diverged";
        case RunStatus::Stopped: return "stopped";
        case RunStatus::WallBudget: return "wall_budget_exhausted";
    }
    return "unknown";
}

RunStatus run_status_from_string(const std::string& s) {
    for (RunStatus r : {RunStatus::Converged, RunStatus::BudgetExhausted, RunStatus::Diverged, RunStatus::Stopped,
                        RunStatus::WallBudget})
        if (to_string(r) == s) return r;
    throw IoError("unknown run status '" + s + "'");
}

std::optional<double> FinalMetrics::get(const std::string& name) const {
    const auto it = values.find(name);
    if (it == values.end() || !it->second || !std::isfinite(*it->second)) return std::nullopt;
    return it->second;
}

std::optional<double> RunSummary::final_value(const std::string& name) const {
    return final ? final->get(name) : std::nullopt;
}

namespace {

json num(const std::optional<double>& v) { return v && std::isfinite(*v) ? json(*v) : json(nullptr); }

}  // namespace

json RunSummary::to_json() const {
    json s;
    s["name"] = name;
    s["seed"] = seed;
    s["status"] = to_string(status);
    s["stop_reason"] = stop_reason;
    s["steps"] = steps;
    s["time"] = time;
    s["gradient_evaluations"] = gradient_evaluations;
    s["timing"] = {{"wall_seconds", wall_seconds}};
    if (resumes > 0) s["timing"]["resumes"] = resumes;
    s["model"] = model;
    s["depth"] = depth;
    s["task"] = task;
    if (final) {
        json f = json::object();
        for (const auto& [k, v] : final->values) f[k] = num(v);
        f["spectrum"] = final->spectrum;
        if (final->top_indices) f["top_indices"] = *final->top_indices;
        if (final->predictor) f["predictor"] = *final->predictor;
        s["final"] = f;
    }
    if (incremental) {
        const auto& r = *incremental;
        json comps = json::array(), pairs = json::array();
        for (const auto& c : r.components)
            comps.push_back({{"target", c.target},
                             {"t_eps", num(c.t_eps)},
                             {"t_half", num(c.t_half)},
                             {"t_one_minus_eps", num(c.t_one_minus_eps)}});
        for (const auto& p : r.pairs)
            pairs.push_back({{"components", {p.first, p.second}},
                             {"t_first_done", num(p.t_first_done)},
                             {"t_second_start", num(p.t_second_start)},
                             {"incremental", p.incremental}});
        s["incremental"] = {{"epsilon", r.epsilon},          {"components", comps},
                            {"pairs", pairs},                {"learning_order", r.learning_order},
                            {"largest_first", r.largest_first}, {"verdict", r.verdict}};
    }
    if (activation_order) s["activation_order"] = *activation_order;
    if (activation_times) s["activation_times"] = *activation_times;
    if (margin_checkpoints) {
        json rows = json::array();
        for (const auto& c : *margin_checkpoints) {
            json row = {{"gamma", c.gamma}, {"log10_inv_eps", c.log10_inv_eps}, {"tau", c.tau}, {"mu", c.mu}};
            if (c.normalized_predictor) row["normalized_predictor"] = *c.normalized_predictor;
            for (const auto& [k, v] : c.distances) row[k] = v;
            rows.push_back(row);
        }
        s["margin_checkpoints"] = rows;
    }
    if (!references.empty()) s["references"] = references;
    if (!reference_target_correlation.empty()) s["reference_target_correlation"] = reference_target_correlation;
    if (figure_warning) s["figure_warning"] = *figure_warning;
    return s;
}

RunSummary RunSummary::from_json(const json& j, const std::string& origin) {
    const JsonReader r{origin};
    r.object(j, "(summary)");
    RunSummary s;
    s.name = r.string(r.at(j, "name", "name"), "name");
    s.seed = r.integer(r.at(j, "seed", "seed"), "seed");
    try {
        s.status = run_status_from_string(r.string(r.at(j, "status", "status"), "status"));
    } catch (const IoError& e) {
        r.fail("status", e.what());
    }
    s.stop_reason = r.string(r.at(j, "stop_reason", "stop_reason"), "stop_reason");
    s.steps = long(r.integer(r.at(j, "steps", "steps"), "steps"));
    s.time = r.number(r.at(j, "time", "time"), "time");
    s.gradient_evaluations = long(r.integer(r.at(j, "gradient_evaluations", "gradient_evaluations"), "gradient_evaluations"));
    if (j.contains("timing"))
        s.wall_seconds = r.number(r.at(r.object(j["timing"], "timing"), "wall_seconds", "timing.wall_seconds"),
                                  "timing.wall_seconds");
    if (j.contains("timing") && j["timing"].is_object() && j["timing"].contains("resumes"))
        s.resumes = int(r.integer(j["timing"]["resumes"], "timing.resumes"));
    s.model = r.string(r.at(j, "model", "model"), "model");
    s.task = r.string(r.at(j, "task", "task"), "task");
    s.depth = int(r.integer(r.at(j, "depth", "depth"), "depth"));
    if (j.contains("final")) {
        FinalMetrics f;
        for (const auto& [k, v] : r.object(j["final"], "final").items()) {
            const std::string path = "final." + k;
            if (k == "spectrum")
                f.spectrum = r.numbers(v, path);
            else if (k == "top_indices")
                f.top_indices = r.integers(v, path);
            else if (k == "predictor")
                f.predictor = r.numbers(v, path);
            else
                f.values[k] = r.number_or_null(v, path);
        }
        s.final = f;
    }
    if (j.contains("incremental")) {
        const json& inc = r.object(j["incremental"], "incremental");
        IncrementalSummary m;
        m.epsilon = r.number(r.at(inc, "epsilon", "incremental.epsilon"), "incremental.epsilon");
        for (const auto& c : r.array(r.at(inc, "components", "incremental.components"), "incremental.components")) {
            const std::string p = "incremental.components[]";
            m.components.push_back({r.number(r.at(c, "target", p + ".target"), p + ".target"),
                                    r.number_or_null(r.at(c, "t_eps", p + ".t_eps"), p + ".t_eps"),
                                    r.number_or_null(r.at(c, "t_half", p + ".t_half"), p + ".t_half"),
                                    r.number_or_null(r.at(c, "t_one_minus_eps", p + ".t_one_minus_eps"),
                                                     p + ".t_one_minus_eps")});
        }
        for (const auto& q : r.array(r.at(inc, "pairs", "incremental.pairs"), "incremental.pairs")) {
            const std::string p = "incremental.pairs[]";
            const auto comps = r.integers(r.at(q, "components", p + ".components"), p + ".components");
            if (comps.size() != 2) r.fail(p + ".components", "must hold two components");
            m.pairs.push_back({comps[0], comps[1],
                               r.number_or_null(r.at(q, "t_first_done", p + ".t_first_done"), p + ".t_first_done"),
                               r.number_or_null(r.at(q, "t_second_start", p + ".t_second_start"), p + ".t_second_start"),
                               r.boolean(r.at(q, "incremental", p + ".incremental"), p + ".incremental")});
        }
        m.learning_order = r.integers(r.at(inc, "learning_order", "incremental.learning_order"), "incremental.learning_order");
        m.largest_first = r.boolean(r.at(inc, "largest_first", "incremental.largest_first"), "incremental.largest_first");
        m.verdict = r.string(r.at(inc, "verdict", "incremental.verdict"), "incremental.verdict");
        s.incremental = m;
    }
    if (j.contains("activation_order")) s.activation_order = r.integers(j["activation_order"], "activation_order");
    if (j.contains("activation_times")) s.activation_times = r.numbers(j["activation_times"], "activation_times");
    if (j.contains("margin_checkpoints")) {
        std::vector<MarginCheckpointSummary> rows;
        for (const auto& c : r.array(j["margin_checkpoints"], "margin_checkpoints")) {
            const std::string p = "margin_checkpoints[]";
            MarginCheckpointSummary m{r.number(r.at(c, "gamma", p + ".gamma"), p + ".gamma"),
                                      r.number(r.at(c, "log10_inv_eps", p + ".log10_inv_eps"), p + ".log10_inv_eps"),
                                      r.number(r.at(c, "tau", p + ".tau"), p + ".tau"),
                                      r.number(r.at(c, "mu", p + ".mu"), p + ".mu"),
                                      std::nullopt,
                                      {}};
            if (c.contains("normalized_predictor"))
                m.normalized_predictor = r.numbers(c["normalized_predictor"], p + ".normalized_predictor");
            for (const auto& [k, v] : c.items())
                if (k.rfind("dist_", 0) == 0) m.distances[k] = r.number_or_null(v, p + "." + k).value_or(NAN);
            rows.push_back(std::move(m));
        }
        s.margin_checkpoints = std::move(rows);
    }
    if (j.contains("references"))
        for (const auto& [k, v] : r.object(j["references"], "references").items())
            s.references[k] = r.numbers(v, "references." + k);
    if (j.contains("reference_target_correlation"))
        for (const auto& [k, v] : r.object(j["reference_target_correlation"], "reference_target_correlation").items())
            s.reference_target_correlation[k] = r.number(v, "reference_target_correlation." + k);
    if (j.contains("figure_warning")) s.figure_warning = r.string(j["figure_warning"], "figure_warning");
    return s;
}

}  // namespace depthbias
