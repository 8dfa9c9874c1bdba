// Upgrades: a sweep store written by depthbias 0.1.0 before point identity version 2 (tests/data/sweep_store_v1:
// 4 points done, 1 killed after its summary.json was written, 1 killed mid-run, 2 pending; its points keyed by
// the hash of the whole resolved TOML) resumes: the store is re-keyed, the missing points run, none of the
// finished ones runs again, and the table equals a fresh sweep's.
// This file is compiled twice: into the unit tests (this build), and into depthbias_upgrade_extra_key_tests
// with tests/upgrade/extra_key.cpp, which registers one more config key with a default
// (dynamics.upgrade_probe, read by dynamics.kind = gd): a later version that added a key.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "depthbias/core/extra_params.hpp"
#include "depthbias/sweep/sweep_report.hpp"
#include "depthbias/sweep/sweep_runner.hpp"
#include "depthbias/sweep/sweep_store.hpp"
#include "support/temp_dir.hpp"

#ifdef DEPTHBIAS_UPGRADE_EXTRA_KEY
#define UPGRADE_SUITE SweepUpgradeWithAnExtraKey
#else
#define UPGRADE_SUITE SweepUpgrade
#endif

using namespace depthbias;
namespace fs = std::filesystem;
using depthbias::test_support::read_text;
using depthbias::test_support::TempDir;

namespace {

const fs::path kFixture = fs::path(DEPTHBIAS_SOURCE_DIR) / "tests" / "data" / "sweep_store_v1";

bool extra_key_build() { return Registry<ExtraKey>::instance().find("dynamics.upgrade_probe") != nullptr; }

// report/sweep.csv without the execution columns (attempts, worker, wall_seconds, overhead_seconds).
std::string result_table(const fs::path& out) {
    const std::string csv = read_text(out / "report" / "sweep.csv");
    std::string header = csv.substr(0, csv.find('\n'));
    std::vector<std::string> cols;
    for (size_t s = 0, e; s <= header.size(); s = e + 1) {
        e = header.find(',', s);
        if (e == std::string::npos) e = header.size();
        cols.push_back(header.substr(s, e - s));
    }
    size_t keep = cols.size();
    for (size_t i = 0; i < cols.size(); ++i)
        for (const auto& t : sweep_timing_columns())
            if (cols[i] == t) keep = std::min(keep, i);
    // Execution columns are the last ones: cut every line after `keep` fields (no field here holds a comma
    // inside quotes before them except learning_order, which is quoted JSON: count quotes).
    std::string out_text;
    size_t pos = 0;
    while (pos < csv.size()) {
        size_t end = csv.find('\n', pos);
        if (end == std::string::npos) end = csv.size();
        const std::string line = csv.substr(pos, end - pos);
        size_t fields = 0, i = 0;
        bool quoted = false;
        for (; i < line.size(); ++i) {
            if (line[i] == '"') quoted = !quoted;
            if (line[i] == ',' && !quoted && ++fields == keep) break;
        }
        out_text += line.substr(0, i) + "\n";
        pos = end + 1;
    }
    return out_text;
}

SweepOptions options(const fs::path& out) {
    SweepOptions o;
    o.out = out.string();
    o.workers = 1;
    o.quiet = true;
    return o;
}

}  // namespace

