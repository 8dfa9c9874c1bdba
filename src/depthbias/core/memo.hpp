// Process-wide memo for deterministic results that depend only on data: reference solutions (an experiment's runs
// and its analysis ask for the same basis pursuit, min-l2 interpolator, max-margin direction or Q-program
// factorization many times: kernel-rich solved 5 LPs and 46 QR + COD factorizations of one X, fig1c 15 SVMs on 3
// data sets, before this memo, issue 10).
//   memoized<T>(key, compute): returns compute() for key, computed once per distinct key; memo_key(name, A, b)
//   makes a key from the name and the exact bytes of A's shape and entries and of b (optional), so equal data give
//   the same result bit for bit (compute must be deterministic). Thread safe: a request for a key being computed on another
//   thread waits for it; different keys compute concurrently. A compute() that throws is not remembered: the
//   exception goes to this caller and to the waiters, and a later request computes again.
//   Bounded: at most max_entries finished results of each type T are kept (oldest dropped first), so long-lived
//   processes (the Python module, sweeps over many data sets) do not grow without limit.
#pragma once
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <string>

#include "depthbias/core/types.hpp"

namespace depthbias {

namespace memo_detail {
inline void append_bytes(std::string& key, const double* p, Index n) {
    key.append(reinterpret_cast<const char*>(p), size_t(n) * sizeof(double));
}
// One store per result type (not per call site), shared by every memoized<T> call.
template <class T>
struct MemoStore {
    std::mutex mu;
    std::map<std::string, std::shared_future<T>> memo;
    std::deque<std::string> order;  // finished keys in insertion order, for the bound
    static MemoStore& instance() {
        static MemoStore store;
        return store;
    }
};
}  // namespace memo_detail

inline std::string memo_key(const char* name, const Mat& A, const Vec* b = nullptr) {
    std::string key(name);
    key.push_back('\0');
    const Index dims[3] = {A.rows(), A.cols(), b ? b->size() : Index(-1)};
    key.append(reinterpret_cast<const char*>(dims), sizeof dims);
    memo_detail::append_bytes(key, A.data(), A.size());
    if (b) memo_detail::append_bytes(key, b->data(), b->size());
    return key;
}

template <class T, class F>
T memoized(const std::string& key, F&& compute, size_t max_entries = 16) {
    auto& store = memo_detail::MemoStore<T>::instance();
    auto& mu = store.mu;
    auto& memo = store.memo;
    auto& order = store.order;
    std::promise<T> promise;
    {
        std::unique_lock<std::mutex> lock(mu);
        const auto it = memo.find(key);
        if (it != memo.end()) {
            std::shared_future<T> f = it->second;
            lock.unlock();
            return f.get();  // (waits when another thread is computing it)
        }
        memo.emplace(key, promise.get_future().share());
    }
    try {
        T value = compute();
        promise.set_value(value);
        std::lock_guard<std::mutex> lock(mu);
        order.push_back(key);
        while (order.size() > max_entries) {
            memo.erase(order.front());
            order.pop_front();
        }
        return value;
    } catch (...) {
        promise.set_exception(std::current_exception());
        std::lock_guard<std::mutex> lock(mu);
        memo.erase(key);
        throw;
    }
}

}  // namespace depthbias
