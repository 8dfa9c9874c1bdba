#include "depthbias/dynamics/dual_flow.hpp"

#include <boost/numeric/odeint.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>
#include <chrono>
#include <cmath>
#include <sstream>

#include <fstream>
#include <iomanip>

#include "depthbias/core/error.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/models/diagonal_network.hpp"
#include "depthbias/analysis/references/reference_distances.hpp"

namespace depthbias {
namespace odeint = boost::numeric::odeint;

Vec dual_predictor(const Mat& xt, const Vec& nu, int depth, double alpha) {
    const Vec s = xt.transpose() * nu;
    if (depth == 1) return 2.0 * s;
    if (depth == 2) return 2.0 * alpha * alpha * (4.0 * s).array().sinh().matrix();
    const double D = depth, p = -D / (D - 2);
    const Vec z = D * (D - 2) * std::pow(alpha, D - 2) * s;
    Vec w(z.size());
    for (Index i = 0; i < z.size(); ++i) {
        if (!(std::abs(z(i)) < 1)) return Vec::Constant(z.size(), NAN);  // past the blow-up: not a valid state
        w(i) = std::pow(alpha, D) * (std::pow(1 - z(i), p) - std::pow(1 + z(i), p));
    }
    return w;
}

namespace {

double log_sum_exp_neg(const Vec& m) {
    const double mn = m.minCoeff();
    return -mn + std::log((-(m.array() - mn)).exp().sum());
}

Vec branches(const Mat& xt, const Vec& nu, int depth, double alpha) {  // [u+; u-]
    const Vec s = xt.transpose() * nu;
    const Index d = s.size();
    Vec u(2 * d);
    for (Index i = 0; i < d; ++i) {
        if (depth == 1) {
            u(i) = alpha + s(i);
            u(d + i) = alpha - s(i);
        } else if (depth == 2) {
            u(i) = alpha * std::exp(2 * s(i));
            u(d + i) = alpha * std::exp(-2 * s(i));
        } else {
            const double D = depth, z = D * (D - 2) * std::pow(alpha, D - 2) * s(i);
            u(i) = alpha * std::pow(1 - z, -1 / (D - 2));
            u(d + i) = alpha * std::pow(1 + z, -1 / (D - 2));
        }
    }
    return u;
}

}  // namespace

DualFlowResult run_dual_flow(const BinaryClassification& task, const DualFlowSpec& spec, const StepCallback& cb) {
    if (spec.depth < 1) throw ConfigError("model.depth", "must be at least 1");
    if (!(spec.alpha > 0) || !std::isfinite(spec.alpha))
        throw ConfigError("model.init_scale", "alpha must be finite and > 0");
    if (!task.exponential()) throw ConfigError("task.loss", "the dual flow needs the exponential loss");
    if (!(spec.max_margin > 0)) throw ConfigError("dynamics.max_margin", "must be > 0");
    const Mat& xt = task.signed_inputs();
    const Index n = xt.rows();
    const double log_n = task.summed() ? 0.0 : std::log(double(n));

    auto margins = [&](const Vec& nu) { return Vec(xt * dual_predictor(xt, nu, spec.depth, spec.alpha)); };
    long evaluations = 0;
    auto rhs = [&](const Vec& nu, Vec& dnu, double) {
        ++evaluations;
        const Vec m = margins(nu);
        if (!m.allFinite()) {  // a stage left the domain |z| < 1: a huge derivative makes the controller reject it
            dnu = Vec::Constant(n, 1e100);
            return;
        }
        const double mn = m.minCoeff();
        dnu = (-(m.array() - mn)).exp().matrix();
        dnu /= dnu.sum();
    };

    DualFlowResult res;
    std::vector<double> pending = spec.checkpoints;
    std::sort(pending.begin(), pending.end());
    size_t next_cp = 0;

    using Stepper = odeint::runge_kutta_dopri5<Vec, double, Vec, double, odeint::vector_space_algebra>;
    auto stepper = odeint::make_dense_output(spec.atol, spec.rtol, Stepper());
    Vec nu = Vec::Zero(n);
    stepper.initialize(nu, 0.0, 1e-3);
    Predictor pred{Mat::Zero(xt.cols(), 1), 0};
    bool stopped = false;
    auto report = [&](long k, double tau, const Vec& state, bool final) {
        const Vec w = dual_predictor(xt, state, spec.depth, spec.alpha);
        const Vec m = xt * w;
        const double log_eps = log_sum_exp_neg(m) - log_n;
        pred.beta.col(0) = w;
        const Vec theta = branches(xt, state, spec.depth, spec.alpha);
        const StepView view{k, tau, std::exp(log_eps), theta, pred, k, final, log_eps / std::log(10.0)};
        if (final)
            cb(view);
        else if (deliver_step(cb, view, res.outcome))  // an observer ended the run here
            stopped = true;
        return std::make_pair(m.minCoeff(), log_eps);
    };
    auto finish_stopped = [&](const Vec& state) {
        res.nu = state;
        res.w = dual_predictor(xt, state, spec.depth, spec.alpha);
        res.outcome.evaluations = evaluations;
        return res;
    };
    auto [gamma, log_eps] = report(0, 0.0, nu, false);
    if (stopped) return finish_stopped(nu);
    for (long k = 1;; ++k) {
        const double tau0 = stepper.current_time();
        stepper.do_step(rhs);
        const double tau1 = stepper.current_time();
        nu = stepper.current_state();
        const Vec m = margins(nu);
        if (!m.allFinite() || stepper.current_time_step() < 1e-14 * std::max(1.0, tau1)) {
            std::ostringstream s;
            s << "diverged at dual step " << k << " (tau = " << tau1 << ", dtau = " << stepper.current_time_step()
              << "): the closed-form predictor left its domain (|z| >= 1) or the step collapsed";
            res.outcome = {RunStatus::Diverged, s.str(), k, tau1, NAN, evaluations};
            return res;
        }
        const double g1 = m.minCoeff();
        // Margin checkpoints crossed in [tau0, tau1]: bisect on the dense output (the margin is increasing).
        while (next_cp < pending.size() && pending[next_cp] <= g1) {
            double lo = tau0, hi = tau1;
            Vec x(n);
            for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; ++it) {
                const double mid = 0.5 * (lo + hi);
                stepper.calc_state(mid, x);
                (margins(x).minCoeff() < pending[next_cp] ? lo : hi) = mid;
            }
            stepper.calc_state(hi, x);
            const Vec w = dual_predictor(xt, x, spec.depth, spec.alpha);
            const Vec mm = xt * w;
            const double g = mm.minCoeff();
            res.checkpoints.push_back({g, -(log_sum_exp_neg(mm) - log_n) / std::log(10.0), hi, w / g});
            ++next_cp;
        }
        const bool by_margin = g1 >= spec.max_margin;
        const bool done = by_margin || tau1 >= spec.max_tau;
        if (by_margin) {
            // The margin grows exponentially in nu: land exactly on max_margin on the dense output instead of
            // reporting the overshooting step end.
            double lo = tau0, hi = tau1;
            Vec x(n);
            for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; ++it) {
                const double mid = 0.5 * (lo + hi);
                stepper.calc_state(mid, x);
                (margins(x).minCoeff() < spec.max_margin ? lo : hi) = mid;
            }
            stepper.calc_state(hi, nu);
            std::tie(gamma, log_eps) = report(k, hi, nu, true);
            res.outcome = {RunStatus::Converged, "margin target reached", k, hi, std::exp(log_eps), evaluations};
            res.nu = nu;
            res.w = dual_predictor(xt, nu, spec.depth, spec.alpha);
            return res;
        }
        if (!done && spec.stop && spec.stop->deadline && std::chrono::steady_clock::now() >= *spec.stop->deadline) {
            std::tie(gamma, log_eps) = report(k, tau1, nu, true);
            res.outcome = {RunStatus::WallBudget,
                           "wall-clock budget of " + StopRules::number(spec.stop->wall_seconds) + " s reached",
                           k, tau1, std::exp(log_eps), evaluations};
            res.nu = nu;
            res.w = dual_predictor(xt, nu, spec.depth, spec.alpha);
            return res;
        }
        std::tie(gamma, log_eps) = report(k, tau1, nu, done);
        if (stopped) return finish_stopped(nu);
        if (done) {
            res.outcome = {RunStatus::BudgetExhausted, "tau budget exhausted", k, tau1, std::exp(log_eps), evaluations};
            res.nu = nu;
            res.w = dual_predictor(xt, nu, spec.depth, spec.alpha);
            return res;
        }
    }
}

}  // namespace depthbias

