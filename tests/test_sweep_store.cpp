// The SQLite sweep store: claims go to exactly one owner (also across processes), only the owner completes,
// interrupted points are recovered from their run directory or put back, a different sweep is refused, and a
// point's summary maps to the stored status and metrics.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

#include "depthbias/core/error.hpp"
#include "depthbias/sweep/point_runner.hpp"
#include "depthbias/sweep/sweep_store.hpp"

using namespace depthbias;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path fresh_dir(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("depthbias-sweepstore-" + name + "-" + std::to_string(getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

SweepSpec toy_spec(int seeds) {
    return parse_sweep(R"(
[task]
kind = "toy"
target = [2.0, 1.0]
[model]
kind = "diagonal_product"
[dynamics]
lr = 0.01
loss_threshold = 1e-6
max_steps = 5000
[sweep]
grid = { "model.depth" = [2, 3] }
seeds = )" + std::to_string(seeds) + "\n",
                       "store-test");
}

PointResult done_result(double loss) {
    PointResult r;
    r.status = "done";
    r.run_status = "converged";
    r.final_loss = loss;
    r.steps = 7;
    r.verdict = "incremental";
    return r;
}

// A complete summary.json of a converged run (results/run_summary.hpp), to be edited by the tests.
json converged_summary() {
    RunSummary s;
    s.name = "p";
    s.status = RunStatus::Converged;
    s.stop_reason = "loss below threshold";
    s.steps = 42;
    s.time = 0.42;
    s.wall_seconds = 0.01;
    s.model = "diagonal_product";
    s.task = "toy";
    s.depth = 2;
    s.final = FinalMetrics{{{"loss", 1e-7}, {"reconstruction_error", 2e-7}, {"test_error", 3e-7}}, {3.0, 2.0}, {}, {}};
    IncrementalSummary inc;
    inc.components = {{3.0, 1.0, 1.5, 2.0}};
    inc.learning_order = {1, 2};
    inc.largest_first = true;
    inc.verdict = "incremental";
    s.incremental = inc;
    return s.to_json();
}

}  // namespace

TEST(SweepStore, ClaimAndCompleteBelongToOneOwner) {
    const auto dir = fresh_dir("claim");
    const auto spec = toy_spec(2);
    const auto pts = expand_sweep(spec);
    SweepStore s(store_path(dir.string()));
    s.initialize(spec, pts, "--out");
    EXPECT_EQ(s.counts()["pending"], 4);

    const auto a = s.claim("A");
    const auto b = s.claim("B");
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->id, 0);  // lowest id first
    EXPECT_EQ(b->id, 1);
    EXPECT_EQ(a->hash, pts[0].hash);
    EXPECT_EQ(a->config, pts[0].toml);
    EXPECT_EQ(s.counts()["running"], 2);

    EXPECT_FALSE(s.complete(a->id, "B", done_result(1), 0.1));  // not B's point
    EXPECT_TRUE(s.complete(a->id, "A", done_result(0.5), 0.1));
    EXPECT_FALSE(s.complete(a->id, "A", done_result(0.5), 0.1));  // completed once only
    const auto rows = s.rows();
    EXPECT_EQ(rows[0].status, "done");
    EXPECT_EQ(rows[0].owner, "A");
    EXPECT_EQ(rows[0].attempts, 1);
    ASSERT_TRUE(rows[0].result.final_loss);
    EXPECT_EQ(*rows[0].result.final_loss, 0.5);
    EXPECT_EQ(rows[0].result.verdict, "incremental");
    EXPECT_EQ(rows[0].params["model.depth"], 2);
    EXPECT_EQ(s.completions_per_point()[0], 1);

    // A failed point keeps its message; failed and diverged are final states.
    PointResult f;
    f.status = "failed";
    f.error = "invalid 'task.d': boom";
    EXPECT_TRUE(s.complete(b->id, "B", f, std::nullopt));
    EXPECT_EQ(s.rows()[1].result.error, "invalid 'task.d': boom");
    PointResult bad;
    bad.status = "running";
    const auto c = s.claim("C");
    ASSERT_TRUE(c);
    EXPECT_THROW(s.complete(c->id, "C", bad, std::nullopt), IoError);
    // retry_failed puts failed points back.
    EXPECT_EQ(s.retry_failed(), 1);
    EXPECT_EQ(s.counts()["failed"], 0);
    fs::remove_all(dir);
}

