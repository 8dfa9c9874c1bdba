// What every dynamics shares: the per-step view handed to observers, the observers' answer, and the outcome.
// Time convention: gradient-flow time t; GD iterate k is reported at t = k * lr.
// The stop rules themselves are one object shared by every dynamics: dynamics/stop_rules.hpp.
#pragma once
#include <concepts>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>

#include "depthbias/core/types.hpp"
#include "depthbias/results/run_summary.hpp"  // RunStatus

namespace depthbias {

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

// An observer's answer to a step: go on, or end the run here (the dynamics then reports this state once more
// with final = true and returns RunStatus::Stopped).
enum class StepAction { Continue, Stop };

// Called at every step. Accepts callables returning void (always Continue) or StepAction.
class StepCallback {
public:
    StepCallback() = default;
    StepCallback(std::nullptr_t) {}
    template <class F>
        requires(std::invocable<F&, const StepView&> && !std::same_as<std::remove_cvref_t<F>, StepCallback>)
    StepCallback(F f) {
        if constexpr (std::is_void_v<std::invoke_result_t<F&, const StepView&>>)
            fn_ = [f = std::move(f)](const StepView& v) mutable {
                f(v);
                return StepAction::Continue;
            };
        else
            fn_ = std::move(f);
    }
    StepAction operator()(const StepView& v) const { return fn_ ? fn_(v) : StepAction::Continue; }
    explicit operator bool() const { return bool(fn_); }

private:
    std::function<StepAction(const StepView&)> fn_;
};

struct Outcome {
    RunStatus status = RunStatus::BudgetExhausted;
    std::string reason;  // human-readable: which rule stopped the run
    long steps = 0;
    double time = 0;
    double loss = 0;
    long evaluations = 0;
};

// Delivers a non-final view; when the callback answers Stop, fills `out` (status Stopped), delivers the same
// state again as final and returns true: the dynamics must then end the run.
bool deliver_step(const StepCallback& cb, const StepView& view, Outcome& out);

}  // namespace depthbias
