// No allocation in any per-step path: every registered task x model it fits x fixed-step dynamics, with every
// registered observer enabled (learning events every step, activation order on), runs a few hundred steps and
// the heap allocations made between consecutive reported steps are counted (the C allocator replaced in
// this file: malloc and friends, which every operator new and Eigen allocation goes through; counting only while a
// step is measured, on this thread). The recorder's rows are what it records
// (they allocate when a row is taken): its schedule here records only at t = 0 and at the end.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "depthbias/core/rng.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/models/model_registry.hpp"
#include "depthbias/observe/observer.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/run/factory.hpp"
#include "depthbias/tasks/task_registry.hpp"

namespace {
thread_local bool g_counting = false;
thread_local long g_allocations = 0;
}  // namespace

// Every heap allocation goes through malloc (operator new, std containers, and Eigen's aligned_malloc, which
// calls std::malloc), so the C allocator is replaced here, forwarding to glibc's own entry points. Not under
// AddressSanitizer, which replaces the allocator itself (the test then says so and is skipped).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCountingAvailable = false;
#else
constexpr bool kCountingAvailable = true;
extern "C" {
void* __libc_malloc(std::size_t);
void __libc_free(void*);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);

void* malloc(std::size_t n) {
    if (g_counting) ++g_allocations;
    return __libc_malloc(n);
}
void free(void* p) { __libc_free(p); }
void* calloc(std::size_t a, std::size_t b) {
    if (g_counting) ++g_allocations;
    return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) {
    if (g_counting) ++g_allocations;
    return __libc_realloc(p, n);
}
void* memalign(std::size_t a, std::size_t n) {
    if (g_counting) ++g_allocations;
    return __libc_memalign(a, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) { return memalign(a, n); }
int posix_memalign(void** out, std::size_t a, std::size_t n) {
    *out = memalign(a, n);
    return *out ? 0 : 12;  // ENOMEM
}
}
#endif

using namespace depthbias;

namespace {

RunConfig combination(const std::string& task, const std::string& model, const std::string& dynamics) {
    RunConfig c;
    c.task.kind = task;
    c.task.d = 8;
    c.task.measurements = 40;
    c.task.target = {2, 1};
    c.task.test_samples = 8;
    c.model.kind = model;
    c.model.depth = 3;
    c.model.init_scale = 1e-1;
    c.dynamics.kind = dynamics;
    c.dynamics.lr = 1e-3;
    c.dynamics.max_steps = 300;
    c.dynamics.loss_threshold = 0;
    c.observe.schedule = "linear";
    c.observe.interval = 1e9;  // the recorder records t = 0 and the end only
    c.observe.event_every = 1;
    c.observe.activation_threshold = 0.5;
    return c;
}

}  // namespace

TEST(StepAllocations, NoRegisteredCombinationAllocatesPerStep) {
    if (!kCountingAvailable) GTEST_SKIP() << "allocation counting replaces malloc: not under AddressSanitizer";
    int combinations = 0;
    std::ostringstream failures;
    for (const auto& t : TaskRegistry::instance().entries())
        for (const auto& m : ModelRegistry::instance().entries())
            for (const std::string dyn : {"gd", "momentum", "group_rmsprop", "flow", "mirror"}) {
                RunConfig c = combination(t.name, m.name, dyn);
                try {
                    validate(c);
                } catch (const ConfigError&) {
                    continue;  // the model does not fit the task
                }
                auto task = make_task(c);
                auto model = make_model(c, *task);
                auto dynamics = make_dynamics(c);
                Rng rng(1);
                Vec theta = model->initialize(rng, *task);
                const Vec theta0 = theta;
                Objective obj(*model, *task);
                const std::vector<NamedReference> refs;
                const ObserverContext ctx{c.observe, c.analysis, obj, theta0, dynamics->first_record_time(), refs, "alloc"};
                std::vector<std::unique_ptr<Observer>> observers;
                for (const auto& e : ObserverRegistry::instance().entries())
                    if (auto o = e.build(ctx)) observers.push_back(std::move(o));
                long worst = 0, worst_step = -1;
                dynamics->run(obj, theta, stop_rules_of(c.dynamics), [&](const StepView& v) {
                    for (auto& o : observers) o->observe(v);
                    // Allocations since the previous report: step k's update and evaluation and its observers.
                    g_counting = false;
                    if (v.step >= 3 && !v.final && g_allocations > worst) {
                        worst = g_allocations;
                        worst_step = v.step;
                    }
                    g_allocations = 0;
                    g_counting = !v.final;
                });
                g_counting = false;
                ++combinations;
                if (worst > 0)
                    failures << t.name << " x " << m.name << " x " << dyn << ": " << worst << " allocations at step "
                             << worst_step << "\n";
            }
    std::cout << combinations << " combinations (task x model x dynamics), every registered observer on\n";
    EXPECT_GE(combinations, 20);
    EXPECT_EQ(failures.str(), "") << "combinations that allocate per step (of " << combinations << "):\n" << failures.str();
}

// The counter sees Eigen's heap (a test of the test: a dynamic matrix temporary is counted).
TEST(StepAllocations, TheCounterSeesEigenAndStdAllocations) {
    if (!kCountingAvailable) GTEST_SKIP() << "allocation counting replaces malloc: not under AddressSanitizer";
    Mat a = Mat::Random(40, 40);
    g_allocations = 0;
    g_counting = true;
    const Mat b = a * a;  // a new 40 x 40 matrix
    std::vector<double> v(100);
    g_counting = false;
    EXPECT_GE(g_allocations, 2) << "the replaced malloc did not see Eigen's and std::vector's allocations";
    EXPECT_GT(b.norm() + double(v.size()), 0);
}
