#include "depthbias/dynamics/implicit_flow.hpp"

#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_spgmr.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <limits>
#include <sstream>

#include "depthbias/core/error.hpp"
#include "depthbias/dynamics/dynamics.hpp"

namespace depthbias {
namespace {

// Everything the C callbacks reach through CVODE's user data.
struct Callbacks {
    Objective& obj;
    const ImplicitFlowOptions& opt;
    Index n;
    Vec x, g, gm;                  // a copy of CVODE's state (Objective takes a Vec), gradients
    ImplicitFlowStats stats;
    std::exception_ptr error;      // an exception thrown inside a callback, rethrown after CVode returns
    std::string cvode_message;     // CVODE's last error message (its error handler)

    Callbacks(Objective& o, const ImplicitFlowOptions& op, Index size)
        : obj(o), opt(op), n(size), x(size), g(size), gm(size) {}
};

Eigen::Map<Vec> view(N_Vector v) { return {N_VGetArrayPointer(v), N_VGetLength(v)}; }

// f(t, y) = -grad L(y). A non-finite gradient is recoverable (> 0): CVODE retries with a smaller step.
int rhs(sunrealtype, N_Vector y, N_Vector ydot, void* user) {
    auto& c = *static_cast<Callbacks*>(user);
    try {
        c.x = view(y);
        const double loss = c.obj.value_and_gradient(c.x, c.g);
        ++c.stats.rhs_evaluations;
        if (!std::isfinite(loss) || !c.g.allFinite()) return 1;
        view(ydot) = -c.g;
        return 0;
    } catch (...) {
        c.error = std::current_exception();
        return -1;
    }
}

// J v = -H v by a directional difference of gradients, increment s = 1 / ||v||_WRMS (CVODE's rule).
int jtimes(N_Vector v, N_Vector Jv, sunrealtype, N_Vector y, N_Vector fy, void* user, N_Vector) {
    auto& c = *static_cast<Callbacks*>(user);
    try {
        const auto vv = view(v), yy = view(y);
        auto out = view(Jv);
        const double wrms =
            std::sqrt((vv.array() / (c.opt.rtol * yy.array().abs() + c.opt.atol)).square().mean());
        ++c.stats.jv_products;
        if (!(wrms > 0) || !std::isfinite(wrms)) {
            out.setZero();
            return 0;
        }
        const double s = 1.0 / wrms;
        c.x = yy + s * vv;
        c.obj.value_and_gradient(c.x, c.g);
        ++c.stats.jv_gradients;
        if (c.opt.jv == JvDifference::Forward) {
            out = (-c.g - view(fy)) / s;  // (f(y + s v) - f(y)) / s
        } else {
            c.x = yy - s * vv;
            c.obj.value_and_gradient(c.x, c.gm);
            ++c.stats.jv_gradients;
            out = (c.gm - c.g) / (2 * s);  // (f(y + s v) - f(y - s v)) / (2 s)
        }
        return out.allFinite() ? 0 : 1;
    } catch (...) {
        c.error = std::current_exception();
        return -1;
    }
}

// Called from CVODE's C frames: nothing may unwind through them (std::bad_alloc from the string is dropped; the
// failure is still reported by its flag, only without CVODE's message).
void error_handler(int code, const char* module, const char* function, char* msg, void* user) noexcept {
    if (code >= 0) return;  // warnings (CV_WARNING) are not failures
    try {
        auto& c = *static_cast<Callbacks*>(user);
        c.cvode_message = std::string(module ? module : "CVODE") + "::" + (function ? function : "") + ": " +
                          (msg ? msg : "");
    } catch (...) {
    }
}

// The serial vector's arithmetic through Eigen (vectorized). Debian's libsundials builds N_Vector_Serial's loops
// without SIMD; on fig1a (10^4 parameters) its dot products, WRMS norms and linear sums took ~35% of the implicit
// flow's time (perf). SUNDIALS lets a vector's operation table be replaced; clones copy the table.
Eigen::Map<Vec> ev(N_Vector v) { return {NV_DATA_S(v), NV_LENGTH_S(v)}; }
void set_eigen_ops(N_Vector y) {
    N_Vector_Ops o = y->ops;
    o->nvlinearsum = [](sunrealtype a, N_Vector x, sunrealtype b, N_Vector z, N_Vector w) {
        ev(w) = a * ev(x) + b * ev(z);
    };
    o->nvconst = [](sunrealtype c, N_Vector z) { ev(z).setConstant(c); };
    o->nvprod = [](N_Vector x, N_Vector y2, N_Vector z) { ev(z) = ev(x).cwiseProduct(ev(y2)); };
    o->nvdiv = [](N_Vector x, N_Vector y2, N_Vector z) { ev(z) = ev(x).cwiseQuotient(ev(y2)); };
    o->nvscale = [](sunrealtype c, N_Vector x, N_Vector z) { ev(z) = c * ev(x); };
    o->nvabs = [](N_Vector x, N_Vector z) { ev(z) = ev(x).cwiseAbs(); };
    o->nvinv = [](N_Vector x, N_Vector z) { ev(z) = ev(x).cwiseInverse(); };
    o->nvaddconst = [](N_Vector x, sunrealtype b, N_Vector z) { ev(z) = ev(x).array() + b; };
    o->nvdotprod = [](N_Vector x, N_Vector y2) { return ev(x).dot(ev(y2)); };
    o->nvdotprodlocal = o->nvdotprod;
    o->nvmaxnorm = [](N_Vector x) { return NV_LENGTH_S(x) ? ev(x).cwiseAbs().maxCoeff() : 0.0; };
    o->nvmaxnormlocal = o->nvmaxnorm;
    o->nvwsqrsumlocal = [](N_Vector x, N_Vector w) { return ev(x).cwiseProduct(ev(w)).squaredNorm(); };
    o->nvwrmsnorm = [](N_Vector x, N_Vector w) {
        return std::sqrt(ev(x).cwiseProduct(ev(w)).squaredNorm() / double(std::max<sunindextype>(1, NV_LENGTH_S(x))));
    };
}

std::string flag_name(long flag) {
    char* s = CVodeGetReturnFlagName(flag);
    std::string name = s ? s : "unknown flag";
    std::free(s);
    return name;
}

// The CVODE objects of one run, freed in reverse order of creation.
struct Cvode {
    SUNContext ctx = nullptr;
    N_Vector y = nullptr;
    void* mem = nullptr;
    SUNLinearSolver ls = nullptr;
    ~Cvode() {
        if (mem) CVodeFree(&mem);
        if (ls) SUNLinSolFree(ls);
        if (y) N_VDestroy(y);
        if (ctx) SUNContext_Free(&ctx);
    }
};

void require(int flag, const char* what) {
    if (flag < 0) throw std::runtime_error(std::string("CVODE setup: ") + what + " failed: " + flag_name(flag));
}

}  // namespace

Outcome run_implicit_flow(Objective& obj, Vec& theta, const ImplicitFlowOptions& opt, const StopRules& stop,
                          const StepCallback& cb, ImplicitFlowStats* stats_out) {
    if (!(opt.rtol > 0) || !std::isfinite(opt.rtol)) throw ConfigError("dynamics.rtol", "must be finite and > 0");
    if (!(opt.atol > 0) || !std::isfinite(opt.atol)) throw ConfigError("dynamics.atol", "must be finite and > 0");
    if (opt.krylov_dim < 1) throw ConfigError("dynamics.krylov_dim", "must be >= 1");
    if (opt.max_order < 1 || opt.max_order > 5) throw ConfigError("dynamics.max_order", "must be in 1..5");
    if (stop.unbounded())
        throw ConfigError("dynamics.max_time", "gradient flow needs a time, step or loss budget");

    const Index n = theta.size();
    Callbacks c(obj, opt, n);
    Cvode cv;
    require(SUNContext_Create(nullptr, &cv.ctx), "SUNContext_Create");
    cv.y = N_VNew_Serial(sunindextype(n), cv.ctx);
    if (!cv.y) throw std::runtime_error("CVODE setup: N_VNew_Serial failed");
    set_eigen_ops(cv.y);
    view(cv.y) = theta;
    cv.mem = CVodeCreate(CV_BDF, cv.ctx);
    if (!cv.mem) throw std::runtime_error("CVODE setup: CVodeCreate failed");
    require(CVodeSetErrHandlerFn(cv.mem, error_handler, &c), "CVodeSetErrHandlerFn");
    require(CVodeInit(cv.mem, rhs, 0.0, cv.y), "CVodeInit");
    require(CVodeSetUserData(cv.mem, &c), "CVodeSetUserData");
    require(CVodeSStolerances(cv.mem, opt.rtol, opt.atol), "CVodeSStolerances");
    require(CVodeSetMaxOrd(cv.mem, opt.max_order), "CVodeSetMaxOrd");
    cv.ls = SUNLinSol_SPGMR(cv.y, SUN_PREC_NONE, opt.krylov_dim, cv.ctx);
    if (!cv.ls) throw std::runtime_error("CVODE setup: SUNLinSol_SPGMR failed");
    require(CVodeSetLinearSolver(cv.mem, cv.ls, nullptr), "CVodeSetLinearSolver");
    require(CVodeSetJacTimes(cv.mem, nullptr, jtimes), "CVodeSetJacTimes");
    if (std::isfinite(stop.max_time)) require(CVodeSetStopTime(cv.mem, stop.max_time), "CVodeSetStopTime");
    // A floor under the step size, 1e-13 max(1, |t|) at the current time t (set before each step below): where the
    // solution cannot be continued (a right-hand side that fails near a boundary) CVODE would otherwise shrink its
    // steps towards zero for ever (t + h = t is only a warning); at the floor it fails with CV_REPTD_RHSFUNC_ERR /
    // CV_CONV_FAILURE / CV_ERR_FAILURE instead. Relative to t, not to the budget: a floor scaled by a large
    // dynamics.max_time (1e9 -> 1e-4) made the stiff first steps at t = 0 fail with "|h| = hmin".
    const auto set_min_step = [&](double at) {
        require(CVodeSetMinStep(cv.mem, 1e-13 * std::max(1.0, std::abs(at))), "CVodeSetMinStep");
    };

    const auto state = view(cv.y);
    const auto loss_at_state = [&] {
        c.x = state;
        ++c.stats.loss_evaluations;
        return obj.value(c.x);  // the forward pass only; also the objective's predictor for the observers
    };
    const auto finish = [&](Outcome& out) {
        long v = 0;
        int q = 0;
        CVodeGetNumRhsEvals(cv.mem, &v);  // CVODE's own count (includes the initial-step estimate)
        CVodeGetNumNonlinSolvIters(cv.mem, &c.stats.newton_iterations);
        CVodeGetNumNonlinSolvConvFails(cv.mem, &c.stats.newton_failures);
        CVodeGetNumErrTestFails(cv.mem, &c.stats.error_test_failures);
        CVodeGetNumLinIters(cv.mem, &c.stats.linear_iterations);
        CVodeGetLastOrder(cv.mem, &q);
        c.stats.last_order = q;
        c.stats.steps = out.steps;
        theta = state;
        if (stats_out) *stats_out = c.stats;
        return out;
    };

    Outcome out;
    Vec reported(n);
    // Ends the run as Diverged at CVODE's current state (step k, time t), reported once as final.
    const auto diverged = [&](long k, double t, double loss, std::string reason) {
        out.steps = k;
        out.time = t;
        out.loss = loss;
        out.evaluations = obj.evaluations();
        out.status = RunStatus::Diverged;
        out.reason = std::move(reason);
        reported = state;
        cb(StepView{k, t, loss, reported, obj.predictor(), obj.evaluations(), true});
        return finish(out);
    };
    double t = 0;
    const double loss0 = loss_at_state();
    double loss = loss0;
    // In CV_ONE_STEP mode tout only sets the direction and the scale of CVODE's first-step estimate (h0 <= 0.1 |tout|);
    // without a time budget the unit of flow time (a huge tout made h0 absurd and the first step fail).
    const double tout = std::isfinite(stop.max_time) ? stop.max_time : 1.0;
    for (long k = 0;; ++k) {
        out.steps = k;
        out.time = t;
        out.loss = loss;
        out.evaluations = obj.evaluations();
        auto stop_now = stop.check(k, t, loss, loss0, state.allFinite(), [&] {
            double h = 0;
            CVodeGetLastStep(cv.mem, &h);
            std::ostringstream s;
            s << "at implicit flow step " << k << " (t = " << t << ", dt = " << h << ")";
            return s.str();
        });
        reported = state;  // StepView holds a Vec; CVODE's vector is copied (no allocation)
        const StepView view_k{k, t, loss, reported, obj.predictor(), obj.evaluations(), bool(stop_now)};
        if (stop_now) {
            out.status = stop_now->status;
            out.reason = stop_now->reason;
            cb(view_k);
            return finish(out);
        }
        if (deliver_step(cb, view_k, out)) return finish(out);

        set_min_step(t);
        const int flag = CVode(cv.mem, tout, cv.y, &t, CV_ONE_STEP);
        if (c.error) std::rethrow_exception(c.error);
        if (flag < 0) {
            // CVODE leaves y and t at its last accepted state, the one just reported as step k: it is delivered again
            // as the final state of step k (as deliver_step does), not counted as a step k + 1 it never took.
            std::ostringstream why;
            double h = 0;
            CVodeGetCurrentStep(cv.mem, &h);
            why << "diverged after implicit flow step " << k << " (t = " << t << ", dt = " << h
                << "): CVODE failed with " << flag_name(flag);
            if (!c.cvode_message.empty()) why << " (" << c.cvode_message << ")";
            return diverged(k, t, loss_at_state(), why.str());  // (refreshes the objective's predictor)
        }
        loss = loss_at_state();
        // Without a time budget t can grow past the floor's scale: the explicit flow's relative collapse rule.
        double h = 0;
        CVodeGetLastStep(cv.mem, &h);
        if (std::abs(h) < 1e-13 * std::max(1.0, std::abs(t))) {
            std::ostringstream why;
            why << "diverged at implicit flow step " << k + 1 << " (t = " << t << "): step size collapsed to " << h;
            return diverged(k + 1, t, loss, why.str());
        }
    }
}

}  // namespace depthbias

