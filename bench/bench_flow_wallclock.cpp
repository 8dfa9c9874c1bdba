// P3 in seconds (issue 10, "Beyond"): GD, the explicit adaptive flow (Boost.Odeint Dormand-Prince 5(4), kind `flow`)
// and the implicit flow (SUNDIALS CVODE BDF + matrix-free GMRES, kind `implicit_flow`) on Figure 1a depth 4, each to
// the time T of the GD endpoint. A plain program (no Google Benchmark timing); it reports wall and process-CPU
// seconds, gradient evaluations (for CVODE split into right-hand sides and J v gradients) and loss-only evaluations
// (CVODE: the forward pass at each reported state, ~0.6 of a gradient here),
// and the distance ||W - W_ref||_F / ||W_ref||_F of the end-to-end product from a tight Dormand-Prince reference.
//
// Setting: as bench_flow_vs_gd (d = 50, m = 1000, Gaussian init 1e-4, seed 0, float64, fused kernel).
//  1. GD at lr = 1e-3 to loss < 0.01: K steps, T = K lr (not timed: it fixes T).
//  2. Reference: Dormand-Prince to T at rtol 1e-10, atol 1e-13 (bench_flow_vs_gd: 1e-8 lands 7e-11 from 1e-12).
//  3. --rounds R interleaved rounds (the contenders' order rotates each round): GD lr 1e-3 for K steps, DP at
//     rtol 1e-4 (the loosest rtol within 1e-6 of the reference in bench_flow_vs_gd) and CVODE at each --cvode-rtols;
//     /proc/loadavg before and after each round; medians over the rounds, ratios GD / contender.
// Usage: bench_flow_wallclock [--rounds R] [--cvode-rtols 1e-4,1e-6] [--krylov K] [--central] [--out FILE]
//                             [--only GD|DP|BDF]  (one contender, no reference: for perf)
// GCC 12 gives a false -Wrestrict on std::string assignment at -O3 (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "depthbias/core/rng.hpp"
#include "depthbias/dynamics/gradient_descent.hpp"
#include "depthbias/dynamics/gradient_flow.hpp"
#include "depthbias/dynamics/implicit_flow.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/run/factory.hpp"
#include "fig1a_flow_problem.hpp"

using namespace depthbias;

