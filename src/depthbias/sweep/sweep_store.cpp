#include "depthbias/sweep/sweep_store.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sqlite3.h>
#include <sstream>

#include "depthbias/core/error.hpp"
#include "depthbias/sweep/point_runner.hpp"
#include "depthbias/version.hpp"

namespace depthbias {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kSchemaVersion = "1";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points(
  id                   INTEGER PRIMARY KEY,
  hash                 TEXT NOT NULL UNIQUE,
  label                TEXT NOT NULL,
  params               TEXT NOT NULL,
  config               TEXT NOT NULL,
  status               TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'running', 'done', 'failed', 'diverged')),
  attempts             INTEGER NOT NULL DEFAULT 0,
  owner                TEXT,
  claimed_at           REAL,
  finished_at          REAL,
  overhead_seconds     REAL,
  run_status           TEXT,
  stop_reason          TEXT,
  error                TEXT,
  steps                INTEGER,
  flow_time            REAL,
  wall_seconds         REAL,
  final_loss           REAL,
  reconstruction_error REAL,
  test_error           REAL,
  verdict              TEXT,
  largest_first        INTEGER,
  learning_times       TEXT,
  learning_order       TEXT,
  extra_metrics        TEXT,
  summary              TEXT);
CREATE INDEX IF NOT EXISTS points_by_status ON points(status, id);
CREATE TABLE IF NOT EXISTS completions(
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  point_id    INTEGER NOT NULL REFERENCES points(id),
  hash        TEXT NOT NULL,
  status      TEXT NOT NULL,
  owner       TEXT NOT NULL,
  finished_at REAL NOT NULL,
  source      TEXT NOT NULL);
)sql";

class Stmt {
public:
    Stmt(sqlite3* db, const std::string& sql, const std::string& path) : db_(db), path_(path) {
        if (sqlite3_prepare_v2(db, sql.c_str(), int(sql.size()), &s_, nullptr) != SQLITE_OK)
            throw IoError("sweep store " + path + ": " + sqlite3_errmsg(db) + " (in: " + sql + ")");
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& bind(int i, std::int64_t v) {
        check(sqlite3_bind_int64(s_, i, v));
        return *this;
    }
    Stmt& bind(int i, const std::string& v) {
        check(sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Stmt& bind(int i, const std::optional<double>& v) {
        check(v ? sqlite3_bind_double(s_, i, *v) : sqlite3_bind_null(s_, i));
        return *this;
    }
    Stmt& bind(int i, const std::optional<std::int64_t>& v) {
        check(v ? sqlite3_bind_int64(s_, i, *v) : sqlite3_bind_null(s_, i));
        return *this;
    }
    Stmt& bind_null(int i) {
        check(sqlite3_bind_null(s_, i));
        return *this;
    }
    Stmt& bind_text_or_null(int i, const std::string& v) { return v.empty() ? bind_null(i) : bind(i, v); }

    bool step() {  // true: a row is available
        const int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw IoError("sweep store " + path_ + ": " + sqlite3_errmsg(db_));
    }
    void reset() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    bool null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
    std::int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
    double dbl(int c) const { return sqlite3_column_double(s_, c); }
    std::string text(int c) const {
        const auto* p = sqlite3_column_text(s_, c);
        return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(s_, c))) : "";
    }
    std::optional<double> opt_dbl(int c) const { return null(c) ? std::nullopt : std::optional<double>(dbl(c)); }
    std::optional<std::int64_t> opt_i64(int c) const {
        return null(c) ? std::nullopt : std::optional<std::int64_t>(i64(c));
    }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) throw IoError("sweep store " + path_ + ": " + sqlite3_errmsg(db_));
    }
    sqlite3* db_;
    sqlite3_stmt* s_ = nullptr;
    std::string path_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when an exception leaves the scope.
class Transaction {
public:
    Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) { run("BEGIN IMMEDIATE"); }
    ~Transaction() {
        if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
        run("COMMIT");
        done_ = true;
    }

