// Regression on user-given points (x_j, y_j), j = 1..M, scalar inputs (wide_relu_spline.md 1.2): the predictor is
// the vector of model outputs f(x_j) at the sample inputs (PredictorShape::Samples, M x 1), the loss the paper's
// L = (1/M) sum_j 1/2 (f(x_j) - y_j)^2, so dL/df_j = (f_j - y_j) / M. The points come from task.x / task.y
// (inline lists; default: the data of Jin & Montufar Figure 1) or task.points_file (a CSV with columns x,y and an
// optional header line). x must be strictly increasing (unsorted or duplicate x is a ConfigError naming the key
// or the file and line). grid() is the evaluation grid of function-space comparisons: 401 equispaced points on
// [x_1, x_M] (the data hull, where the implicit-bias statements hold). Thread safety: see tasks/task.hpp.
#pragma once
#include <memory>
#include <string>

#include "depthbias/core/extra_params.hpp"
#include "depthbias/tasks/task.hpp"

namespace depthbias {

struct Points {
    Vec x, y;
};

// The points a config names (task.points_file or task.x / task.y), validated; ConfigError naming the key.
Points read_points(const ExtraParams& extra);
// Checks that x is strictly increasing, finite, same length as y, M >= 2; `where` names the key or file.
void validate_points(const Points& p, const std::string& key_x, const std::string& key_y);

class PointRegression : public Task {
public:
    static constexpr Index kGridPoints = 401;
    explicit PointRegression(Points p);
    std::string name() const override { return "points"; }
    Index rows() const override { return p_.x.size(); }
    Index cols() const override { return 1; }
    const Mat& target() const override { return target_; }
    SpectrumKind spectrum_kind() const override { return SpectrumKind::Coordinates; }
    double loss(const Predictor& p) const override;
    double loss_and_gradient(const Predictor& p, Predictor& g) const override;

    const Vec& inputs() const { return p_.x; }
    const Vec& labels() const { return p_.y; }
    const Vec& grid() const { return grid_; }

private:
    Points p_;
    Mat target_;
    Vec grid_;
};

}  // namespace depthbias
