#include "depthbias/sweep/sweep_mpi.hpp"

#include <mpi.h>

#include <Eigen/Core>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <algorithm>

#include "depthbias/core/error.hpp"
#include "depthbias/sweep/point_runner.hpp"

namespace depthbias {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

enum Tag : int { kRequest = 1, kResult = 2, kAssign = 3, kStop = 4 };

std::set<int> g_stopped;  // worker ranks that were sent STOP (rank 0)

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

void send(const std::string& body, int dest, int tag) {
    MPI_Send(body.data(), int(body.size()), MPI_CHAR, dest, tag, MPI_COMM_WORLD);
}

// Sleeps between polls of an idle loop: 50 us after activity, doubling to 0.5 ms while nothing happens. Each
// MPI_Iprobe drives Open MPI's progress engine; polling every 100 us cost a waiting rank ~15 % of a core (measured:
// the P7 sweep took 1 s more CPU under mpirun than in the 2-worker pool), which the point-running threads lost.
class IdleBackoff {
public:
    void reset() { us_ = kMinUs; }
    void wait() {
        std::this_thread::sleep_for(std::chrono::microseconds(us_));
        us_ = std::min(us_ * 2, kMaxUs);
    }

private:
    static constexpr int kMinUs = 50, kMaxUs = 500;
    int us_ = kMinUs;
};

// Polls for a message (from `source` or any rank) with backed-off sleeps, so a waiting rank does not spin a core.
std::string receive(int source, int* tag, int* from, bool* got = nullptr, bool block = true) {
    MPI_Status st;
    int flag = 0;
    IdleBackoff idle;
    for (;;) {
        MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (flag) break;
        if (!block) {
            if (got) *got = false;
            return "";
        }
        idle.wait();
    }
    int n = 0;
    MPI_Get_count(&st, MPI_CHAR, &n);
    std::string buf(size_t(n), '\0');
    MPI_Recv(buf.data(), n, MPI_CHAR, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    *tag = st.MPI_TAG;
    *from = st.MPI_SOURCE;
    if (got) *got = true;
    return buf;
}

void print_point(std::int64_t done, std::int64_t total, const std::string& label, const PointResult& r,
                 const std::string& owner) {
    std::string what = r.status;
    if (r.status == "failed")
        what += ": " + r.error;
    else if (r.wall_seconds)
        what += " (" + r.run_status + ", " + std::to_string(*r.wall_seconds).substr(0, 6) + " s)";
    std::printf("[%lld/%lld] %s: %s [%s]\n", static_cast<long long>(done), static_cast<long long>(total),
                label.c_str(), what.c_str(), owner.c_str());
    std::fflush(stdout);
}

}  // namespace

bool MpiSession::launched_by_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
        if (std::getenv(v)) return true;
    return false;
}

MpiSession::MpiSession() {
    if (!launched_by_mpi()) return;
    // One rank (`mpirun -n 1`): MPI is not initialized at all, so that the sweep's ordinary process pool may
    // fork (Open MPI does not support fork after MPI_Init). The launcher announces the world size.
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
        if (const char* n = std::getenv(v); n && std::string(n) == "1") return;
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    active_ = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
    if (active_) MPI_Finalize();
}

int run_mpi_worker(const MpiSession& mpi) {
    Eigen::setNbThreads(1);  // one point per rank, single-threaded
    const std::string owner = process_owner(mpi.rank());
    send(json{{"owner", owner}}.dump(), 0, kRequest);
    auto free_since = Clock::now();
    for (;;) {
        int tag = 0, from = 0;
        const std::string body = receive(0, &tag, &from);
        if (tag == kStop) break;
        if (tag != kAssign) continue;
        const json a = json::parse(body);
        const auto start = Clock::now();
        const double overhead = seconds(free_since, start);
        const std::string dir = (fs::path(a["dir"].get<std::string>())).string();
        const PointKindEntry& kind = point_kind(a.value("kind", std::string(kDefaultPointKind)), "kind");
        const PointResult r = kind.run(a["config"].get<std::string>(), dir,
                                       a["metrics"].get<std::vector<std::string>>(), a["figures"].get<bool>());
        free_since = Clock::now();
        send(json{{"id", a["id"]}, {"result", to_json(r)}, {"overhead", overhead}}.dump(), 0, kResult);
    }
    return 0;
}