private:
    void run(const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            const std::string msg = err ? err : "unknown error";
            sqlite3_free(err);
            throw IoError("sweep store " + path_ + ": " + sql + ": " + msg);
        }
    }
    sqlite3* db_;
    std::string path_;
    bool done_ = false;
};

std::optional<double> opt(const json& j) {
    return j.is_number() ? std::optional<double>(j.get<double>()) : std::nullopt;
}

std::string digest_of_hashes(std::vector<std::string> h) {
    std::sort(h.begin(), h.end());
    std::string all;
    for (const auto& x : h) all += x + "\n";
    return point_hash(all);
}

std::string definition_digest(const std::vector<SweepPoint>& points) {
    std::vector<std::string> h;
    h.reserve(points.size());
    for (const auto& p : points) h.push_back(p.hash);
    return digest_of_hashes(std::move(h));
}

// Columns of a result, in the order of the UPDATE below (bound from index `first`).
constexpr const char* kResultColumns =
    "status = ?, run_status = ?, stop_reason = ?, error = ?, steps = ?, flow_time = ?, wall_seconds = ?, "
    "final_loss = ?, reconstruction_error = ?, test_error = ?, verdict = ?, largest_first = ?, learning_times = ?, "
    "learning_order = ?, extra_metrics = ?, summary = ?";

void bind_result(Stmt& s, int first, const PointResult& r) {
    s.bind(first, r.status)
        .bind_text_or_null(first + 1, r.run_status)
        .bind_text_or_null(first + 2, r.stop_reason)
        .bind_text_or_null(first + 3, r.error)
        .bind(first + 4, r.steps)
        .bind(first + 5, r.flow_time)
        .bind(first + 6, r.wall_seconds)
        .bind(first + 7, r.final_loss)
        .bind(first + 8, r.reconstruction_error)
        .bind(first + 9, r.test_error)
        .bind_text_or_null(first + 10, r.verdict)
        .bind(first + 11, r.largest_first ? std::optional<std::int64_t>(*r.largest_first ? 1 : 0) : std::nullopt)
        .bind_text_or_null(first + 12, r.learning_times.is_null() ? "" : r.learning_times.dump())
        .bind_text_or_null(first + 13, r.learning_order.is_null() ? "" : r.learning_order.dump())
        .bind(first + 14, r.extra.dump())
        .bind_text_or_null(first + 15, r.summary);
}

}  // namespace

json to_json(const PointResult& r) {
    auto o = [](const auto& v) -> json { return v ? json(*v) : json(nullptr); };
    return {{"status", r.status},
            {"run_status", r.run_status},
            {"stop_reason", r.stop_reason},
            {"error", r.error},
            {"steps", o(r.steps)},
            {"flow_time", o(r.flow_time)},
            {"wall_seconds", o(r.wall_seconds)},
            {"final_loss", o(r.final_loss)},
            {"reconstruction_error", o(r.reconstruction_error)},
            {"test_error", o(r.test_error)},
            {"verdict", r.verdict},
            {"largest_first", o(r.largest_first)},
            {"learning_times", r.learning_times},
            {"learning_order", r.learning_order},
            {"extra", r.extra},
            {"summary", r.summary}};
}

PointResult point_result_from_json(const json& j) {
    PointResult r;
    r.status = j.at("status").get<std::string>();
    r.run_status = j.value("run_status", "");
    r.stop_reason = j.value("stop_reason", "");
    r.error = j.value("error", "");
    if (j.contains("steps") && j["steps"].is_number_integer()) r.steps = j["steps"].get<std::int64_t>();
    r.flow_time = opt(j.value("flow_time", json()));
    r.wall_seconds = opt(j.value("wall_seconds", json()));
    r.final_loss = opt(j.value("final_loss", json()));
    r.reconstruction_error = opt(j.value("reconstruction_error", json()));
    r.test_error = opt(j.value("test_error", json()));
    r.verdict = j.value("verdict", "");
    if (j.contains("largest_first") && j["largest_first"].is_boolean()) r.largest_first = j["largest_first"].get<bool>();
    r.learning_times = j.value("learning_times", json());
    r.learning_order = j.value("learning_order", json());
    r.extra = j.value("extra", json::object());
    r.summary = j.value("summary", "");
    return r;
}

