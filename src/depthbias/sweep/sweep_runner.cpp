#include "depthbias/sweep/sweep_runner.hpp"

#include <Eigen/Core>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <filesystem>
#include <map>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "depthbias/core/error.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/sweep/point_runner.hpp"
#include "depthbias/sweep/sweep_report.hpp"
#include "depthbias/sweep/sweep_store.hpp"

namespace depthbias {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// flock() on <out>/sweep.lock: one coordinator per sweep directory. The lock belongs to the open file, which
// forked pool workers share, so it is released only when the coordinator and all its workers are gone.
class SweepLock {
public:
    explicit SweepLock(const std::string& out) {
        const std::string path = (fs::path(out) / "sweep.lock").string();
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) throw IoError("cannot open " + path + ": " + std::strerror(errno));
        // A coordinator killed a moment ago may still have workers exiting: wait a little for them.
        const auto deadline = Clock::now() + std::chrono::seconds(15);
        while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) throw IoError("cannot lock " + path + ": " + std::strerror(errno));
            if (Clock::now() > deadline) {
                char buf[256] = {0};
                const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
                ::close(fd_);
                throw IoError("another depthbias sweep (" + std::string(buf, n > 0 ? size_t(n) : 0) +
                              ") is running in " + out + "; wait for it or stop it first");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        const std::string me = process_owner();
        if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, me.data(), me.size(), 0);
    }
    ~SweepLock() {
        if (fd_ >= 0) ::close(fd_);  // releases the lock (forked workers have exited by then)
    }

private:
    int fd_ = -1;
};

// Cores this process may run on (the affinity mask: a Slurm or taskset limit), at least 1.
int usable_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    return int(std::max(1u, std::thread::hardware_concurrency()));
}

struct PoolSettings {
    const PointKindEntry* kind;
    std::string db, out;
    std::vector<std::string> metrics;
    bool figures = false, quiet = false;
};

int pool_worker(const PoolSettings& s) {
    SweepStore store(s.db);
    const std::string owner = process_owner();
    const long long total = std::atoll(store.meta("points").c_str());
    auto free_since = Clock::now();
    while (auto c = store.claim(owner)) {
        const auto start = Clock::now();
        const double overhead = std::chrono::duration<double>(start - free_since).count();
        const PointResult r = s.kind->run(c->config, (fs::path(points_dir(s.out)) / c->hash).string(), s.metrics,
                                          s.figures);
        free_since = Clock::now();
        if (!store.complete(c->id, owner, r, overhead))
            std::fprintf(stderr, "depthbias sweep: point %s was taken from worker %s before it finished\n",
                         c->label.c_str(), owner.c_str());
        if (!s.quiet) {
            std::string what = r.status;
            if (r.status == "failed") what += ": " + r.error;
            else if (r.wall_seconds) what += " (" + r.run_status + ", " + std::to_string(*r.wall_seconds).substr(0, 6) + " s)";
            std::string progress;
            if (total <= 20000) {  // counting scans the table: only for sweeps of moderate size
                auto n = store.counts();
                progress = "[" + std::to_string(n["done"] + n["failed"] + n["diverged"]) + "/" + std::to_string(total) + "] ";
            }
            std::printf("%s%s: %s [%s]\n", progress.c_str(), c->label.c_str(), what.c_str(), owner.c_str());
            std::fflush(stdout);
        }
    }
    return 0;
}

// Forks `workers` processes that claim points until none is pending. A worker that dies from a signal has its
// point recorded as failed (the sweep goes on with a fresh worker); one that exits with an error releases its
// point to pending. Returns the number of workers that exited with an error.
int run_pool(const PoolSettings& s, int workers) {
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t parent = getpid();
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    std::map<pid_t, std::string> children;
    auto spawn = [&]() {
        const pid_t pid = fork();
        if (pid < 0) throw IoError(std::string("cannot start a sweep worker: fork: ") + std::strerror(errno));
        if (pid == 0) {
            int code = 1;
            try {
                ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // die with the coordinator (kill -9 included)
                if (getppid() != parent) _exit(1);
                code = pool_worker(s);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "depthbias sweep worker %d: %s\n", int(getpid()), e.what());
            }
            std::fflush(stdout);
            std::fflush(stderr);
            _exit(code);
        }
        children[pid] = std::string(host) + ":" + std::to_string(pid);
    };
    for (int i = 0; i < workers; ++i) spawn();
    int errors = 0, respawns = 0;
    while (!children.empty()) {
        int st = 0;
        const pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            throw IoError(std::string("waiting for sweep workers: ") + std::strerror(errno));
        }
        auto it = children.find(pid);
        if (it == children.end()) continue;
        const std::string owner = it->second;
        children.erase(it);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) continue;
        std::int64_t pending = 0;
        {
            SweepStore store(s.db);
            if (WIFSIGNALED(st)) {
                const int sig = WTERMSIG(st);
                store.release_owner(owner, true,
                                    "the worker process running this point died from signal " + std::to_string(sig) +
                                        " (" + strsignal(sig) + ")");
                std::fprintf(stderr, "depthbias sweep: worker %s died from signal %d (%s); its point is recorded "
                                     "as failed\n", owner.c_str(), sig, strsignal(sig));
            } else {
                store.release_owner(owner, false, "");
                ++errors;
            }
            pending = store.counts()["pending"];
        }  // no store connection may cross fork()
        if (WIFSIGNALED(st) && pending > 0 && respawns < 4 * workers + 4) {
            ++respawns;
            spawn();
        }
    }
    return errors;
}

}  // namespace

