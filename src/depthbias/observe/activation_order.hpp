// The order in which coordinates of a vector predictor first exceed a threshold (signed: beta_i > threshold),
// as the authors' OMP comparison defines "chosen" (gissin.md 3.5). Checked at every step.
#pragma once
#include <vector>

#include "depthbias/dynamics/trajectory.hpp"

namespace depthbias {

class ActivationOrder {
public:
    explicit ActivationOrder(double threshold) : threshold_(threshold) {}
    void observe(const StepView& v) {
        const auto& b = v.predictor.beta;
        if (active_.empty()) active_.assign(size_t(b.size()), false);
        for (Index i = 0; i < b.size(); ++i)
            if (!active_[size_t(i)] && b.data()[i] > threshold_) {
                active_[size_t(i)] = true;
                order_.push_back(int(i));
                times_.push_back(v.time);
            }
    }
    const std::vector<int>& order() const { return order_; }
    const std::vector<double>& times() const { return times_; }

private:
    double threshold_;
    std::vector<bool> active_;
    std::vector<int> order_;
    std::vector<double> times_;
};

}  // namespace depthbias