std::string store_path(const std::string& out) { return (fs::path(out) / "sweep.db").string(); }
std::string points_dir(const std::string& out) { return (fs::path(out) / "points").string(); }

SweepStore::SweepStore(const std::string& path) : path_(path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw IoError("cannot open sweep store " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 120000);  // writers wait for each other (transactions are milliseconds long)
    try {
        exec("PRAGMA journal_mode = WAL");
        exec("PRAGMA synchronous = NORMAL");  // WAL + NORMAL: every commit survives a killed process
        exec("PRAGMA foreign_keys = ON");
        exec(kSchema);
        Stmt s(db_, "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", path_);
        s.bind(1, std::string(kSchemaVersion));
        s.step();
        if (meta("schema_version") != kSchemaVersion)
            throw IoError("sweep store " + path + " has schema version " + meta("schema_version") + ", this depthbias "
                          "reads version " + kSchemaVersion);
    } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

SweepStore::~SweepStore() {
    if (db_) sqlite3_close(db_);
}

void SweepStore::exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        throw IoError("sweep store " + path_ + ": " + msg);
    }
}

std::string SweepStore::point_kind_name() {
    const std::string k = meta("point_kind");
    return k.empty() ? kDefaultPointKind : k;  // stores written before point kinds: linear
}

std::string SweepStore::meta(const std::string& key) {
    Stmt s(db_, "SELECT value FROM meta WHERE key = ?", path_);
    s.bind(1, key);
    return s.step() ? s.text(0) : "";
}

