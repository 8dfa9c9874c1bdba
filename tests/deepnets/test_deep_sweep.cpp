// Deep-net sweeps (`depthbias sweep` of a deep-net config + [sweep] table, src/cli/deep_sweep_kind.cpp) through the
// built binary and its LibTorch plugin, on tiny Gaussian-mixture data: the complete table with the effective-depth
// phase diagram, resume after SIGKILL running only the missing points, and `mpirun -n 2` giving the table of
// one worker (timing columns aside).
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "depthbias/sweep/sweep_report.hpp"
#include "depthbias/sweep/sweep_store.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"
#include "support/text_csv.hpp"

namespace fs = std::filesystem;

namespace {

using depthbias::test_support::CliResult;
using depthbias::test_support::TempDir;

// depth {2, 3} x corruption {0, 0.3} x 2 seeds = 8 points of MLP-L-16 on 3 Gaussian classes (300 samples each), 3 epochs
// each: ~0.2 s a point, so that a kill lands between the first and the last.
const char* kDeepSweep = R"(
[run]
name = "tiny deep sweep"
[data]
dataset = "gaussian-mixture"
mixture_classes = 3
mixture_side = 4
train_per_class = 300
test_per_class = 10
[model]
width = 16
[train]
epochs = 3
batch_size = 16
lr = 0.05
[metrics]
every = 0
[sweep]
grid = { "model.depth" = [2, 3], "data.corruption" = [0.0, 0.3] }
seeds = 2
metrics = ["final.effective_depth.first", "final.network_train_acc", "final.parameter_digest"]
)";

using depthbias::test_support::read_text_csv;
using Csv = depthbias::test_support::TextCsv;
using depthbias::test_support::read_text;
using depthbias::test_support::write_text;

// sweep.csv without its timing columns.
std::string result_table(const fs::path& dir) {
    const Csv c = read_text_csv(dir / "report" / "sweep.csv");
    std::string out;
    auto add = [&](const std::vector<std::string>& r) {
        for (size_t i = 0; i < r.size(); ++i) {
            bool timing = false;
            for (const auto& t : depthbias::sweep_timing_columns()) timing = timing || c.header.at(i) == t;
            if (!timing) out += r[i] + "|";
        }
        out += "\n";
    };
    add(c.header);
    for (const auto& r : c.rows) add(r);
    return out;
}

const std::string& reference_table() {
    static std::string table;
    if (table.empty()) {
        TempDir dir("deepsweep-ref");
        const auto cfg = write_text(dir.path() / "sweep.toml", kDeepSweep);
        const auto r = depthbias::test_support::run_cli("sweep " + cfg + " --workers 1 --quiet --out " +
                                                        (dir.path() / "out").string());
        EXPECT_EQ(r.code, 0) << r.output;
        table = result_table(dir.path() / "out");
    }
    return table;
}

}  // namespace

