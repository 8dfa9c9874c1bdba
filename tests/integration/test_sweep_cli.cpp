// `depthbias sweep` / `sweep report` / `report` end to end through the built binary: resume, failure isolation,
// SIGKILL at any moment, the same table with 1 worker, 2 workers and `mpirun -n 2`, and the HTML report rendered
// in headless Chromium with every figure loaded.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sqlite3.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "depthbias/sweep/sweep_report.hpp"
#include "depthbias/sweep/sweep_spec.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"
#include "support/text_csv.hpp"

namespace fs = std::filesystem;

namespace {

using depthbias::test_support::CliResult;
using depthbias::test_support::TempDir;

CliResult run_cmd(const std::string& cmd) { return depthbias::test_support::run_shell(cmd); }

CliResult run(const std::string& args) { return depthbias::test_support::run_cli(args); }

TempDir fresh_dir(const std::string& name) { return TempDir("sweepcli-" + name); }

// 24 short toy points: depth x init scale x 4 seeds.
const char* kSweep = R"(
[run]
name = "cli sweep"
[task]
kind = "toy"
target = [4.0, 2.0, 1.0]
[model]
kind = "diagonal_product"
[dynamics]
lr = 0.01
loss_threshold = 1e-6
max_steps = 20000
[observe]
schedule = "linear"
interval = 0.1
[sweep]
grid = { "model.depth" = [2, 3, 4], "model.init_scale" = [1e-3, 1e-1] }
seeds = 4
metrics = ["gradient_evaluations"]
)";

using depthbias::test_support::read_text_csv;
using Csv = depthbias::test_support::TextCsv;
using depthbias::test_support::read_text;
using depthbias::test_support::write_text;

// sweep.csv without the timing columns (attempts, worker, wall_seconds, overhead_seconds): the result table.
std::string result_table(const fs::path& sweep_dir) {
    const Csv c = read_text_csv(sweep_dir / "report" / "sweep.csv");
    std::vector<bool> keep;
    for (const auto& h : c.header) {
        bool timing = false;
        for (const auto& t : depthbias::sweep_timing_columns()) timing = timing || h == t;
        keep.push_back(!timing);
    }
    std::string out;
    auto add = [&](const std::vector<std::string>& r) {
        for (size_t i = 0; i < r.size(); ++i)
            if (keep.at(i)) out += r[i] + "|";
        out += "\n";
    };
    add(c.header);
    for (const auto& r : c.rows) add(r);
    return out;
}