std::string default_sweep_out(const SweepSpec& spec) { return "sweeps/" + slug(spec.name); }

int run_sweep(const SweepSpec& spec, const SweepOptions& opt, const MpiSession& mpi) {
    Eigen::setNbThreads(1);  // sweeps parallelize across points, never inside one
    const bool distributed = mpi.active() && mpi.size() > 1;
    if (opt.out.empty()) throw ConfigError("--out", "an output directory is required");
    const std::string out = fs::absolute(opt.out).lexically_normal().string();
    const auto points = expand_sweep(spec);  // every point validated before anything is written
    prepare_output_directory(out, "--out", true);
    SweepLock lock(out);
    const std::string db = store_path(out);

    std::int64_t pending = 0;
    int pool_workers = 1;
    {
        SweepStore store(db);
        store.initialize(spec, points, "--out");
        write_file_atomically((fs::path(out) / "sweep.toml").string(), spec.definition);
        const auto rec = store.recover_interrupted(points_dir(out), opt.max_attempts, spec.metrics);
        if (rec.reset + rec.recovered + rec.abandoned > 0)
            std::printf("resuming: %d interrupted point(s) back to pending, %d recorded from their finished run "
                        "directory, %d abandoned as failed\n", rec.reset, rec.recovered, rec.abandoned);
        if (opt.retry_failed) {
            const int n = store.retry_failed();
            if (n) std::printf("retrying %d failed point(s)\n", n);
        }
        auto c = store.counts();
        pending = c["pending"];
        const std::int64_t finished = c["done"] + c["failed"] + c["diverged"];
        const int workers = distributed ? mpi.size() - (opt.dedicated_coordinator ? 1 : 0)
                                        : int(std::min<std::int64_t>(
                                              std::max<std::int64_t>(pending, 1),
                                              opt.workers > 0 ? opt.workers : usable_cores()));
        std::printf("sweep %s: %lld points, %lld finished before, %lld to run on %d %s -> %s\n", spec.name.c_str(),
                    static_cast<long long>(points.size()), static_cast<long long>(finished),
                    static_cast<long long>(pending), workers,
                    distributed ? (opt.dedicated_coordinator ? "MPI worker ranks (rank 0 coordinates)"
                                                              : "MPI ranks (rank 0 also coordinates)")
                                : (workers == 1 ? "worker" : "workers"),
                    out.c_str());
        std::fflush(stdout);
        if (distributed) {
            MpiCoordinatorOptions mo;
            mo.out = out;
            mo.kind = spec.kind->name;
            mo.metrics = spec.metrics;
            mo.figures = spec.point_figures;
            mo.local_worker = !opt.dedicated_coordinator || mpi.size() == 1;
            mo.quiet = opt.quiet;
            run_mpi_coordinator(mpi, store, mo);
        }
        pool_workers = distributed ? 0 : workers;
    }  // the coordinator's connection is closed here: no store connection may cross fork()
    int worker_errors = 0;
    if (!distributed && pending > 0) {
        PoolSettings ps{spec.kind, db, out, spec.metrics, spec.point_figures, opt.quiet};
        worker_errors = run_pool(ps, pool_workers);
    }

    SweepStore store(db);
    auto c = store.counts();
    const bool complete = c["pending"] == 0 && c["running"] == 0;
    std::printf("sweep %s: %lld done, %lld diverged, %lld failed, %lld pending\n", spec.name.c_str(),
                static_cast<long long>(c["done"]), static_cast<long long>(c["diverged"]),
                static_cast<long long>(c["failed"]), static_cast<long long>(c["pending"] + c["running"]));
    if (opt.report) {
        const SweepReport rep = write_sweep_report(out, true);
        std::printf("table: %s (result digest %s)\n", rep.csv.c_str(), rep.digest.c_str());
        for (const auto& f : rep.figures) std::printf("figure: %s\n", (fs::path(out) / f.png).string().c_str());
        for (const auto& n : rep.notes) std::printf("note: %s\n", n.c_str());
    }
    if (c["failed"] > 0) {
        std::printf("some points failed: their error is in the 'error' column of sweep.csv (rerun with "
                    "--retry-failed to try them again)\n");
    }
    std::fflush(stdout);
    if (worker_errors > 0 || !complete) {
        std::fprintf(stderr, "depthbias: error: the sweep did not finish (%d worker(s) stopped with an error; %lld "
                             "point(s) left); rerun the same command to resume\n",
                     worker_errors, static_cast<long long>(c["pending"] + c["running"]));
        return 1;
    }
    if (c["failed"] > 0) return 1;
    if (c["diverged"] > 0) return 3;
    return 0;
}

}  // namespace depthbias