void SweepStore::migrate_point_identity(const std::string& option) {
    // A store written before point identity version 2 keys its points by the hash of the whole resolved TOML
    // (every key, defaults included). Re-key it: read each stored config with this version (keys added since
    // take their defaults), hash its identity, rename points/<old>/ to points/<new>/, then update the rows,
    // the completions and the digest in one transaction. The renames come first and are skipped when already
    // done, so a kill at any moment leaves a store that the next run migrates again from where it stopped.
    struct Row {
        std::int64_t id;
        std::string old_hash, new_hash;
    };
    std::vector<Row> rows;
    {
        Stmt s(db_, "SELECT id, hash, label, config FROM points ORDER BY id", path_);
        while (s.step()) {
            RunConfig c;
            try {
                c = config_from_toml(s.text(3), "point " + s.text(1));
            } catch (const ConfigError& e) {
                throw ConfigError(option, "'" + fs::path(path_).parent_path().string() + "' was written by an earlier "
                                  "depthbias whose point " + s.text(2) + " this version cannot read: " + e.what());
            }
            rows.push_back({s.i64(0), s.text(1), point_identity(c)});
        }
    }
    const fs::path pdir = fs::path(path_).parent_path() / "points";
    for (const auto& r : rows) {
        std::error_code ec;
        if (r.old_hash == r.new_hash || !fs::exists(pdir / r.old_hash, ec) || fs::exists(pdir / r.new_hash, ec))
            continue;
        fs::rename(pdir / r.old_hash, pdir / r.new_hash, ec);
        if (ec)
            throw IoError("sweep store " + path_ + ": cannot rename " + (pdir / r.old_hash).string() + " to " +
                          r.new_hash + " (re-keying points to identity version " + kPointIdentityVersion +
                          "): " + ec.message());
    }
    Transaction tx(db_, path_);
    Stmt u(db_, "UPDATE points SET hash = ? WHERE id = ?", path_);
    Stmt c(db_, "UPDATE completions SET hash = ? WHERE point_id = ?", path_);
    std::vector<std::string> hashes;
    for (const auto& r : rows) {
        u.bind(1, r.new_hash).bind(2, r.id);
        u.step();
        u.reset();
        c.bind(1, r.new_hash).bind(2, r.id);
        c.step();
        c.reset();
        hashes.push_back(r.new_hash);
    }
    Stmt m(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", path_);
    const std::vector<std::pair<std::string, std::string>> kv = {
        {"definition_digest", digest_of_hashes(hashes)},
        {"point_identity", kPointIdentityVersion},
        {"point_identity_migrated_utc", std::to_string(unix_time())},
    };
    for (const auto& [k, v] : kv) {
        m.bind(1, k).bind(2, v);
        m.step();
        m.reset();
    }
    tx.commit();
}

void SweepStore::initialize(const SweepSpec& spec, const std::vector<SweepPoint>& points, const std::string& option) {
    const PointKindEntry& kind = spec.kind ? *spec.kind : point_kind(kDefaultPointKind);
    const std::string digest = definition_digest(points);
    if (!meta("definition_digest").empty() && meta("point_identity").empty()) migrate_point_identity(option);
    Transaction tx(db_, path_);
    const std::string existing = meta("definition_digest");
    if (!existing.empty() && point_kind_name() != kind.name)
        throw ConfigError(option, "'" + fs::path(path_).parent_path().string() + "' holds a sweep of " +
                                      point_kind_name() + " points, not " + kind.name + " points; choose another --out");
    if (!existing.empty() && existing != digest) {
        throw ConfigError(option, "'" + fs::path(path_).parent_path().string() + "' holds a different sweep ('" +
                                      meta("name") + "', " + meta("points") + " points: see its sweep.toml); resume "
                                      "it with the same file and --set options, or choose another --out");
    }
    if (existing.empty()) {
        json keys = spec.swept_keys();
        Stmt m(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", path_);
        const std::vector<std::pair<std::string, std::string>> kv = {
            {"name", spec.name},
            {"definition", spec.definition},
            {"definition_digest", digest},
            {"point_identity", kPointIdentityVersion},
            {"points", std::to_string(points.size())},
            {"swept_keys", keys.dump()},
            {"metrics", json(spec.metrics).dump()},
            {"base_config", kind.to_toml(spec.base_config)},
            {"point_kind", kind.name},
            {"created_utc", std::to_string(unix_time())},
            {"depthbias_version", std::string(kVersion) + " (" + kGitCommit + ")"},
        };
        for (const auto& [k, v] : kv) {
            m.bind(1, k).bind(2, v);
            m.step();
            m.reset();
        }
        Stmt ins(db_, "INSERT INTO points(id, hash, label, params, config) VALUES (?, ?, ?, ?, ?)", path_);
        for (const auto& p : points) {
            ins.bind(1, p.index).bind(2, p.hash).bind(3, p.label).bind(4, p.params.dump()).bind(5, p.toml);
            ins.step();
            ins.reset();
        }
    } else {
        // Same set of points: check that every hash maps to the same config (a hash collision would not). The
        // stored text is this version's resolved TOML, or an earlier version's (fewer keys): then the keys set
        // to non-default values must be the same.
        Stmt q(db_, "SELECT config FROM points WHERE hash = ?", path_);
        for (const auto& p : points) {
            q.bind(1, p.hash);
            bool same = q.step();
            if (same && q.text(0) != p.toml) {
                try {
                    same = kind.non_default_toml(kind_config_from_toml(kind, q.text(0), "point " + p.hash)) ==
                           kind.non_default_toml(kind_config_from_toml(kind, p.toml, "point " + p.hash));
                } catch (const ConfigError&) {
                    same = false;
                }
            }
            if (!same)
                throw IoError("sweep store " + path_ + ": point " + p.hash + " (" + p.label +
                              ") is stored with another config (hash collision or a modified store)");
            q.reset();
        }
    }
    tx.commit();
}

RecoverySummary SweepStore::recover_interrupted(const std::string& pdir, int max_attempts,
                                                const std::vector<std::string>& metrics) {
    RecoverySummary out;
    const PointKindEntry& kind = point_kind(point_kind_name(), "point_kind of " + path_);
    struct Row {
        std::int64_t id, attempts;
        std::string hash, owner;
    };
    std::vector<Row> running;
    {
        Stmt s(db_, "SELECT id, attempts, hash, owner FROM points WHERE status = 'running' ORDER BY id", path_);
        while (s.step()) running.push_back({s.i64(0), s.i64(1), s.text(2), s.text(3)});
    }
    for (const auto& r : running) {
        const fs::path summary = fs::path(pdir) / r.hash / "summary.json";
        std::error_code ec;
        if (fs::exists(summary, ec)) {
            try {
                std::ifstream f(summary);
                const PointResult res = kind.result_from_summary(json::parse(f), summary.string(), metrics);
                if (complete(r.id, r.owner, res, std::nullopt, "recovered")) {
                    ++out.recovered;
                    continue;
                }
            } catch (const json::exception&) {
                // summary.json is written atomically, so this is not ours to trust: run the point again.
            } catch (const IoError&) {
                // not a summary (a field missing or of the wrong type): likewise, run the point again.
            }
        }
        if (r.attempts >= max_attempts) {
            PointResult f;
            f.status = "failed";
            f.error = "its worker died while running it " + std::to_string(r.attempts) +
                      " times (last owner " + r.owner + "); rerun with --retry-failed to try again";
            if (complete(r.id, r.owner, f, std::nullopt, "abandoned")) ++out.abandoned;
            continue;
        }
        Transaction tx(db_, path_);
        Stmt u(db_, "UPDATE points SET status = 'pending', owner = NULL, claimed_at = NULL WHERE id = ? AND "
                    "status = 'running'", path_);
        u.bind(1, r.id);
        u.step();
        tx.commit();
        ++out.reset;
    }
    return out;
}

int SweepStore::retry_failed() {
    Transaction tx(db_, path_);
    exec("UPDATE points SET status = 'pending', attempts = 0, owner = NULL, error = NULL WHERE status = 'failed'");
    const int n = sqlite3_changes(db_);
    tx.commit();
    return n;
}

std::optional<ClaimedPoint> SweepStore::claim(const std::string& owner) {
    Transaction tx(db_, path_);
    Stmt q(db_, "SELECT id, hash, label, config FROM points WHERE status = 'pending' ORDER BY id LIMIT 1", path_);
    if (!q.step()) {
        tx.commit();
        return std::nullopt;
    }
    ClaimedPoint c{q.i64(0), q.text(1), q.text(2), q.text(3)};
    Stmt u(db_, "UPDATE points SET status = 'running', owner = ?, claimed_at = ?, attempts = attempts + 1 "
                "WHERE id = ? AND status = 'pending'", path_);
    u.bind(1, owner).bind(2, std::optional<double>(unix_time())).bind(3, c.id);
    u.step();
    tx.commit();
    return c;
}

bool SweepStore::mark_running(std::int64_t id, const std::string& owner) {
    Transaction tx(db_, path_);
    Stmt u(db_, "UPDATE points SET status = 'running', owner = ?, claimed_at = ?, attempts = attempts + 1 "
                "WHERE id = ? AND status = 'pending'", path_);
    u.bind(1, owner).bind(2, std::optional<double>(unix_time())).bind(3, id);
    u.step();
    const bool ok = sqlite3_changes(db_) == 1;
    tx.commit();
    return ok;
}

bool SweepStore::complete(std::int64_t id, const std::string& owner, const PointResult& r,
                          std::optional<double> overhead, const std::string& source) {
    if (r.status != "done" && r.status != "failed" && r.status != "diverged")
        throw IoError("sweep store " + path_ + ": cannot complete a point with status '" + r.status + "'");
    Transaction tx(db_, path_);
    Stmt u(db_, std::string("UPDATE points SET ") + kResultColumns +
                    ", finished_at = ?, overhead_seconds = ? WHERE id = ? AND status = 'running' AND owner = ?",
           path_);
    bind_result(u, 1, r);
    const double now = unix_time();
    u.bind(17, std::optional<double>(now)).bind(18, overhead).bind(19, id).bind(20, owner);
    u.step();
    if (sqlite3_changes(db_) != 1) return false;  // rolled back by ~Transaction
    Stmt c(db_, "INSERT INTO completions(point_id, hash, status, owner, finished_at, source) "
                "SELECT id, hash, status, ?, ?, ? FROM points WHERE id = ?", path_);
    c.bind(1, owner).bind(2, std::optional<double>(now)).bind(3, source).bind(4, id);
    c.step();
    tx.commit();
    return true;
}

int SweepStore::release_owner(const std::string& owner, bool fail, const std::string& error) {
    std::vector<std::int64_t> ids;
    {
        Stmt s(db_, "SELECT id FROM points WHERE status = 'running' AND owner = ?", path_);
        s.bind(1, owner);
        while (s.step()) ids.push_back(s.i64(0));
    }
    int n = 0;
    for (auto id : ids) {
        if (fail) {
            PointResult f;
            f.status = "failed";
            f.error = error;
            n += complete(id, owner, f, std::nullopt, "worker_died") ? 1 : 0;
        } else {
            Transaction tx(db_, path_);
            Stmt u(db_, "UPDATE points SET status = 'pending', owner = NULL, claimed_at = NULL WHERE id = ? AND "
                        "status = 'running' AND owner = ?", path_);
            u.bind(1, id).bind(2, owner);
            u.step();
            n += sqlite3_changes(db_);
            tx.commit();
        }
    }
    return n;
}

std::vector<ClaimedPoint> SweepStore::pending_points() {
    std::vector<ClaimedPoint> out;
    Stmt s(db_, "SELECT id, hash, label, config FROM points WHERE status = 'pending' ORDER BY id", path_);
    while (s.step()) out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3)});
    return out;
}

