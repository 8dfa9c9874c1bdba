// The order in which coordinates of a vector predictor first exceed a threshold (signed: beta_i > threshold),
// as the authors' OMP comparison defines "chosen" (gissin.md 3.5). Checked at every step.
#pragma once
#include <cstdint>
#include <limits>
#include <vector>

#include "depthbias/core/state_io.hpp"

#include "depthbias/dynamics/trajectory.hpp"

namespace depthbias {

class ActivationOrder {
public:
    explicit ActivationOrder(double threshold) : threshold_(threshold) {}
    void observe(const StepView& v) {
        const auto& b = v.predictor.beta;
        if (active_.empty()) {  // sized once: no allocation per step
            active_.assign(size_t(b.size()), 0);
            bar_.assign(size_t(b.size()), threshold_);
            order_.reserve(size_t(b.size()));
            times_.reserve(size_t(b.size()));
        }
        // A branch-free (vectorized) pass first: any coordinate above its bar (threshold_ while inactive, +inf
        // once active)? Only then the exact scan (a scan per step was 5% of the omp preset's step, issue 10).
        const double* p = b.data();
        const double* bar = bar_.data();
        const Index n = b.size();
        std::int64_t above = 0;  // (an integer count vectorizes; a bool |= or a double sum did not)
        for (Index i = 0; i < n; ++i) above += p[i] > bar[i];
        if (above == 0) return;
        for (Index i = 0; i < n; ++i)
            if (p[i] > threshold_ && !active_[size_t(i)]) {
                active_[size_t(i)] = 1;
                bar_[size_t(i)] = std::numeric_limits<double>::infinity();
                order_.push_back(int(i));
                times_.push_back(v.time);
            }
    }
    const std::vector<int>& order() const { return order_; }
    const std::vector<double>& times() const { return times_; }
    // Checkpoints: the coordinates activated so far, in order, and their times.
    nlohmann::json save_state() const {
        std::vector<double> order(order_.begin(), order_.end());
        return {{"order", state::of(order)}, {"times", state::of(times_)}, {"size", active_.size()}};
    }
    void restore_state(const nlohmann::json& s) {
        const auto order = state::vector_of<double>(s, "order");
        times_ = state::vector_of<double>(s, "times");
        const long n = state::integer(s, "size");
        if (times_.size() != order.size() || n < 0) throw IoError("checkpoint: the activation order is inconsistent");
        active_.assign(size_t(n), 0);
        bar_.assign(size_t(n), threshold_);
        order_.clear();
        order_.reserve(size_t(n));
        times_.reserve(size_t(n));
        for (double o : order) {
            if (!(o >= 0 && o < double(n))) throw IoError("checkpoint: an activated coordinate is out of range");
            order_.push_back(int(o));
            active_[size_t(o)] = 1;
            bar_[size_t(o)] = std::numeric_limits<double>::infinity();
        }
    }

private:
    double threshold_;
    std::vector<char> active_;
    std::vector<double> bar_;  // threshold_ for inactive coordinates, +inf for active ones
    std::vector<int> order_;
    std::vector<double> times_;
};

}  // namespace depthbias
