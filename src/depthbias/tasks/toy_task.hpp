// The decoupled toy task (gissin.md 1.2): L(beta) = 1/2 ||beta - beta*||^2, beta a d x 1 vector with
// d = number of target values. Under gradient flow each coordinate follows the closed forms of
// analysis/toy_theory.hpp with c = rate_constant(form, N).
#pragma once
#include <memory>
#include <vector>

#include "depthbias/tasks/task.hpp"

namespace depthbias {

class ToyTask final : public Task {
public:
    explicit ToyTask(const std::vector<double>& target_values);
    std::string name() const override { return "toy"; }
    Index rows() const override { return target_.rows(); }
    Index cols() const override { return 1; }
    const Mat& target() const override { return target_; }
    SpectrumKind spectrum_kind() const override { return SpectrumKind::Coordinates; }
    std::vector<double> target_spectrum() const override;
    double loss(const Predictor& p) const override { return 0.5 * (p.beta - target_).squaredNorm(); }
    double loss_and_gradient(const Predictor& p, Predictor& g) const override {
        g.beta.noalias() = p.beta - target_;
        g.offset = 0;
        return 0.5 * g.beta.squaredNorm();
    }

private:
    Mat target_;
};

}  // namespace depthbias