std::map<std::string, std::int64_t> SweepStore::counts() {
    std::map<std::string, std::int64_t> c{{"pending", 0}, {"running", 0}, {"done", 0}, {"failed", 0}, {"diverged", 0}};
    Stmt s(db_, "SELECT status, COUNT(*) FROM points GROUP BY status", path_);
    while (s.step()) c[s.text(0)] = s.i64(1);
    return c;
}

std::vector<PointRow> SweepStore::rows() {
    std::vector<PointRow> out;
    Stmt s(db_,
           "SELECT id, hash, label, params, config, status, attempts, owner, overhead_seconds, run_status, "
           "stop_reason, error, steps, flow_time, wall_seconds, final_loss, reconstruction_error, test_error, "
           "verdict, largest_first, learning_times, learning_order, extra_metrics, summary FROM points ORDER BY id",
           path_);
    while (s.step()) {
        PointRow p;
        p.id = s.i64(0);
        p.hash = s.text(1);
        p.label = s.text(2);
        p.params = nlohmann::ordered_json::parse(s.text(3));
        p.config = s.text(4);
        p.status = s.text(5);
        p.attempts = s.i64(6);
        p.owner = s.text(7);
        p.overhead_seconds = s.opt_dbl(8);
        auto& r = p.result;
        r.status = p.status;
        r.run_status = s.text(9);
        r.stop_reason = s.text(10);
        r.error = s.text(11);
        r.steps = s.opt_i64(12);
        r.flow_time = s.opt_dbl(13);
        r.wall_seconds = s.opt_dbl(14);
        r.final_loss = s.opt_dbl(15);
        r.reconstruction_error = s.opt_dbl(16);
        r.test_error = s.opt_dbl(17);
        r.verdict = s.text(18);
        if (!s.null(19)) r.largest_first = s.i64(19) != 0;
        if (!s.null(20)) r.learning_times = json::parse(s.text(20));
        if (!s.null(21)) r.learning_order = json::parse(s.text(21));
        if (!s.null(22)) r.extra = json::parse(s.text(22));
        r.summary = s.text(23);
        out.push_back(std::move(p));
    }
    return out;
}

std::map<std::int64_t, std::int64_t> SweepStore::completions_per_point() {
    std::map<std::int64_t, std::int64_t> c;
    Stmt s(db_, "SELECT point_id, COUNT(*) FROM completions GROUP BY point_id", path_);
    while (s.step()) c[s.i64(0)] = s.i64(1);
    return c;
}

}  // namespace depthbias