namespace depthbias {
namespace {

// The dual flow as a registered dynamics: runs on a diagonal network (unbiased init) and an exponential-loss
// classification task, reports the final predictor w(nu) and writes checkpoints.csv / margin_checkpoints at
// gamma = 10, 100, ..., dynamics.max_margin.
class DualFlow final : public Dynamics {
public:
    DualFlow(double max_margin, double rtol, double atol) {
        spec_.max_margin = max_margin;
        spec_.rtol = rtol;
        spec_.atol = atol;
        for (double g = 10; g <= max_margin * (1 + 1e-12); g *= 10) spec_.checkpoints.push_back(g);
    }

    Outcome run(Objective& obj, Vec& /*theta*/, const StopRules& stop, const StepCallback& cb) override {
        const auto* cls = dynamic_cast<const BinaryClassification*>(&obj.task());
        const auto* net = dynamic_cast<const DiagonalNetwork*>(&obj.model());
        if (!cls) throw ConfigError("dynamics.kind", "dual_flow needs task.kind = classification");
        if (!net) throw ConfigError("dynamics.kind", "dual_flow needs model.kind = diagonal");
        spec_.depth = net->depth();
        spec_.alpha = std::pow(net->init_scale(), 1.0 / double(spec_.depth));
        spec_.stop = &stop;
        result_ = run_dual_flow(*cls, spec_, cb);
        return result_.outcome;
    }