// SELECT of one integer from the store (the store is read while a sweep may be running).
long long query(const fs::path& sweep_dir, const std::string& sql) {
    sqlite3* db = nullptr;
    long long v = -1;
    if (sqlite3_open_v2((sweep_dir / "sweep.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
            v = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return v;
}

pid_t spawn_sweep(const std::string& cfg, const fs::path& out, int workers) {
    const pid_t pid = fork();
    if (pid == 0) {
        const int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        const std::string w = std::to_string(workers), o = out.string();
        execl(DEPTHBIAS_BINARY, DEPTHBIAS_BINARY, "sweep", cfg.c_str(), "--out", o.c_str(), "--workers", w.c_str(),
              "--quiet", static_cast<char*>(nullptr));
        _exit(127);
    }
    return pid;
}

// The uninterrupted 1-worker result table of kSweep, computed once for the tests that compare with it.
const std::string& reference_table() {
    static std::string table;
    if (table.empty()) {
        const auto dir = fresh_dir("reference");
        const auto cfg = write_text(dir / "sweep.toml", kSweep);
        const auto r = run("sweep " + cfg + " --workers 1 --quiet --out " + (dir / "out").string());
        EXPECT_EQ(r.code, 0) << r.output;
        table = result_table(dir / "out");
        fs::remove_all(dir);
    }
    return table;
}

bool have(const char* path) { return access(path, X_OK) == 0; }

std::map<std::string, long long> body_marks(const std::string& dom) {
    std::map<std::string, long long> m;
    std::smatch b;
    if (!std::regex_search(dom, b, std::regex("<body[^>]*>"))) return m;
    const std::string tag = b.str();
    std::regex attr("data-figures-(total|loaded|failed)=\"([0-9]+)\"");
    for (auto it = std::sregex_iterator(tag.begin(), tag.end(), attr); it != std::sregex_iterator(); ++it)
        m[(*it)[1]] = std::stoll((*it)[2]);
    return m;
}

std::string chromium_dom(const fs::path& html, const fs::path& profile) {
    const std::string cmd = "timeout 90 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic "
                            "--no-first-run --disable-background-networking --disable-component-update --disable-sync "
                            "--user-data-dir=" + profile.string() + " --virtual-time-budget=3000 --dump-dom file://" +
                            html.string() + " 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    while (fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
    return out;
}

size_t count(const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t i = s.find(what); i != std::string::npos; i = s.find(what, i + 1)) ++n;
    return n;
}

}  // namespace

TEST(SweepCli, RunsWritesTheTableAndResumesWithoutRedoingAnything) {
    const auto dir = fresh_dir("resume");
    const auto cfg = write_text(dir / "sweep.toml", kSweep);
    const fs::path out = dir / "out";
    auto r = run("sweep " + cfg + " --workers 2 --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.output;
    for (const char* f : {"sweep.db", "sweep.toml", "report/sweep.csv", "report/phase_incremental.csv",
                          "report/threshold.csv", "report/phase_incremental.png", "report/phase_incremental.svg"})
        EXPECT_TRUE(fs::exists(out / f)) << f;
    const Csv c = read_text_csv(out / "report" / "sweep.csv");
    ASSERT_EQ(c.rows.size(), 24u);
    for (size_t i = 0; i < c.rows.size(); ++i) {
        EXPECT_EQ(c.col(i, "status"), "done") << i;
        EXPECT_EQ(c.col(i, "run_status"), "converged") << i;
        EXPECT_FALSE(c.col(i, "final_loss").empty());
        EXPECT_FALSE(c.col(i, "gradient_evaluations").empty());  // the [sweep] metrics column
        EXPECT_EQ(fs::exists(out / "points" / c.col(i, "hash") / "summary.json"), true) << i;
    }
    EXPECT_EQ(c.col(0, "model.depth"), "2");
    EXPECT_EQ(c.col(0, "model.init_scale"), "0.001");
    EXPECT_EQ(c.col(3, "run.seed"), "3");
    // The toy-flow threshold is overlaid for depths 2..4 (depth 4 at 1e-3 is below it: incremental).
    EXPECT_EQ(read_text_csv(out / "report" / "threshold.csv").rows.size(), 3u);
    EXPECT_NE(read_text(out / "report" / "phase_incremental.csv").find("4,0.001,4,4,1.0"), std::string::npos)
        << read_text(out / "report" / "phase_incremental.csv");
    const std::string table = result_table(out);

    // Rerunning resumes: nothing left to do, nothing run again, the same table.
    r = run("sweep " + cfg + " --workers 2 --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("24 finished before, 0 to run"), std::string::npos) << r.output;
    EXPECT_EQ(query(out, "SELECT COUNT(*) FROM completions"), 24);
    EXPECT_EQ(query(out, "SELECT MAX(attempts) FROM points"), 1);
    EXPECT_EQ(result_table(out), table);

    // The same directory with another sweep is refused, naming --out.
    r = run("sweep " + cfg + " --set dynamics.lr=0.02 --out " + out.string());
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("'--out'"), std::string::npos) << r.output;
    fs::remove_all(dir);
}

TEST(SweepCli, SameTableWithOneAndTwoWorkers) {
    const auto dir = fresh_dir("det");
    const auto cfg = write_text(dir / "sweep.toml", kSweep);
    const auto r = run("sweep " + cfg + " --workers 2 --quiet --out " + (dir / "two").string());
    ASSERT_EQ(r.code, 0) << r.output;
    const std::string two = result_table(dir / "two");
    EXPECT_EQ(two, reference_table());
    // Both workers took points (the pool really ran in parallel processes).
    EXPECT_EQ(query(dir / "two", "SELECT COUNT(DISTINCT owner) FROM points"), 2);
    fs::remove_all(dir);
}

TEST(SweepCli, MpirunTwoRanksGivesTheSameTable) {
    if (!have("/usr/bin/mpirun")) {
        std::fprintf(stderr, "\n*** SKIPPING the MPI sweep test: /usr/bin/mpirun is missing (apt-get install "
                             "openmpi-bin) ***\n\n");
        GTEST_SKIP() << "mpirun not installed";
    }
    const auto dir = fresh_dir("mpi");
    const auto cfg = write_text(dir / "sweep.toml", kSweep);
    const auto r = run_cmd("/usr/bin/mpirun -n 2 --oversubscribe --allow-run-as-root " + std::string(DEPTHBIAS_BINARY) +
                           " sweep " + cfg + " --quiet --out " + (dir / "out").string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("2 MPI ranks"), std::string::npos) << r.output;
    EXPECT_EQ(result_table(dir / "out"), reference_table());
    // Points were distributed: rank 1 ran some, rank 0 (coordinator) recorded them all once.
    EXPECT_GE(query(dir / "out", "SELECT COUNT(*) FROM points WHERE owner LIKE '%/rank 1'"), 1);
    EXPECT_EQ(query(dir / "out", "SELECT COUNT(*) FROM completions"), 24);
    fs::remove_all(dir);
}

TEST(SweepCli, MpirunOneRankUsesTheProcessPoolWithoutMpi) {
    // `mpirun -n 1` used to initialize MPI and then fork the worker pool (unsupported by Open MPI).
    if (!have("/usr/bin/mpirun")) GTEST_SKIP() << "mpirun not installed";
    const auto dir = fresh_dir("mpi1");
    const auto cfg = write_text(dir / "sweep.toml", kSweep);
    const auto r = run_cmd("/usr/bin/mpirun -n 1 --oversubscribe --allow-run-as-root " + std::string(DEPTHBIAS_BINARY) +
                           " sweep " + cfg + " --workers 2 --quiet --out " + (dir / "out").string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(r.output.find("MPI ranks"), std::string::npos) << r.output;  // not the MPI path
    EXPECT_NE(r.output.find("does not initialize MPI"), std::string::npos) << r.output;
    EXPECT_EQ(result_table(dir / "out"), reference_table());
    fs::remove_all(dir);
}

TEST(SweepCli, SigkillAtTwentyRandomMomentsLosesAndDuplicatesNothing) {
    // kill -9 of the command at 20 random moments (seeded), resuming each time; then one last resume. Points take
    // ~0.1 s each (small deep-matrix sensing), so that the kills land mid-point on a fast machine too. The delays
    // are fractions of the uninterrupted 1-worker run's wall time T: uniform in [0, T/10], so that the 20 kills
    // together span about as long as the sweep needs with 2 workers, whatever the machine's speed.
    // DEPTHBIAS_SWEEP_KILLS sets the number of kills.
    const char* env = std::getenv("DEPTHBIAS_SWEEP_KILLS");
    const int kills = env ? std::max(1, std::atoi(env)) : 20;
    const long long n = 48;
    const auto dir = fresh_dir("kill");
    const auto cfg = write_text(dir / "sweep.toml", R"(
[run]
name = "kill sweep"
[task]
kind = "sensing"
d = 10
measurements = 60
target = [3.0, 1.0]
test_samples = 0
[model]
kind = "deep_matrix"
[dynamics]
lr = 0.01
loss_threshold = 1e-8
max_steps = 20000
[observe]
schedule = "log"
points_per_decade = 10
[sweep]
grid = { "model.depth" = [2, 3, 4], "model.init_scale" = [1e-3, 1e-1] }
seeds = 8
metrics = ["gradient_evaluations"]
)");
    const fs::path out = dir / "out";
    const auto t0 = std::chrono::steady_clock::now();
    const auto ref = run("sweep " + cfg + " --workers 1 --quiet --out " + (dir / "ref").string());
    const double t_ref = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(ref.code, 0) << ref.output;
    const std::string reference = result_table(dir / "ref");
    const auto count = [&](const std::string& where) {
        return query(out, "SELECT COUNT(*) FROM points WHERE " + where);
    };
    std::mt19937_64 rng(20261130);
    std::uniform_real_distribution<double> fraction(0.0, 1.0);
    int mid_sweep = 0, mid_point = 0, before_store = 0, after_finish = 0;
    for (int k = 0; k < kills; ++k) {
        const double delay = fraction(rng) * t_ref / 10;
        const pid_t pid = spawn_sweep(cfg, out, 2);
        ASSERT_GT(pid, 0);
        const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(delay);
        bool exited = false;
        while (std::chrono::steady_clock::now() < until)
            if (waitpid(pid, nullptr, WNOHANG) == pid) {
                exited = true;  // finished on its own before the kill
                break;
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
        if (!exited) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
        const long long done = count("status = 'done'"), running = count("status = 'running'");
        if (exited || done == n) ++after_finish;
        else if (done < 0) ++before_store;   // killed before the store existed
        else ++mid_sweep;
        if (!exited && running > 0) ++mid_point;  // a point was claimed and not recorded
    }
    std::printf("%d kills (delays in [0, %.2f s]): %d mid-sweep (%d with a point running), %d before the store "
                "existed, %d after the sweep had finished\n", kills, t_ref / 10, mid_sweep, mid_point, before_store,
                after_finish);
    EXPECT_GE(mid_point, kills / 4) << "too few kills landed mid-point";
    // A point claimed 3 times by killed commands is recorded as failed ('abandoned': its worker keeps dying on
    // it, docs/SWEEPS.md); --retry-failed runs it again, as the message says.
    const auto r = run("sweep " + cfg + " --workers 2 --retry-failed --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(result_table(out), reference);
    // Nothing lost: every point done. Nothing duplicated: exactly one result ('run' or 'recovered' completion)
    // per point; the only other completions are the abandoned claims.
    EXPECT_EQ(count("status = 'done'"), n);
    const std::string results = "FROM completions WHERE source IN ('run', 'recovered')";
    EXPECT_EQ(query(out, "SELECT COUNT(*) " + results), n);
    EXPECT_EQ(query(out, "SELECT MAX(c) FROM (SELECT COUNT(*) AS c " + results + " GROUP BY point_id)"), 1);
    EXPECT_EQ(query(out, "SELECT COUNT(*) FROM completions WHERE source NOT IN ('run', 'recovered', 'abandoned')"), 0);
    std::printf("completions: %lld run, %lld recovered from a finished run directory, %lld abandoned and retried\n",
                query(out, "SELECT COUNT(*) FROM completions WHERE source = 'run'"),
                query(out, "SELECT COUNT(*) FROM completions WHERE source = 'recovered'"),
                query(out, "SELECT COUNT(*) FROM completions WHERE source = 'abandoned'"));
    fs::remove_all(dir);
}

TEST(SweepCli, FailingAndDivergingPointsAreRecordedAndTheSweepGoesOn) {
    const auto dir = fresh_dir("fail");
    const std::string text = R"(
[task]
kind = "toy"
target = [2.0, 1.0]
[model]
kind = "diagonal_product"
init_scale = 1e-2
[dynamics]
loss_threshold = 1e-6
max_steps = 20000
[sweep]
grid = { "model.depth" = [2, 3, 4], "dynamics.lr" = [0.01, 5.0] }
)";
    const auto cfg = write_text(dir / "sweep.toml", text);
    const fs::path out = dir / "out";
    // Block one point's run directory with a plain file: that point cannot run.
    const auto pts = depthbias::expand_sweep(depthbias::parse_sweep(text, "x"));
    ASSERT_EQ(pts.size(), 6u);
    const auto& blocked = pts[2];  // grid keys in key order: dynamics.lr = 0.01 (slowest), model.depth = 4
    write_text(out / "points" / blocked.hash, "not a directory");
    auto r = run("sweep " + cfg + " --workers 2 --out " + out.string());
    EXPECT_EQ(r.code, 1) << r.output;  // some point failed
    Csv c = read_text_csv(out / "report" / "sweep.csv");
    ASSERT_EQ(c.rows.size(), 6u);
    for (size_t i = 0; i < 6; ++i) {
        const bool big_lr = c.col(i, "dynamics.lr") == "5.0";
        if (i == 2) {
            EXPECT_EQ(c.col(i, "status"), "failed");
            EXPECT_NE(c.col(i, "error").find("not a directory"), std::string::npos) << c.col(i, "error");
        } else if (big_lr) {
            EXPECT_EQ(c.col(i, "status"), "diverged") << i;
            EXPECT_EQ(c.col(i, "final_loss"), "") << i;  // a diverged point has no result numbers
            EXPECT_FALSE(c.col(i, "stop_reason").empty());
        } else {
            EXPECT_EQ(c.col(i, "status"), "done") << i;
        }
    }
    EXPECT_NE(r.output.find("2 done, 3 diverged, 1 failed"), std::string::npos) << r.output;
    // Resuming does not rerun failed points unless asked; with the cause removed, --retry-failed completes them.
    r = run("sweep " + cfg + " --out " + out.string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("0 to run"), std::string::npos) << r.output;
    fs::remove(out / "points" / blocked.hash);
    r = run("sweep " + cfg + " --retry-failed --out " + out.string());
    EXPECT_EQ(r.code, 3) << r.output;  // diverged points remain: exit 3 as for `depthbias run`
    c = read_text_csv(out / "report" / "sweep.csv");
    EXPECT_EQ(c.col(2, "status"), "done");
    EXPECT_EQ(c.col(2, "error"), "");
    fs::remove_all(dir);
}

TEST(SweepCli, AWorkerCrashFailsItsPointOnlyAndTheSweepGoesOn) {
    const auto dir = fresh_dir("crash");
    const auto cfg = write_text(dir / "sweep.toml", kSweep);
    const fs::path out = dir / "out";
    const pid_t pid = spawn_sweep(cfg, out, 2);
    ASSERT_GT(pid, 0);
    // Catch a worker in the middle of a point: stop it, check in the store that it holds a running point,
    // then make it crash (SIGSEGV) as a bug inside the point would.
    long long victim_point = -1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (victim_point < 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (query(out, "SELECT COUNT(*) FROM points WHERE status = 'done'") < 2) continue;
        const long long wpid = query(out, "SELECT CAST(substr(owner, instr(owner, ':') + 1) AS INTEGER) FROM points "
                                          "WHERE status = 'running' ORDER BY id LIMIT 1");
        if (wpid <= 0 || kill(pid_t(wpid), SIGSTOP) != 0) continue;
        victim_point = query(out, "SELECT id FROM points WHERE status = 'running' AND owner LIKE '%:" +
                                      std::to_string(wpid) + "'");
        if (victim_point >= 0) kill(pid_t(wpid), SIGSEGV);
        kill(pid_t(wpid), SIGCONT);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    ASSERT_GE(victim_point, 0) << "no worker was caught running a point";
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1) << "status " << st;  // a point failed
    EXPECT_EQ(query(out, "SELECT COUNT(*) FROM points WHERE status = 'failed'"), 1);
    EXPECT_EQ(query(out, "SELECT id FROM points WHERE status = 'failed'"), victim_point);
    EXPECT_EQ(query(out, "SELECT COUNT(*) FROM points WHERE status = 'failed' AND error LIKE '%signal 11%'"), 1);
    EXPECT_EQ(query(out, "SELECT COUNT(*) FROM points WHERE status = 'done'"), 23);  // a fresh worker went on
    EXPECT_EQ(query(out, "SELECT COUNT(*) FROM completions"), 24);
    fs::remove_all(dir);
}

TEST(SweepCli, BadInputIsExitTwoNamingTheKeyAndWritesNothing) {
    const auto dir = fresh_dir("bad");
    struct Case {
        std::string sweep_table, key;
    };
    const std::string base = "[task]\nkind = \"toy\"\ntarget = [2.0, 1.0]\n[model]\nkind = \"diagonal_product\"\n";
    const std::vector<Case> cases = {
        {"[sweep]\ngird = { \"model.depth\" = [2, 3] }\n", "sweep.gird"},
        {"[sweep]\nzip = { \"model.depth\" = [2, 3], \"dynamics.lr\" = [0.1] }\n", "sweep.zip"},
        {"[sweep]\ngrid = { \"model.dept\" = [2, 3] }\n", "model.dept"},
        {"[sweep]\ngrid = { \"model.depth\" = [2, 0] }\n", "model.depth"},
    };
    int i = 0;
    for (const auto& c : cases) {
        const auto cfg = write_text(dir / std::to_string(i) / "sweep.toml", base + c.sweep_table);
        const fs::path out = dir / std::to_string(i) / "out";
        const auto r = run("sweep " + cfg + " --out " + out.string());
        EXPECT_EQ(r.code, 2) << c.key << ": " << r.output;
        EXPECT_NE(r.output.find("'" + c.key + "'"), std::string::npos) << r.output;
        EXPECT_FALSE(fs::exists(out / "sweep.db")) << c.key;
        ++i;
    }
    auto r = run("sweep report " + dir.string());
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("sweep.db"), std::string::npos) << r.output;
    r = run("report " + dir.string());
    EXPECT_EQ(r.code, 2) << r.output;
    r = run("sweep /nonexistent/sweep.toml --out " + (dir / "x").string());
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("depth_init_sweep"), std::string::npos) << r.output;  // lists the shipped sweeps
    r = run("--help");
    for (const char* c : {"sweep", "report"}) EXPECT_NE(r.output.find(c), std::string::npos) << c;
    fs::remove_all(dir);
}

TEST(SweepReport, HtmlReportRendersInHeadlessChromiumWithEveryFigure) {
    if (!have("/usr/bin/chromium")) {
        std::fprintf(stderr, "\n*** SKIPPING the HTML report rendering test: /usr/bin/chromium is missing "
                             "(apt-get install chromium; the README's test command installs it) ***\n\n");
        GTEST_SKIP() << "chromium not installed";
    }
    const auto dir = fresh_dir("html");
    // A sweep directory (kSweep with one seed: 6 points) ...
    std::string small = kSweep;
    small.replace(small.find("seeds = 4"), 9, "seeds = 1");
    const auto cfg = write_text(dir / "sweep.toml", small);
    auto r = run("sweep " + cfg + " --quiet --out " + (dir / "sweep").string());
    ASSERT_EQ(r.code, 0) << r.output;
    r = run("report " + (dir / "sweep").string());
    ASSERT_EQ(r.code, 0) << r.output;
    const std::string html = read_text(dir / "sweep" / "report.html");
    EXPECT_NE(html.find("<details>"), std::string::npos);             // each point's config
    EXPECT_NE(html.find("[dynamics]"), std::string::npos);            // ... resolved (every section)
    EXPECT_EQ(html.find("http://"), std::string::npos);               // nothing fetched from the network
    EXPECT_EQ(html.find("https://"), std::string::npos);
    auto m = body_marks(chromium_dom(dir / "sweep" / "report.html", dir / "profile1"));
    ASSERT_EQ(m.size(), 3u) << "the page's load marker was not set (did Chromium run?)";
    EXPECT_EQ(m["total"], (long long)count(html, "<img "));
    EXPECT_GE(m["total"], 1);
    EXPECT_EQ(m["loaded"], m["total"]);
    EXPECT_EQ(m["failed"], 0);

    // ... and an experiment directory (figure.png plus the run's spectrum.png).
    const auto run_cfg = write_text(dir / "run.toml", R"(
[task]
kind = "toy"
target = [2.0, 1.0]
[model]
kind = "diagonal_product"
depth = 3
init_scale = 1e-3
[dynamics]
lr = 0.01
loss_threshold = 1e-6
)");
    r = run("run " + run_cfg + " --out " + (dir / "exp").string());
    ASSERT_EQ(r.code, 0) << r.output;
    r = run("report " + (dir / "exp").string());
    ASSERT_EQ(r.code, 0) << r.output;
    const std::string ehtml = read_text(dir / "exp" / "report.html");
    EXPECT_GE(count(ehtml, "<img "), 2u);
    m = body_marks(chromium_dom(dir / "exp" / "report.html", dir / "profile2"));
    EXPECT_EQ(m["total"], (long long)count(ehtml, "<img "));
    EXPECT_EQ(m["loaded"], m["total"]);
    EXPECT_EQ(m["failed"], 0);

    // The check can fail: with one figure gone, Chromium reports it.
    fs::remove(dir / "exp" / "figure.png");
    m = body_marks(chromium_dom(dir / "exp" / "report.html", dir / "profile3"));
    EXPECT_EQ(m["failed"], 1);
    EXPECT_EQ(m["loaded"], m["total"] - 1);
    fs::remove_all(dir);
}

// The two diagrams of the later experiments, from real (small) sweeps: alpha x n -> test error on Woodworth's
// sparse regression (flow to interpolation, D = 2), and alpha x log(1/eps) -> distance to the l1 max-margin
// direction from the dual flow (Moroshko's 2-D example).
TEST(SweepReport, KernelRichAndL1DirectionDiagramsFromTheirSweeps) {
    const auto dir = fresh_dir("diagrams");
    const auto kr = write_text(dir / "kr.toml", R"(
[run]
name = "kr"
[task]
kind = "regression"
d = 30
measurements = 10
target = [1.0, 1.0]
noise_std = 0.0
test_samples = 200
[model]
kind = "diagonal"
depth = 2
[dynamics]
kind = "flow"
loss_threshold = 1e-10
max_time = 1e7
rtol = 1e-8
atol = 1e-12
[observe]
points_per_decade = 5
[sweep]
grid = { "model.init_scale" = [1e-6, 1e-2, 1.0, 100.0], "task.measurements" = [8, 16] }
)");
    auto r = run("sweep " + kr + " --workers 2 --quiet --out " + (dir / "kr").string());
    ASSERT_EQ(r.code, 0) << r.output;
    const Csv k = read_text_csv(dir / "kr" / "report" / "kernel_rich.csv");
    ASSERT_EQ(k.rows.size(), 8u) << read_text(dir / "kr" / "report" / "kernel_rich.csv");
    EXPECT_TRUE(fs::exists(dir / "kr" / "report" / "kernel_rich.png"));
    // Rich regime recovers the 2-sparse target from n = 16 (basis pursuit succeeds); the kernel regime does not.
    auto err = [&](const std::string& n, const std::string& scale) {
        for (size_t i = 0; i < k.rows.size(); ++i)
            if (k.col(i, "measurements") == n && std::stod(k.col(i, "init_scale")) == std::stod(scale))
                return std::stod(k.col(i, "mean_test_error"));
        return -1.0;
    };
    EXPECT_LT(err("16", "1e-06"), 1e-3);
    EXPECT_GT(err("16", "100"), 10 * err("16", "1e-06"));

    const auto mo = write_text(dir / "mo.toml", R"(
[run]
name = "mo"
[task]
kind = "classification"
d = 2
signed_inputs = [1.0, 0.5, 2.0, 2.0]
loss = "exponential"
reduction = "sum"
test_samples = 0
[model]
kind = "diagonal"
depth = 2
[dynamics]
kind = "dual_flow"
max_margin = 1e4
rtol = 1e-10
atol = 1e-12
[analysis]
references = "l1_max_margin,l2_max_margin"
[sweep]
grid = { "model.init_scale" = [0.01, 1.0, 100.0] }
)");
    r = run("sweep " + mo + " --workers 2 --quiet --out " + (dir / "mo").string());
    ASSERT_EQ(r.code, 0) << r.output;
    const Csv l = read_text_csv(dir / "mo" / "report" / "l1_direction.csv");
    ASSERT_GT(l.rows.size(), 3u) << read_text(dir / "mo" / "report" / "l1_direction.csv");
    EXPECT_TRUE(fs::exists(dir / "mo" / "report" / "l1_direction.png"));
    // At every init scale the last checkpoint (largest log(1/eps)) is nearer the l1 direction than the first
    // (claim 7: D = 2 tends to the l1 max-margin direction as eps -> 0).
    std::map<std::string, std::pair<double, double>> first_last;
    for (size_t i = 0; i < l.rows.size(); ++i) {
        const std::string s = l.col(i, "init_scale");
        const double d = std::stod(l.col(i, "distance"));
        if (!first_last.count(s)) first_last[s] = {d, d};
        first_last[s].second = d;
    }
    ASSERT_EQ(first_last.size(), 3u);
    for (const auto& [s, fl] : first_last) EXPECT_LT(fl.second, fl.first) << "init scale " << s;
    fs::remove_all(dir);
}
