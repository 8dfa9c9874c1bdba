// The accuracy effect of float32 storage of the measurements (float64 accumulation), for P1's report.
// A plain program (no timing). At realistic points of the fig1a depth-4 trajectory (d = 50, m = 1000,
// init 1e-4, lr 1e-3, seed 0: GD with float64 storage, snapshots at 0, 25, 50, 75, 100% of the run) and at the
// P1 point (d = 100, initial), it evaluates loss and gradient (dL/dtheta of the four factors) with float32 and
// float64 storage at the same theta and prints the relative differences |L32 - L64| / L64 and
// ||g32 - g64|| / ||g64||.
// Note: a float32 task rounds A to float32 and builds y = A32 vec(W*) from the rounded A, so it is an exact
// sensing problem whose data differ from the float64 one by float32 rounding (relative 2^-24 ~ 6e-8 per entry).
// Usage: bench_storage_accuracy
#include <cstdio>
#include <vector>

#include "depthbias/core/rng.hpp"
#include "depthbias/dynamics/gradient_descent.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/run/factory.hpp"

using namespace depthbias;

namespace {

struct Pair {
    RunConfig c64, c32;
    std::unique_ptr<Task> t64, t32;
    std::unique_ptr<Model> m64, m32;
    Vec theta0;
    explicit Pair(std::int64_t d) {
        c64.task.d = d;
        c64.task.measurements = 1000;
        c64.model.depth = 4;
        c64.model.init_scale = 1e-4;
        c64.run.seed = 0;
        c64.task.test_samples = 0;
        c32 = c64;
        c32.task.storage = "float32";
        t64 = make_task(c64);
        t32 = make_task(c32);
        m64 = make_model(c64, *t64);
        m32 = make_model(c32, *t32);
        Rng rng = Rng::stream(0, kStreamInit);
        theta0 = m64->initialize(rng, *t64);
    }
    void compare(const char* where, const Vec& theta) {
        Objective o64(*m64, *t64), o32(*m32, *t32);
        Vec g64(theta.size()), g32(theta.size());
        const double l64 = o64.value_and_gradient(theta, g64), l32 = o32.value_and_gradient(theta, g32);
        std::printf("  %-34s loss %11.5g   |dL|/L = %9.2e   ||dg||/||g|| = %9.2e\n", where, l64,
                    std::abs(l32 - l64) / l64, (g32 - g64).norm() / g64.norm());
    }
};

}  // namespace

int main() {
    std::printf("float32 vs float64 storage of A (float64 accumulation): relative difference at the same theta\n");
    {
        Pair p(100);
        std::printf(" d = 100, m = 1000, depth 4 (the P1 step):\n");
        p.compare("initial point (init 1e-4)", p.theta0);
    }
    Pair p(50);
    std::printf(" d = 50, m = 1000, depth 4 (fig1a), along the float64 GD trajectory (lr 1e-3):\n");
    std::vector<std::pair<long, Vec>> snaps;
    {
        Objective obj(*p.m64, *p.t64);
        Vec theta = p.theta0;
        StopRules stop;
        stop.loss_threshold = 0.01;
        stop.max_steps = 100000;
        run_gradient_descent(obj, theta, 1e-3, stop, [&](const StepView& v) {
            if (v.step % 250 == 0 || v.final) snaps.emplace_back(v.step, v.theta);
        });
    }
    const long K = snaps.back().first;
    for (double frac : {0.0, 0.25, 0.5, 0.75, 1.0}) {
        const long want = long(frac * double(K));
        const auto* best = &snaps.front();
        for (const auto& s : snaps)
            if (std::labs(s.first - want) < std::labs(best->first - want)) best = &s;
        char where[64];
        std::snprintf(where, sizeof where, "GD step %ld of %ld (t = %.2f)", best->first, K, double(best->first) * 1e-3);
        p.compare(where, best->second);
    }
    return 0;
}
