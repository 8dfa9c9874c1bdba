#include "depthbias/dynamics/gradient_flow.hpp"

#include <boost/numeric/odeint.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>
#include <cmath>
#include <limits>
#include <sstream>

#include "depthbias/core/error.hpp"
#include "depthbias/dynamics/dynamics.hpp"

namespace depthbias {
namespace odeint = boost::numeric::odeint;

Outcome run_gradient_flow(Objective& obj, Vec& theta, const FlowTolerances& tol, const StopRules& stop,
                          const StepCallback& cb, const FlowMap* map) {
    if (!(tol.rtol > 0) || !std::isfinite(tol.rtol)) throw ConfigError("dynamics.rtol", "must be finite and > 0");
    if (!(tol.atol > 0) || !std::isfinite(tol.atol)) throw ConfigError("dynamics.atol", "must be finite and > 0");
    if (stop.unbounded())
        throw ConfigError("dynamics.max_time", "gradient flow needs a time, step or loss budget");

    // The right-hand side caches the loss at the state of its latest call, which for Dormand-Prince (FSAL)
    // is the accepted new state; `at` records which state that was. It starts as NaN, which equals no state: an
    // uninitialized buffer could hold the initial state itself (freed memory of an earlier run reused), and the
    // initial loss would then be read from `last_loss` before any evaluation.
    Vec at = Vec::Constant(theta.size(), std::numeric_limits<double>::quiet_NaN()), primal(theta.size());
    double last_loss = 0;
    // x is theta itself, or the variable z the map sends to theta (primal then holds theta(x)).
    auto rhs = [&](const Vec& x, Vec& dxdt, double) {
        if (map) map->to_primal(x, primal);
        last_loss = obj.value_and_gradient(map ? primal : x, dxdt);
        dxdt = -dxdt;
        at = x;
    };
    auto loss_at = [&](const Vec& x) {
        if (x != at) {
            Vec tmp(x.size());
            rhs(x, tmp, 0.0);
        }
        return last_loss;
    };

    using Stepper = odeint::runge_kutta_dopri5<Vec, double, Vec, double, odeint::vector_space_algebra>;
    auto stepper = odeint::make_dense_output(tol.atol, tol.rtol, Stepper());
    const double dt0 = std::isfinite(stop.max_time) ? std::min(tol.initial_dt, stop.max_time) : tol.initial_dt;
    Vec state = theta;
    if (map) map->to_dual(theta, state);
    stepper.initialize(state, 0.0, dt0);

    Outcome out;
    const double loss0 = loss_at(state);
    double loss = loss0;
    // The reported parameters: the state itself, or its image under the map.
    Vec reported = theta;
    const auto report = [&]() -> const Vec& {
        if (!map) return state;
        map->to_primal(state, reported);
        return reported;
    };
    for (long k = 0;; ++k) {
        const double t = k == 0 ? 0.0 : stepper.current_time();
        out.steps = k;
        out.time = t;
        out.loss = loss;
        out.evaluations = obj.evaluations();
        auto stop_now = stop.check(k, t, loss, loss0, state.allFinite(), [&] {
            std::ostringstream s;
            s << "at flow step " << k << " (t = " << t << ", dt = " << stepper.current_time_step() << ")";
            return s.str();
        });
        if (!stop_now && k > 0 && stepper.current_time_step() < 1e-13 * std::max(1.0, t)) {
            std::ostringstream why;
            why << "diverged at flow step " << k << " (t = " << t << "): step size collapsed to "
                << stepper.current_time_step();
            stop_now = StopDecision{RunStatus::Diverged, why.str()};
        }
        if (stop_now) {
            out.status = stop_now->status;
            out.reason = stop_now->reason;
        }
        loss_at(state);  // make sure the objective's predictor is the one of `state`
        const StepView view{k, t, loss, report(), obj.predictor(), obj.evaluations(), bool(stop_now)};
        if (stop_now) {
            cb(view);
            theta = view.theta;
            return out;
        }
        if (deliver_step(cb, view, out)) {
            theta = view.theta;
            return out;
        }
        stepper.do_step(rhs);
        if (stepper.current_time() > stop.max_time) {
            stepper.calc_state(stop.max_time, state);
            // Report the budget end exactly; the stepper's own time is past it and is not used again.
            loss = loss_at(state);
            out.steps = k + 1;
            out.time = stop.max_time;
            out.loss = loss;
            out.evaluations = obj.evaluations();
            out.status = std::isfinite(loss) ? RunStatus::BudgetExhausted : RunStatus::Diverged;
            out.reason = std::isfinite(loss) ? "time budget reached" : "diverged: non-finite loss at the budget end";
            cb(StepView{k + 1, stop.max_time, loss, report(), obj.predictor(), obj.evaluations(), true});
            theta = report();
            return out;
        }
        state = stepper.current_state();
        loss = loss_at(state);
    }
}

}  // namespace depthbias

namespace depthbias {
namespace {

class GradientFlow final : public Dynamics {
public:
    explicit GradientFlow(const FlowTolerances& tol) : tol_(tol) {}
    Outcome run(Objective& obj, Vec& theta, const StopRules& stop, const StepCallback& cb) override {
        return run_gradient_flow(obj, theta, tol_, stop, cb);
    }

private:
    FlowTolerances tol_;
};

const Registrar<DynamicsEntry> registration{{
    .name = "flow",
    .doc = "gradient flow, adaptive Dormand-Prince 5(4) (Boost.Odeint) at dynamics.rtol / dynamics.atol",
    .uses = {},
    .validate =
        [](const DynamicsParams& p, const TaskParams&, const ModelParams&, const ExtraParams&) {
            if (p.max_time == 0 && p.loss_threshold == 0)
                throw ConfigError("dynamics.max_time", "gradient flow needs a time budget or a loss threshold");
        },
    .build =
        [](const DynamicsParams& p, const ExtraParams&) {
            return std::make_unique<GradientFlow>(FlowTolerances{p.rtol, p.atol, std::min(1e-3, p.lr)});
        },
}};

}  // namespace
}  // namespace depthbias
