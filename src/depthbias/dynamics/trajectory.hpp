// What every dynamics shares: stop rules, the per-step view handed to observers, and the outcome.
// Time convention: gradient-flow time t; GD iterate k is reported at t = k * lr.
#pragma once
#include <functional>
#include <limits>
#include <string>

#include "depthbias/core/types.hpp"

namespace depthbias {

struct StopRules {
    double loss_threshold = 0.0;                                    // stop when loss < threshold (0: never)
    double max_time = std::numeric_limits<double>::infinity();      // flow time budget
    long max_steps = std::numeric_limits<long>::max();              // GD steps / flow accepted steps
    double divergence_factor = 1e6;  // diverged when loss > factor * max(initial loss, 1e-300), or not finite
};

enum class RunStatus { Converged, BudgetExhausted, Diverged };
std::string to_string(RunStatus s);

struct StepView {
    long step;           // GD iterate or accepted flow step
    double time;         // flow time
    double loss;         // at theta
    const Vec& theta;
    const Predictor& predictor;
    long evaluations;    // gradient evaluations so far
    bool final;          // the last state of the run
    double log10_loss = std::numeric_limits<double>::quiet_NaN();  // set by dynamics whose loss underflows
};

// Called at every step; observers decide what to keep (see observe/).
using StepCallback = std::function<void(const StepView&)>;

struct Outcome {
    RunStatus status = RunStatus::BudgetExhausted;
    std::string reason;  // human-readable: which rule stopped the run
    long steps = 0;
    double time = 0;
    double loss = 0;
    long evaluations = 0;
};

}  // namespace depthbias