TEST(SweepStore, ConcurrentProcessesNeverShareAPoint) {
    const auto dir = fresh_dir("concurrent");
    const auto spec = toy_spec(10);  // 20 points
    const auto pts = expand_sweep(spec);
    {
        SweepStore s(store_path(dir.string()));
        s.initialize(spec, pts, "--out");
    }
    std::vector<pid_t> kids;
    for (int w = 0; w < 4; ++w) {
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            int code = 0;
            try {
                SweepStore s(store_path(dir.string()));
                const std::string me = "worker" + std::to_string(w);
                while (auto c = s.claim(me))
                    if (!s.complete(c->id, me, done_result(double(c->id)), 0.0)) code = 3;
            } catch (...) {
                code = 2;
            }
            _exit(code);
        }
        kids.push_back(pid);
    }
    for (pid_t k : kids) {
        int st = 0;
        waitpid(k, &st, 0);
        EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "worker status " << st;
    }
    SweepStore s(store_path(dir.string()));
    EXPECT_EQ(s.counts()["done"], 20);
    const auto per = s.completions_per_point();
    ASSERT_EQ(per.size(), 20u);
    for (const auto& [id, n] : per) EXPECT_EQ(n, 1) << "point " << id;
    for (const auto& r : s.rows()) {
        EXPECT_EQ(r.attempts, 1) << r.id;
        EXPECT_EQ(*r.result.final_loss, double(r.id));  // each result landed on its own point
    }
    fs::remove_all(dir);
}

TEST(SweepStore, InterruptedPointsAreRecoveredOrPutBack) {
    const auto dir = fresh_dir("recover");
    const auto spec = toy_spec(2);
    const auto pts = expand_sweep(spec);
    SweepStore s(store_path(dir.string()));
    s.initialize(spec, pts, "--out");
    const auto a = s.claim("dead:1");  // its run finished but was never recorded
    const auto b = s.claim("dead:1");  // interrupted mid-run
    ASSERT_TRUE(a && b);
    const fs::path adir = fs::path(points_dir(dir.string())) / a->hash;
    fs::create_directories(adir);
    std::ofstream(adir / "summary.json") << converged_summary().dump();
    const auto rec = s.recover_interrupted(points_dir(dir.string()), 3, {});
    EXPECT_EQ(rec.recovered, 1);
    EXPECT_EQ(rec.reset, 1);
    EXPECT_EQ(rec.abandoned, 0);
    auto rows = s.rows();
    EXPECT_EQ(rows[0].status, "done");
    EXPECT_EQ(*rows[0].result.steps, 42);
    EXPECT_EQ(rows[0].result.verdict, "incremental");
    EXPECT_EQ(rows[1].status, "pending");
    EXPECT_EQ(s.completions_per_point().count(1), 0u);

    // A point whose worker died on it max_attempts times is recorded as failed instead of retried forever.
    ASSERT_EQ(s.claim("dead:2")->id, 1);  // attempt 2
    EXPECT_EQ(s.recover_interrupted(points_dir(dir.string()), 3, {}).reset, 1);
    ASSERT_EQ(s.claim("dead:3")->id, 1);  // attempt 3
    EXPECT_EQ(s.recover_interrupted(points_dir(dir.string()), 3, {}).abandoned, 1);
    rows = s.rows();
    EXPECT_EQ(rows[1].status, "failed");
    EXPECT_NE(rows[1].result.error.find("died"), std::string::npos) << rows[1].result.error;
    fs::remove_all(dir);
}

