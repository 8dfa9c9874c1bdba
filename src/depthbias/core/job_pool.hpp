// JobPool: runs independent jobs 0..n-1 on up to `threads` threads (the calling thread when 1), in a given start
// order; the one pool of every experiment (linear variants, deep-net runs). After the first job that throws, no
// new job starts; the running ones finish and the error of the lowest-numbered failed job is rethrown (the same
// error for any thread count when one job fails). A thread
// that cannot be started is tolerated while at least one runs (the running ones drain the queue).
// Jobs must not share mutable state except through their own synchronization.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <numeric>
#include <thread>
#include <vector>

namespace depthbias {

// The number of threads to use for n jobs: `requested` (<= 0: one per hardware thread), at most n, at least 1.
inline int resolve_jobs(int requested, std::size_t n) {
    int j = requested > 0 ? requested : int(std::max(1u, std::thread::hardware_concurrency()));
    return int(std::max<std::size_t>(1, std::min<std::size_t>(std::size_t(j), std::max<std::size_t>(n, 1))));
}

// Runs job(i) for every i in `order` (a permutation of 0..n-1; empty: 0..n-1) on `threads` threads.
inline void run_jobs(std::size_t n, int threads, std::vector<std::size_t> order, const std::function<void(std::size_t)>& job) {
    if (order.empty()) {
        order.resize(n);
        std::iota(order.begin(), order.end(), std::size_t(0));
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::vector<std::exception_ptr> errors(n);
    auto worker = [&] {
        for (std::size_t k; !failed && (k = next++) < n;) {
            try {
                job(order[k]);
            } catch (...) {
                errors[order[k]] = std::current_exception();
                failed = true;
            }
        }
    };
    threads = resolve_jobs(threads, n);
    if (threads == 1) {
        worker();
    } else {
        std::vector<std::thread> pool;
        try {
            for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
        } catch (...) {  // no more threads: the started ones drain the queue (at least one, or rethrow)
            if (pool.empty()) throw;
        }
        for (auto& t : pool) t.join();
    }
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace depthbias
