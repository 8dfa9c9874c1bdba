// Shared by the P3 benchmark programs (bench_flow_vs_gd.cpp, bench_flow_wallclock.cpp): the report sink `say`
// (printf-style to stdout and to a buffer the program may write to --out) and the fig1a depth-4 problem they
// integrate (d = 50, m = 1000, Gaussian init 1e-4, seed 0, float64, no test set), with the end-to-end product of a
// parameter vector. Header-only, bench programs only; not thread safe (one program, one thread).
#pragma once
#include <cstdio>
#include <memory>
#include <sstream>

#include "depthbias/core/rng.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/run/factory.hpp"

namespace depthbias::bench {

inline std::ostringstream report;  // everything `say` printed (written to --out at the end)

template <class... A>
void say(const char* fmt, A... a) {
    char buf[2048];
    std::snprintf(buf, sizeof buf, fmt, a...);
    report << buf;
    std::fputs(buf, stdout);
    std::fflush(stdout);
}

struct Fig1aDepth4 {
    RunConfig cfg;
    std::unique_ptr<Task> task;
    std::unique_ptr<Model> model;
    Vec theta0;
    Fig1aDepth4() {
        cfg.task.d = 50;
        cfg.task.measurements = 1000;
        cfg.model.depth = 4;
        cfg.model.init = "gaussian";
        cfg.model.init_scale = 1e-4;
        cfg.run.seed = 0;
        cfg.task.test_samples = 0;
        task = make_task(cfg);
        model = make_model(cfg, *task);
        Rng rng = Rng::stream(std::uint64_t(cfg.run.seed), kStreamInit);
        theta0 = model->initialize(rng, *task);
    }
    // The end-to-end product W = W4 W3 W2 W1 of theta.
    Mat product(const Vec& theta) const {
        Predictor p{Mat::Zero(task->rows(), task->cols()), 0.0};
        model->predictor(theta, p);
        return p.beta;
    }
};

}  // namespace depthbias::bench