TEST(DeepSweep, TinyGridGivesACompleteTableAndTheEffectiveDepthDiagram) {
    TempDir dir("deepsweep-table");
    const auto cfg = write_text(dir.path() / "sweep.toml", kDeepSweep);
    const fs::path out = dir.path() / "out";
    const auto r = depthbias::test_support::run_cli("sweep " + cfg + " --workers 2 --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("8 points"), std::string::npos) << r.output;
    const Csv c = read_text_csv(out / "report" / "sweep.csv");
    ASSERT_EQ(c.rows.size(), 8u);
    for (size_t i = 0; i < c.rows.size(); ++i) {
        EXPECT_EQ(c.col(i, "status"), "done") << i;
        EXPECT_EQ(c.col(i, "run_status"), "completed") << i;
        EXPECT_EQ(c.col(i, "steps"), "3") << i;  // epochs completed
        EXPECT_FALSE(c.col(i, "final_loss").empty()) << i;
        const double te = std::stod(c.col(i, "test_error"));
        EXPECT_TRUE(te >= 0 && te <= 1) << te;
        EXPECT_FALSE(c.col(i, "final.network_train_acc").empty()) << i;
        EXPECT_TRUE(fs::exists(out / "points" / c.col(i, "hash") / "summary.json")) << i;
        EXPECT_TRUE(fs::exists(out / "points" / c.col(i, "hash") / "metrics.csv")) << i;
    }
    // Order: grid keys sorted (data.corruption slowest), then seeds.
    EXPECT_EQ(c.col(0, "data.corruption"), "0.0");
    EXPECT_EQ(c.col(0, "model.depth"), "2");
    EXPECT_EQ(c.col(1, "run.seed"), "1");
    EXPECT_EQ(c.col(2, "model.depth"), "3");
    // The seeds give different networks; the same point in two sweeps the same one (determinism: below).
    EXPECT_NE(c.col(0, "final.parameter_digest"), c.col(1, "final.parameter_digest"));
    // The phase diagram: 4 cells (corruption x depth), 2 points each.
    const Csv ph = read_text_csv(out / "report" / "test_accuracy.csv");
    ASSERT_EQ(ph.rows.size(), 4u) << read_text(out / "report" / "test_accuracy.csv");
    for (size_t i = 0; i < 4; ++i) EXPECT_EQ(ph.col(i, "points"), "2");
    EXPECT_EQ(ph.header.front(), "data.corruption");
    EXPECT_TRUE(fs::exists(out / "report" / "test_accuracy.png"));
    // The store records the kind; the point configs are full deep-net configs.
    depthbias::SweepStore store((out / "sweep.db").string());
    EXPECT_EQ(store.point_kind_name(), "deepnets");
    EXPECT_NE(store.rows().at(0).config.find("[train]"), std::string::npos);
    // Both pool workers ran points (each loaded the plugin after the fork).
    std::set<std::string> owners;
    for (const auto& p : store.rows()) owners.insert(p.owner);
    EXPECT_EQ(owners.size(), 2u);
    // Two workers, same table as one.
    EXPECT_EQ(result_table(out), reference_table());
}

TEST(DeepSweep, ResumeAfterSigkillRunsOnlyTheMissingPoints) {
    TempDir dir("deepsweep-kill");
    const auto cfg = write_text(dir.path() / "sweep.toml", kDeepSweep);
    const fs::path out = dir.path() / "out";
    const pid_t pid = fork();
    if (pid == 0) {
        const int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(DEPTHBIAS_BINARY, DEPTHBIAS_BINARY, "sweep", cfg.c_str(), "--out", out.string().c_str(), "--workers",
              "1", "--quiet", static_cast<char*>(nullptr));
        _exit(127);
    }
    // Kill -9 once two points are recorded (the worker is then in the middle of a later one, or between two).
    std::int64_t done_at_kill = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
        if (fs::exists(out / "sweep.db")) {
            try {
                depthbias::SweepStore s((out / "sweep.db").string());
                done_at_kill = s.counts()["done"];
            } catch (const std::exception&) {
            }
        }
        if (done_at_kill >= 2) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    ASSERT_TRUE(WIFSIGNALED(st)) << "the sweep finished before it could be killed";
    std::int64_t done_before = 0;
    {
        depthbias::SweepStore s((out / "sweep.db").string());
        done_before = s.counts()["done"];
    }
    ASSERT_GE(done_before, 2);
    ASSERT_LT(done_before, 8) << "every point finished before the kill";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the worker dies with its coordinator

    const auto r = depthbias::test_support::run_cli("sweep " + cfg + " --workers 1 --quiet --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find(std::to_string(done_before) + " finished before, " + std::to_string(8 - done_before) +
                            " to run"),
              std::string::npos)
        << r.output;
    depthbias::SweepStore s((out / "sweep.db").string());
    for (const auto& [id, n] : s.completions_per_point()) EXPECT_EQ(n, 1) << "point " << id << " completed twice";
    EXPECT_EQ(s.completions_per_point().size(), 8u);
    EXPECT_EQ(result_table(out), reference_table());
}

