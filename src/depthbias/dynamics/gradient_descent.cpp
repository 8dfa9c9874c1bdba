#include "depthbias/dynamics/gradient_descent.hpp"

#include <cmath>
#include <sstream>

#include "depthbias/core/error.hpp"

namespace depthbias {

Outcome run_gradient_descent(Objective& obj, Vec& theta, double lr, const StopRules& stop, const StepCallback& cb) {
    if (!(lr > 0) || !std::isfinite(lr)) throw ConfigError("dynamics.lr", "must be finite and > 0");
    Vec grad(theta.size());
    Outcome out;
    double loss0 = -1;
    for (long k = 0;; ++k) {
        const double loss = obj.value_and_gradient(theta, grad);
        const double t = double(k) * lr;
        if (loss0 < 0) loss0 = loss;
        out.steps = k;
        out.time = t;
        out.loss = loss;
        out.evaluations = obj.evaluations();
        bool done = true;
        if (!std::isfinite(loss) || loss > stop.divergence_factor * std::max(loss0, 1e-300)) {
            std::ostringstream s;
            s << "diverged at step " << k << " (t = " << t << ") with lr = " << lr << ": loss = " << loss
              << " (initial " << loss0 << ")";
            out.status = RunStatus::Diverged;
            out.reason = s.str();
        } else if (loss < stop.loss_threshold) {
            out.status = RunStatus::Converged;
            out.reason = "loss below threshold";
        } else if (k >= stop.max_steps) {
            out.status = RunStatus::BudgetExhausted;
            out.reason = "step budget exhausted";
        } else if (t >= stop.max_time) {
            out.status = RunStatus::BudgetExhausted;
            out.reason = "time budget exhausted";
        } else {
            done = false;
        }
        if (cb) cb(StepView{k, t, loss, theta, obj.predictor(), obj.evaluations(), done});
        if (done) return out;
        theta.noalias() -= lr * grad;
    }
}

}  // namespace depthbias