    std::optional<Predictor> final_predictor() const override {
        if (result_.w.size() == 0) return std::nullopt;
        return Predictor{Mat(result_.w), 0.0};
    }

    void write_outputs(const DynamicsReport& r) const override {
        std::ostringstream f;
        f << "gamma,log10_inv_eps,tau";
        const Index d = result_.checkpoints.empty() ? 0 : result_.checkpoints.front().normalized.size();
        const bool coords = d > 0 && d <= 16;
        if (coords)
            for (Index i = 0; i < d; ++i) f << ",w" << (i + 1);
        for (const auto& ref : r.references) f << ",dist_" << ref.name;
        f << "\n" << std::setprecision(12);
        std::vector<MarginCheckpointSummary> rows;
        for (const auto& c : result_.checkpoints) {
            MarginCheckpointSummary row{c.gamma, c.log10_inv_eps, c.tau, std::pow(spec_.alpha, spec_.depth) / c.gamma,
                                        std::nullopt, {}};
            f << c.gamma << ',' << c.log10_inv_eps << ',' << c.tau;
            if (coords) {
                row.normalized_predictor = std::vector<double>(c.normalized.data(), c.normalized.data() + c.normalized.size());
                for (Index i = 0; i < c.normalized.size(); ++i) f << ',' << c.normalized(i);
            }
            for (const auto& ref : r.references) {
                const double dist = direction_distance(c.normalized, ref.direction);
                row.distances["dist_" + ref.name] = dist;
                f << ',' << dist;
            }
            f << "\n";
            rows.push_back(std::move(row));
        }
        write_file_atomically(r.dir + "/checkpoints.csv", f.str());
        if (!r.diverged) r.summary.margin_checkpoints = std::move(rows);
    }

private:
    DualFlowSpec spec_;
    DualFlowResult result_;
};

const Registrar<DynamicsEntry> registration{{
    .name = "dual_flow",
    .doc = "exponential loss, diagonal model: the flow in the dual variables and loss-normalized time; reaches any "
           "margin (dynamics.max_margin), checkpoints at gamma = 10, 100, ...",
    .uses = {"dynamics.max_margin"},
    .validate =
        [](const DynamicsParams& p, const TaskParams& t, const ModelParams& m, const ExtraParams&) {
            if (t.kind != "classification" || t.loss != "exponential")
                throw ConfigError("dynamics.kind",
                                  "dual_flow needs task.kind = classification with task.loss = exponential");
            if (m.kind != "diagonal" || !m.shape.empty())
                throw ConfigError("dynamics.kind", "dual_flow needs model.kind = diagonal with the unbiased init (no shape)");
            if (!(p.max_margin > 0)) throw ConfigError("dynamics.max_margin", "must be > 0");
        },
    .build =
        [](const DynamicsParams& p, const ExtraParams&) {
            return std::make_unique<DualFlow>(p.max_margin, p.rtol, p.atol);
        },
}};

}  // namespace
}  // namespace depthbias