TEST(DeepSweep, MpirunTwoRanksGivesTheTableOfOneWorker) {
    if (access("/usr/bin/mpirun", X_OK) != 0) GTEST_SKIP() << "mpirun not installed";
    TempDir dir("deepsweep-mpi");
    const auto cfg = write_text(dir.path() / "sweep.toml", kDeepSweep);
    const fs::path out = dir.path() / "out";
    const auto r = depthbias::test_support::run_shell("/usr/bin/mpirun -n 2 --oversubscribe --allow-run-as-root " +
                                                      std::string(DEPTHBIAS_BINARY) + " sweep " + cfg +
                                                      " --quiet --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("2 MPI ranks"), std::string::npos) << r.output;
    EXPECT_EQ(result_table(out), reference_table());
    depthbias::SweepStore s((out / "sweep.db").string());
    int rank1 = 0;
    for (const auto& p : s.rows()) rank1 += p.owner.find("/rank 1") != std::string::npos;
    EXPECT_GE(rank1, 1);  // rank 1 ran points (it loaded the plugin in its own process)
}

TEST(DeepSweep, KindIsChosenByTheFileAndBadKeysNameTheKey) {
    TempDir dir("deepsweep-bad");
    // A deep-net key in a file with [sweep] kind = "linear" (or vice versa) is an unknown key of that kind.
    const auto linear = write_text(dir.path() / "a.toml", std::string(kDeepSweep) + "kind = \"linear\"\n");
    auto r = depthbias::test_support::run_cli("sweep " + linear + " --out " + (dir.path() / "a").string());
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("data"), std::string::npos) << r.output;
    const auto unknown = write_text(dir.path() / "b.toml", std::string(kDeepSweep) + "kind = \"quantum\"\n");
    r = depthbias::test_support::run_cli("sweep " + unknown + " --out " + (dir.path() / "b").string());
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("sweep.kind"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("deepnets"), std::string::npos) << r.output;
    // A swept key the deep-net schema does not have, and a metrics path its summary cannot hold.
    std::string text = kDeepSweep;
    const auto bad_axis = write_text(dir.path() / "c.toml",
                                     text.replace(text.find("\"model.depth\""), 13, "\"model.dept\""));
    r = depthbias::test_support::run_cli("sweep " + bad_axis + " --out " + (dir.path() / "c").string());
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("model.dept"), std::string::npos) << r.output;
    text = kDeepSweep;
    const auto bad_metric = write_text(dir.path() / "d.toml",
                                       text.replace(text.find("final.network_train_acc"), 23, "task.d"));
    r = depthbias::test_support::run_cli("sweep " + bad_metric + " --out " + (dir.path() / "d").string());
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("sweep.metrics"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir.path() / "d" / "sweep.db"));
}

TEST(DeepSweep, ThePaperSizePresetExpandsAndValidatesEveryPoint) {
    // Not run (about 100 core-hours): every one of its 72 points is expanded and validated before --out is
    // prepared, so an --out that is a file is the first error, after the whole sweep passed.
    TempDir dir("deepsweep-preset");
    const auto file = write_text(dir.path() / "a-file", "x");
    auto r = depthbias::test_support::run_cli("sweep deepnets-depth-corruption-paper --out " + file);
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("'--out'"), std::string::npos) << r.output;
    // Its swept keys are deep-net keys (a --set of one is refused, naming it).
    r = depthbias::test_support::run_cli("sweep deepnets-depth-corruption-paper --set data.corruption=0.1 --out " +
                                         (dir.path() / "x").string());
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("is swept in sweep.grid"), std::string::npos) << r.output;
    // `reproduce --list` shows it as a sweep.
    r = depthbias::test_support::run_cli("reproduce --list");
    EXPECT_NE(r.output.find("deepnets-depth-corruption-paper: a sweep"), std::string::npos) << r.output;
}