// A stored summary with a field of the wrong type is reported by that field, and an interrupted point whose
// summary.json is malformed is run again rather than recorded.
TEST(SweepStore, MalformedStoredSummaryNamesTheField) {
    json bad = converged_summary();
    bad["final"]["loss"] = "small";
    try {
        RunSummary::from_json(bad, "points/abc/summary.json");
        ADD_FAILURE() << "expected an IoError";
    } catch (const IoError& e) {
        EXPECT_STREQ(e.what(), "points/abc/summary.json: field 'final.loss' must be a number");
    }
    bad = converged_summary();
    bad["incremental"]["components"][0]["t_eps"] = true;
    try {
        RunSummary::from_json(bad, "s");
        ADD_FAILURE() << "expected an IoError";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("'incremental.components[].t_eps' must be a number"), std::string::npos)
            << e.what();
    }

    const auto dir = fresh_dir("recover-malformed");
    const auto spec = toy_spec(1);
    SweepStore s(store_path(dir.string()));
    s.initialize(spec, expand_sweep(spec), "--out");
    const auto a = s.claim("dead:1");
    ASSERT_TRUE(a);
    const fs::path adir = fs::path(points_dir(dir.string())) / a->hash;
    fs::create_directories(adir);
    json steps_text = converged_summary();
    steps_text["steps"] = "42";
    std::ofstream(adir / "summary.json") << steps_text.dump();
    const auto rec = s.recover_interrupted(points_dir(dir.string()), 3, {});
    EXPECT_EQ(rec.recovered, 0);
    EXPECT_EQ(rec.reset, 1);
    EXPECT_EQ(s.rows()[0].status, "pending");
    fs::remove_all(dir);
}

TEST(SweepStore, ResumingIsByHashAndADifferentSweepIsRefused) {
    const auto dir = fresh_dir("resume");
    const auto spec = toy_spec(2);
    const auto pts = expand_sweep(spec);
    {
        SweepStore s(store_path(dir.string()));
        s.initialize(spec, pts, "--out");
        const auto c = s.claim("A");
        s.complete(c->id, "A", done_result(0.25), 0.0);
    }
    SweepStore s(store_path(dir.string()));
    EXPECT_NO_THROW(s.initialize(spec, pts, "--out"));  // the same sweep again: nothing added, nothing lost
    EXPECT_EQ(s.rows().size(), 4u);
    EXPECT_EQ(s.counts()["done"], 1);
    EXPECT_EQ(s.meta("points"), "4");
    const auto other = toy_spec(3);
    try {
        s.initialize(other, expand_sweep(other), "--out");
        ADD_FAILURE() << "expected a ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.key(), "--out");
    }
    fs::remove_all(dir);
}

TEST(SweepStore, SummaryMapsToStatusAndMetrics) {
    json diverged = converged_summary();
    diverged["status"] = "diverged";
    diverged["stop_reason"] = "loss is not finite at step 12 (lr = 5)";
    diverged.erase("final");
    diverged.erase("incremental");
    const auto d = result_from_summary(RunSummary::from_json(diverged, "d"), {"final.loss"});
    EXPECT_EQ(d.status, "diverged");
    EXPECT_EQ(d.run_status, "diverged");
    EXPECT_FALSE(d.final_loss);  // no numbers that could be mistaken for a result
    EXPECT_TRUE(d.extra["final.loss"].is_null());
    EXPECT_EQ(*d.wall_seconds, 0.01);  // the "timing" block
    json ok = converged_summary();
    ok["status"] = "budget_exhausted";
    ok["final"]["loss"] = 0.5;
    ok["incremental"]["verdict"] = "incomplete";
    const auto o = result_from_summary(RunSummary::from_json(ok, "ok"), {"final.spectrum.1", "final.nope"});
    EXPECT_EQ(o.status, "done");
    EXPECT_EQ(o.run_status, "budget_exhausted");
    EXPECT_EQ(*o.final_loss, 0.5);
    EXPECT_EQ(o.verdict, "incomplete");
    EXPECT_EQ(o.extra["final.spectrum.1"], 2.0);
    EXPECT_TRUE(o.extra["final.nope"].is_null());
    EXPECT_EQ(o.learning_times[0]["t_half"], 1.5);
    EXPECT_EQ(json::parse(o.summary), ok);  // the stored text is summary.json's content
    // The MPI message form round-trips.
    const auto back = point_result_from_json(to_json(o));
    EXPECT_EQ(to_json(back), to_json(o));
}
