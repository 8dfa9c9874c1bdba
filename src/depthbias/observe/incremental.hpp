// The epsilon-incremental test and learning order of a run (gissin.md 2.2, working definition W-IL):
// consecutive components i < j = i+1 (targets sorted descending) form an incremental pair when
// t_j(eps) >= t_i(1 - eps). A component that never reaches a level has time +infinity there.
// Verdict: "incremental" (every pair passes and every component reached 1-eps), "not incremental"
// (some pair overlaps), or "incomplete" (no overlap seen, but some component never reached 1-eps).
#pragma once
#include <string>
#include <vector>

#include "depthbias/observe/learning_events.hpp"

namespace depthbias {

struct PairVerdict {
    int first, second;  // 0-based components
    double t_first_done;     // t_first(1 - eps)
    double t_second_start;   // t_second(eps)
    bool incremental;
};

struct IncrementalReport {
    double epsilon;
    std::vector<double> t_start, t_half, t_done;  // per component: t(eps), t(1/2), t(1 - eps)
    std::vector<int> order;                       // components sorted by t(1/2) (unlearned last)
    bool largest_first;                           // order == 0, 1, 2, ...
    std::vector<PairVerdict> pairs;
    std::string verdict;
};

IncrementalReport analyze_incremental(const LearningEventDetector& events, double epsilon);

}  // namespace depthbias