TEST(UPGRADE_SUITE, AStoreWrittenBeforePointIdentityTwoResumesWithoutRerunningFinishedPoints) {
    const TempDir dir("sweep-upgrade");
    const fs::path out = dir / "store";
    fs::copy(kFixture / "store", out, fs::copy_options::recursive);
    const SweepSpec spec = parse_sweep(read_text(kFixture / "sweep.toml"), (kFixture / "sweep.toml").string());
    const auto points = expand_sweep(spec);
    ASSERT_EQ(points.size(), 8u);

    // What the old store holds: version-1 hashes (of the whole resolved TOML of the version that wrote it).
    std::map<std::int64_t, PointRow> before;
    {
        SweepStore store(store_path(out.string()));
        EXPECT_EQ(store.meta("point_identity"), "");
        for (auto& r : store.rows()) before[r.id] = r;
    }
    ASSERT_EQ(before.size(), 8u);
    for (const auto& p : points) EXPECT_NE(before.at(p.index).hash, p.hash) << p.label;
    // The upgrade is real: keys with defaults were added since the store was written (task.data_file; in the
    // extra-key build also dynamics.upgrade_probe), and they are in every resolved config, so the hash of the
    // resolved TOML (the version-1 identity) changed for every point, while the identity did not.
    EXPECT_NE(points[0].toml.find("data_file = "), std::string::npos) << points[0].toml;
    if (extra_key_build()) {
        EXPECT_NE(points[0].toml.find("upgrade_probe = "), std::string::npos) << points[0].toml;
    }
    for (const auto& p : points) EXPECT_NE(point_hash(p.toml), before.at(p.index).hash) << p.label;
    // The fixture is what it says: each finished point's version-1 hash is the hash of the resolved TOML that the
    // writing version kept in the point's directory. (This build's resolved TOML may differ from it: keys added
    // since, such as observe.sharpness_every, are the upgrade this test is about.)
    for (std::int64_t id = 0; id <= 4; ++id)
        EXPECT_EQ(point_hash(read_text(out / "points" / before.at(id).hash / "config.resolved.toml")), before.at(id).hash)
            << id;
    // The finished points' run directories, to check that none of them is written again.
    std::map<std::int64_t, std::string> summaries;
    std::map<std::int64_t, fs::file_time_type> mtimes;
    for (std::int64_t id = 0; id <= 4; ++id) {
        const fs::path s = out / "points" / before.at(id).hash / "summary.json";
        ASSERT_TRUE(fs::exists(s)) << s;
        summaries[id] = read_text(s);
        mtimes[id] = fs::last_write_time(s);
    }

    const MpiSession mpi;
    ASSERT_EQ(run_sweep(spec, options(out), mpi), 0);

    SweepStore store(store_path(out.string()));
    EXPECT_EQ(store.meta("point_identity"), kPointIdentityVersion);
    const auto rows = store.rows();
    ASSERT_EQ(rows.size(), 8u);
    const auto completions = store.completions_per_point();
    for (const auto& r : rows) {
        const SweepPoint& p = points.at(size_t(r.id));
        EXPECT_EQ(r.hash, p.hash) << p.label;  // re-keyed to this version's identity
        EXPECT_EQ(r.status, "done") << p.label;
        EXPECT_EQ(completions.count(r.id) ? completions.at(r.id) : 0, 1) << p.label;  // 0 lost, 0 duplicated
        EXPECT_TRUE(fs::exists(out / "points" / p.hash / "summary.json")) << p.label;
        EXPECT_FALSE(fs::exists(out / "points" / before.at(r.id).hash)) << p.label;  // renamed, not copied
    }
    // Points 0-3 (done) and 4 (killed after its summary was written: recovered from it) did not run again;
    // point 5 (killed mid-run) ran a second time; 6 and 7 ran once.
    const std::map<std::int64_t, std::int64_t> attempts = {{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 2}, {6, 1}, {7, 1}};
    for (const auto& r : rows) EXPECT_EQ(r.attempts, attempts.at(r.id)) << r.label;
    for (std::int64_t id = 0; id <= 4; ++id) {
        const fs::path s = out / "points" / points.at(size_t(id)).hash / "summary.json";
        EXPECT_EQ(read_text(s), summaries.at(id)) << id;
        EXPECT_EQ(fs::last_write_time(s), mtimes.at(id)) << id;
    }

    // The table equals that of the same sweep run from scratch by this build.
    const fs::path fresh = dir / "fresh";
    ASSERT_EQ(run_sweep(spec, options(fresh), mpi), 0);
    EXPECT_EQ(result_table(out), result_table(fresh));
    EXPECT_NE(result_table(out).find(points[7].hash), std::string::npos);

    // Resuming again runs nothing.
    ASSERT_EQ(run_sweep(spec, options(out), mpi), 0);
    std::int64_t total = 0;
    for (const auto& [id, n] : store.completions_per_point()) total += n;
    EXPECT_EQ(total, 8);
}

TEST(UPGRADE_SUITE, AMigrationKilledAfterItsRenamesFinishesOnTheNextRun) {
    // The renames come before the store's transaction: a kill between them leaves a version-1 store whose
    // directories already carry the new names (here: half of them).
    const TempDir dir("sweep-upgrade-kill");
    const fs::path out = dir / "store";
    fs::copy(kFixture / "store", out, fs::copy_options::recursive);
    const SweepSpec spec = parse_sweep(read_text(kFixture / "sweep.toml"), (kFixture / "sweep.toml").string());
    const auto points = expand_sweep(spec);
    std::map<std::int64_t, std::string> old_hash;
    {
        SweepStore store(store_path(out.string()));
        for (auto& r : store.rows()) old_hash[r.id] = r.hash;
    }
    for (std::int64_t id : {0, 2, 4})
        fs::rename(out / "points" / old_hash.at(id), out / "points" / points.at(size_t(id)).hash);
    const MpiSession mpi;
    ASSERT_EQ(run_sweep(spec, options(out), mpi), 0);
    SweepStore store(store_path(out.string()));
    for (const auto& r : store.rows()) {
        EXPECT_EQ(r.status, "done") << r.label;
        EXPECT_EQ(r.hash, points.at(size_t(r.id)).hash) << r.label;
        EXPECT_TRUE(fs::exists(out / "points" / r.hash / "summary.json")) << r.label;
    }
    for (const auto& [id, n] : store.completions_per_point()) EXPECT_EQ(n, 1) << id;
    EXPECT_EQ(store.rows().at(4).attempts, 1);  // recovered from its (renamed) directory, not run again
}

TEST(UPGRADE_SUITE, PointIdentityIgnoresKeysAtTheirDefaultAndSeesEveryOtherValue) {
    const SweepSpec spec = parse_sweep(read_text(kFixture / "sweep.toml"), (kFixture / "sweep.toml").string());
    const auto points = expand_sweep(spec);
    RunConfig c = points[0].config;
    const std::string text = non_default_toml(c);
    EXPECT_NE(text.find("model.depth = 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("dynamics.lr = "), std::string::npos) << text;
    EXPECT_EQ(text.find("dynamics.rtol"), std::string::npos) << text;  // at its default
    EXPECT_EQ(text.find("upgrade_probe"), std::string::npos) << text;  // at its default (extra-key build)
    // Setting a key to its default explicitly is the same point; any other value is another point.
    apply_override(c, "dynamics.rtol=1e-8");
    EXPECT_EQ(point_identity(c), points[0].hash);
    apply_override(c, "dynamics.rtol=1e-9");
    EXPECT_NE(point_identity(c), points[0].hash);
    if (extra_key_build()) {
        RunConfig d = points[0].config;
        apply_override(d, "dynamics.upgrade_probe=0.5");
        EXPECT_NE(point_identity(d), points[0].hash);
        EXPECT_NE(non_default_toml(d).find("dynamics.upgrade_probe = 0.5"), std::string::npos);
    }
}