namespace {

using bench::say;
using Problem = bench::Fig1aDepth4;

std::string loadavg() {
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a + " " + b + " " + c;
}

struct Result {
    double wall = 0, cpu = 0;
    long evaluations = 0, loss_only = 0, steps = 0;
    double loss = 0;
    Mat w;
    std::string status;
    ImplicitFlowStats cv;
};

Result timed(Problem& pb, const std::function<Outcome(Objective&, Vec&, Result&)>& f) {
    Objective obj(*pb.model, *pb.task);
    Vec theta = pb.theta0;
    Result r;
    const std::clock_t c0 = std::clock();
    const auto t0 = std::chrono::steady_clock::now();
    const Outcome o = f(obj, theta, r);
    r.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    r.evaluations = o.evaluations;
    r.loss_only = obj.loss_evaluations();
    r.steps = o.steps;
    r.loss = o.loss;
    r.status = o.status == RunStatus::Diverged ? "DIVERGED: " + o.reason : "ok";
    r.w = pb.product(theta);
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = 3, krylov = 5;
    bool central = false;
    std::vector<double> cvode_rtols{1e-4, 1e-6};
    std::string out_file, only;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--krylov") && i + 1 < argc) krylov = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--central")) central = true;
        else if (!std::strcmp(argv[i], "--cvode-rtols") && i + 1 < argc) {
            cvode_rtols.clear();
            std::stringstream s(argv[++i]);
            for (std::string x; std::getline(s, x, ',');) cvode_rtols.push_back(std::stod(x));
        } else if (!std::strcmp(argv[i], "--out") && i + 1 < argc) out_file = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s [--rounds R] [--cvode-rtols a,b] [--krylov K] [--central] [--out FILE]\n",
                         argv[0]);
            return 2;
        }
    }
    const double lr = 1e-3;
    Problem pb;
    say("P3 in seconds: GD vs explicit (Dormand-Prince) vs implicit (CVODE BDF + GMRES) flow, fig1a depth 4\n"
        "(d = 50, m = 1000, init 1e-4, seed 0, float64); load average at start: %s\n",
        loadavg().c_str());

    // 1. T from GD.
    long K = 0;
    {
        Objective obj(*pb.model, *pb.task);
        Vec theta = pb.theta0;
        StopRules stop;
        stop.loss_threshold = pb.cfg.dynamics.loss_threshold;
        stop.max_steps = 100000;
        K = run_gradient_descent(obj, theta, lr, stop, nullptr).steps;
    }
    const double T = double(K) * lr;
    say("GD lr = %.0e reaches loss < %.2g at K = %ld steps: T = %.6g\n", lr, pb.cfg.dynamics.loss_threshold, K, T);

    // 2. Reference.
    StopRules to_T;
    to_T.max_time = T;
    // (--only PREFIX: profile one contender, e.g. under perf: no reference, errors against the GD endpoint)
    const Result ref = timed(pb, [&](Objective& o, Vec& th, Result&) {
        if (!only.empty()) {
            StopRules s;
            s.max_steps = K;
            return run_gradient_descent(o, th, lr, s, nullptr);
        }
        return run_gradient_flow(o, th, {1e-10, 1e-13, 1e-3}, to_T, nullptr);
    });
    say("reference: Dormand-Prince to T at rtol 1e-10 / atol 1e-13: %ld evaluations, %.1f s\n\n", ref.evaluations,
        ref.wall);

    // 3. Contenders.
    struct Contender {
        std::string name;
        std::function<Outcome(Objective&, Vec&, Result&)> run;
    };
    std::vector<Contender> cs;
    cs.push_back({"GD lr 1e-3", [&](Objective& o, Vec& th, Result&) {
                      StopRules s;
                      s.max_steps = K;
                      return run_gradient_descent(o, th, lr, s, nullptr);
                  }});
    cs.push_back({"DP rtol 1e-4", [&](Objective& o, Vec& th, Result&) {
                      return run_gradient_flow(o, th, {1e-4, 1e-12, 1e-3}, to_T, nullptr);
                  }});
    for (double r : cvode_rtols) {
        char name[64];
        std::snprintf(name, sizeof name, "BDF rtol %.0e", r);
        const ImplicitFlowOptions opt{r, 1e-12, krylov, 5, central ? JvDifference::Central : JvDifference::Forward};
        cs.push_back({name, [&, opt](Objective& o, Vec& th, Result& res) {
                          return run_implicit_flow(o, th, opt, to_T, nullptr, &res.cv);
                      }});
    }
    if (!only.empty())
        cs.erase(std::remove_if(cs.begin(), cs.end(), [&](const Contender& c) { return c.name.rfind(only, 0) != 0; }),
                 cs.end());
    if (cs.empty()) {
        std::fprintf(stderr, "--only %s matches no contender\n", only.c_str());
        return 2;
    }
    std::map<std::string, std::vector<Result>> results;
    for (int round = 0; round < rounds; ++round) {
        const std::string load0 = loadavg();
        std::string order;
        for (size_t j = 0; j < cs.size(); ++j) {
            const Contender& c = cs[(j + size_t(round)) % cs.size()];
            results[c.name].push_back(timed(pb, c.run));
            order += (j ? ", " : "") + c.name;
        }
        say("round %d (%s): load %s -> %s\n", round + 1, order.c_str(), load0.c_str(), loadavg().c_str());
        for (const Contender& c : cs) {
            const Result& r = results[c.name].back();
            say("  %-14s wall %7.3f s  cpu %7.3f s  gradients %7ld  loss-only %6ld  steps %6ld  error %.2e  %s\n",
                c.name.c_str(), r.wall, r.cpu, r.evaluations, r.loss_only, r.steps, (r.w - ref.w).norm() / ref.w.norm(),
                r.status.c_str());
        }
    }

    say("\nmedians over %d interleaved rounds (error: ||W - W_ref||_F / ||W_ref||_F at T; CVODE Jv by %s "
        "differences, Krylov dimension %d):\n",
        rounds, central ? "central" : "forward", krylov);
    say("  %-14s %9s %9s %10s %10s %8s %10s %11s %11s\n", "contender", "wall s", "cpu s", "gradients", "loss-only",
        "steps", "error", "GD/x wall", "GD/x cpu");
    std::vector<double> gw, gc;
    for (const Result& r : results[cs[0].name]) gw.push_back(r.wall), gc.push_back(r.cpu);
    const double gd_wall = median(gw), gd_cpu = median(gc);
    for (const Contender& c : cs) {
        std::vector<double> w, u;
        for (const Result& r : results[c.name]) w.push_back(r.wall), u.push_back(r.cpu);
        const Result& r = results[c.name].back();
        say("  %-14s %9.3f %9.3f %10ld %10ld %8ld %10.2e %10.2fx %10.2fx\n", c.name.c_str(), median(w), median(u),
            r.evaluations, r.loss_only, r.steps, (r.w - ref.w).norm() / ref.w.norm(), gd_wall / median(w), gd_cpu / median(u));
    }
    say("\nCVODE counters (last round): accepted steps, right-hand sides, J v products (gradients), reported-state\n"
        "loss-only evaluations, Newton iterations, GMRES iterations, Newton failures, error-test failures, last order\n");
    for (const Contender& c : cs) {
        const ImplicitFlowStats& s = results[c.name].back().cv;
        if (s.steps == 0) continue;
        say("  %-14s steps %6ld  rhs %7ld  Jv %7ld (%ld)  loss %6ld  newton %6ld  gmres %7ld  ncf %4ld  etf %4ld  "
            "q %d  gmres/newton %.2f\n",
            c.name.c_str(), s.steps, s.rhs_evaluations, s.jv_products, s.jv_gradients, s.loss_evaluations,
            s.newton_iterations, s.linear_iterations, s.newton_failures, s.error_test_failures, s.last_order,
            double(s.linear_iterations) / double(std::max(1L, s.newton_iterations)));
    }
    say("load average at end: %s\n", loadavg().c_str());
    if (!out_file.empty()) std::ofstream(out_file) << bench::report.str();
    return 0;
}
