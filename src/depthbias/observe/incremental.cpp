#include "depthbias/observe/incremental.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace depthbias {

IncrementalReport analyze_incremental(const LearningEventDetector& ev, double eps) {
    IncrementalReport r;
    r.epsilon = eps;
    const int n = int(ev.targets().size());
    for (int i = 0; i < n; ++i) {
        r.t_start.push_back(ev.time_of(i, eps));
        r.t_half.push_back(ev.time_of(i, 0.5));
        r.t_done.push_back(ev.time_of(i, 1 - eps));
    }
    r.order.resize(size_t(n));
    std::iota(r.order.begin(), r.order.end(), 0);
    std::stable_sort(r.order.begin(), r.order.end(), [&](int a, int b) { return r.t_half[a] < r.t_half[b]; });
    r.largest_first = std::is_sorted(r.order.begin(), r.order.end());
    bool all_pass = true, all_done = true;
    for (int i = 0; i + 1 < n; ++i) {
        PairVerdict p{i, i + 1, r.t_done[size_t(i)], r.t_start[size_t(i + 1)], false};
        p.incremental = p.t_second_start >= p.t_first_done && std::isfinite(p.t_first_done);
        // A pair whose first component never finished and whose second never started is undecided, not overlapping.
        const bool undecided = !std::isfinite(p.t_first_done) && !std::isfinite(p.t_second_start);
        if (!p.incremental && !undecided) all_pass = false;
        r.pairs.push_back(p);
    }
    for (int i = 0; i < n; ++i) all_done = all_done && std::isfinite(r.t_done[size_t(i)]);
    r.verdict = !all_pass ? "not incremental" : (all_done ? "incremental" : "incomplete");
    return r;
}

}  // namespace depthbias
