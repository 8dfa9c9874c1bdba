// RunSummary: the typed result of one run (summary.json), written by the run executor, its dynamics and its
// observers, and read by the CLI, experiment checks and figures, sweeps and reports. to_json() gives the file's
// content; from_json() validates a stored summary and throws IoError naming the field (never a JSON type error).
// Everything but `timing` is a pure function of the config and the seed.
// A run that diverged has status Diverged and no `final`, `incremental`, `activation`, `margin_checkpoints`.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace depthbias {

// Converged: a stop rule that means success (loss threshold, margin target); BudgetExhausted: a step or time
// budget; Diverged: non-finite or exploding loss; Stopped: an observer ended the run; WallBudget: the run's
// wall-clock budget (--max-wall-seconds) ended it: an unfinished run, not a result (checks do not read it).
enum class RunStatus { Converged, BudgetExhausted, Diverged, Stopped, WallBudget };
std::string to_string(RunStatus s);
RunStatus run_status_from_string(const std::string& s);  // throws IoError on an unknown status

struct FinalMetrics {
    // Scalars by name: loss, log10_loss, reconstruction_error, test_error, offset, max_invariant_drift, the task's
    // own metrics, dist_<reference>, relative_error_to_<reference>. nullopt: not finite (JSON null).
    std::map<std::string, std::optional<double>> values;
    std::vector<double> spectrum;
    std::optional<std::vector<int>> top_indices;     // largest coordinates / Fourier bins first
    std::optional<std::vector<double>> predictor;    // beta itself when it has at most 16 entries

    std::optional<double> get(const std::string& name) const;  // nullopt when absent or not finite
};

struct IncrementalSummary {
    struct Component {
        double target;
        std::optional<double> t_eps, t_half, t_one_minus_eps;  // nullopt: never reached
    };
    struct Pair {
        int first, second;  // 1-based components
        std::optional<double> t_first_done, t_second_start;
        bool incremental;
    };
    double epsilon = 0;
    std::vector<Component> components;
    std::vector<Pair> pairs;
    std::vector<int> learning_order;  // 1-based
    bool largest_first = false;
    std::string verdict;
};

struct MarginCheckpointSummary {
    double gamma, log10_inv_eps, tau, mu;
    std::optional<std::vector<double>> normalized_predictor;  // w / gamma when d <= 16
    std::map<std::string, double> distances;                  // dist_<reference>
};

struct RunSummary {
    std::string name;
    std::int64_t seed = 0;
    RunStatus status = RunStatus::BudgetExhausted;
    std::string stop_reason;
    long steps = 0;
    double time = 0;
    long gradient_evaluations = 0;
    double wall_seconds = 0;  // the "timing" block: wall time over all sessions of the run
    int resumes = 0;          // timing block: how often the run was continued from a checkpoint (--resume)
    std::string model, task;
    int depth = 0;
    std::optional<FinalMetrics> final;
    std::optional<IncrementalSummary> incremental;
    std::optional<std::vector<int>> activation_order;
    std::optional<std::vector<double>> activation_times;
    std::optional<std::vector<MarginCheckpointSummary>> margin_checkpoints;
    std::map<std::string, std::vector<double>> references;  // first 16 entries of each tracked reference
    std::map<std::string, double> reference_target_correlation;
    std::optional<std::string> figure_warning;

    bool diverged() const { return status == RunStatus::Diverged; }
    bool wall_budget_hit() const { return status == RunStatus::WallBudget; }
    // final->get(name) when the run has a final block.
    std::optional<double> final_value(const std::string& name) const;

    nlohmann::json to_json() const;
    // `origin` names the source in errors ("runs/fig1a/depth-2/summary.json").
    static RunSummary from_json(const nlohmann::json& j, const std::string& origin);
};

}  // namespace depthbias