namespace depthbias {
namespace {

constexpr const char* kKrylovDim = "dynamics.krylov_dim";
constexpr const char* kMaxOrder = "dynamics.max_order";
constexpr const char* kJv = "dynamics.jv_difference";

ImplicitFlowOptions options_of(const DynamicsParams& p, const ExtraParams& e) {
    ImplicitFlowOptions o;
    o.rtol = p.rtol;
    o.atol = p.atol;
    const std::int64_t krylov = e.get<std::int64_t>(kKrylovDim);
    if (krylov < 1 || krylov > 1000) throw ConfigError(kKrylovDim, "must be in 1..1000, got " + std::to_string(krylov));
    const std::int64_t order = e.get<std::int64_t>(kMaxOrder);
    if (order < 1 || order > 5) throw ConfigError(kMaxOrder, "must be in 1..5 (BDF), got " + std::to_string(order));
    const std::string jv = e.get<std::string>(kJv);
    if (jv == "forward") o.jv = JvDifference::Forward;
    else if (jv == "central") o.jv = JvDifference::Central;
    else throw ConfigError(kJv, "must be forward | central, got '" + jv + "'");
    o.krylov_dim = int(krylov);
    o.max_order = int(order);
    return o;
}

class ImplicitFlow final : public Dynamics {
public:
    explicit ImplicitFlow(const ImplicitFlowOptions& o) : opt_(o) {}
    Outcome run(Objective& obj, Vec& theta, const StopRules& stop, const StepCallback& cb) override {
        return run_implicit_flow(obj, theta, opt_, stop, cb);
    }

private:
    ImplicitFlowOptions opt_;
};

const Registrar<DynamicsEntry> registration{[] {
    register_extra_keys(
        "dynamics.kind", "implicit_flow",
        {{kKrylovDim, "GMRES maximum Krylov dimension of the implicit flow's Newton systems (CVODE default 5)",
          std::int64_t{5}},
         {kMaxOrder, "highest BDF order of the implicit flow, 1..5", std::int64_t{5}},
         {kJv, "Jacobian-vector products of the implicit flow by gradient differences: forward (1 gradient) | "
               "central (2 gradients)",
          std::string("forward")}});
    return DynamicsEntry{
        .name = "implicit_flow",
        .doc = "gradient flow, implicit BDF (SUNDIALS CVODE, orders 1..dynamics.max_order) with Newton and "
               "matrix-free GMRES (Hessian-vector products by gradient differences), at dynamics.rtol / dynamics.atol",
        .uses = {},
        .validate =
            [](const DynamicsParams& p, const TaskParams&, const ModelParams&, const ExtraParams& e) {
                if (p.max_time == 0 && p.loss_threshold == 0)
                    throw ConfigError("dynamics.max_time", "gradient flow needs a time budget or a loss threshold");
                options_of(p, e);
            },
        .build = [](const DynamicsParams& p,
                    const ExtraParams& e) { return std::make_unique<ImplicitFlow>(options_of(p, e)); },
    };
}()};

}  // namespace
}  // namespace depthbias