void stop_mpi_workers(const MpiSession& mpi) {
    if (!mpi.active() || mpi.rank() != 0) return;
    for (int r = 1; r < mpi.size(); ++r) {
        if (g_stopped.count(r)) continue;
        int tag = 0, from = 0;
        (void)receive(r, &tag, &from);  // its REQUEST or RESULT (a result is dropped: recovered on resume)
        send("", r, kStop);
        g_stopped.insert(r);
    }
}

std::int64_t run_mpi_coordinator(const MpiSession& mpi, SweepStore& store, const MpiCoordinatorOptions& opt) {
    std::deque<ClaimedPoint> queue;
    for (auto& p : store.pending_points()) queue.push_back(std::move(p));
    const auto counts = store.counts();
    std::int64_t total = 0, finished = 0;
    for (const auto& [k, v] : counts) total += v;
    finished = total - counts.at("pending") - counts.at("running");
    std::int64_t recorded = 0;
    std::map<int, std::string> owners;
    std::map<int, ClaimedPoint> assigned;  // rank -> its point
    const std::string root_owner = process_owner(0);

    auto record = [&](const ClaimedPoint& p, const std::string& owner, const PointResult& r, double overhead) {
        if (store.complete(p.id, owner, r, overhead)) {
            ++recorded;
            ++finished;
            if (!opt.quiet) print_point(finished, total, p.label, r, owner);
        }
    };
    auto next_point = [&](const std::string& owner) -> std::optional<ClaimedPoint> {
        while (!queue.empty()) {
            ClaimedPoint p = queue.front();
            queue.pop_front();
            if (store.mark_running(p.id, owner)) return p;
        }
        return std::nullopt;
    };
    auto assign_or_stop = [&](int r) {
        if (auto p = next_point(owners[r])) {
            assigned[r] = *p;
            send(json{{"id", p->id},
                      {"hash", p->hash},
                      {"label", p->label},
                      {"kind", opt.kind},
                      {"config", p->config},
                      {"dir", (fs::path(points_dir(opt.out)) / p->hash).string()},
                      {"metrics", opt.metrics},
                      {"figures", opt.figures}}
                     .dump(),
                 r, kAssign);
        } else {
            assigned.erase(r);
            send("", r, kStop);
            g_stopped.insert(r);
        }
    };

    // The local worker (rank 0's second thread): runs one point at a time, never touches MPI or the store.
    struct Local {
        ClaimedPoint point;
        std::future<std::pair<PointResult, Clock::time_point>> result;
        double overhead = 0;
    };
    std::optional<Local> local;
    auto local_free_since = Clock::now();
    auto start_local = [&]() {
        if (!opt.local_worker) return;
        auto p = next_point(root_owner);
        if (!p) return;
        Local l;
        l.point = *p;
        l.overhead = seconds(local_free_since, Clock::now());
        const std::string dir = (fs::path(points_dir(opt.out)) / p->hash).string();
        const PointKindEntry* kind = &point_kind(opt.kind, "kind");
        l.result = std::async(std::launch::async, [kind, cfg = p->config, dir, metrics = opt.metrics, fig = opt.figures]() {
            PointResult r = kind->run(cfg, dir, metrics, fig);
            return std::make_pair(std::move(r), Clock::now());
        });
        local = std::move(l);
    };

    start_local();
    IdleBackoff idle;
    for (;;) {
        bool progressed = false;
        int tag = 0, from = 0;
        bool got = false;
        const std::string body = receive(MPI_ANY_SOURCE, &tag, &from, &got, false);
        if (got) {
            progressed = true;
            if (tag == kRequest) {
                owners[from] = json::parse(body).value("owner", "rank " + std::to_string(from));
                assign_or_stop(from);
            } else if (tag == kResult) {
                const json j = json::parse(body);
                auto it = assigned.find(from);
                if (it == assigned.end() || it->second.id != j["id"].get<std::int64_t>())
                    throw IoError("MPI coordinator: rank " + std::to_string(from) + " returned point " +
                                  j["id"].dump() + " that it was not assigned");
                record(it->second, owners[from], point_result_from_json(j["result"]), j["overhead"].get<double>());
                assign_or_stop(from);
            }
        }
        if (local && local->result.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
            auto [r, end] = local->result.get();
            record(local->point, root_owner, r, local->overhead);
            local.reset();
            local_free_since = end;
            progressed = true;
        }
        if (!local) start_local();
        if (!local && int(g_stopped.size()) == mpi.size() - 1) break;
        if (progressed)
            idle.reset();
        else
            idle.wait();
    }
    return recorded;
}

}  // namespace depthbias
