#include "depthbias/tasks/point_regression.hpp"

#include <cmath>
#include <sstream>

#include "depthbias/core/error.hpp"
#include "depthbias/tasks/data_file.hpp"
#include "depthbias/tasks/task_registry.hpp"

namespace depthbias {

namespace {
std::string num(double v) {
    std::ostringstream s;
    s.precision(10);
    s << v;
    return s.str();
}

// Jin & Montufar Figure 1 (wide_relu_spline.md 6.2): x = -2..2, y alternating 1.5, 0.5.
const std::vector<double> kFig1X{-2, -1, 0, 1, 2};
const std::vector<double> kFig1Y{1.5, 0.5, 1.5, 0.5, 1.5};

// The points file through the one user-data reader (tasks/data_file.hpp: exact numbers, finiteness, line numbers in
// errors), with an optional header; errors name task.points_file.
Points parse_csv(const std::string& path) {
    const char* key = "task.points_file";
    const DataTable t = read_data_file(path, CsvFormat{key, {"x", "y"}});
    if (t.columns.size() != 2)
        throw ConfigError(key, "'" + path + "': expected two columns x,y, got " + std::to_string(t.columns.size()));
    for (std::size_t j = 1; j < t.lines.size(); ++j) {
        const double x = t.values(Index(j), 0), prev = t.values(Index(j) - 1, 0);
        if (!(x > prev))
            throw ConfigError(key, "'" + path + "' line " + std::to_string(t.lines[j]) + ": x must be strictly increasing: x = " +
                                       num(x) + (x == prev ? " repeats" : " follows") + " x = " + num(prev) +
                                       (x == prev ? " (duplicate x)" : " (unsorted)"));
    }
    Points p{t.values.col(0), t.values.col(1)};
    try {
        validate_points(p, key, key);
    } catch (const ConfigError& e) {
        throw ConfigError(key, "'" + path + "': " + e.what());
    }
    return p;
}
}  // namespace

void validate_points(const Points& p, const std::string& key_x, const std::string& key_y) {
    if (p.x.size() != p.y.size())
        throw ConfigError(key_y, "has " + std::to_string(p.y.size()) + " values but there are " +
                                     std::to_string(p.x.size()) + " inputs x");
    if (p.x.size() < 2) throw ConfigError(key_x, "needs at least 2 points, got " + std::to_string(p.x.size()));
    for (Index j = 0; j < p.x.size(); ++j) {
        if (!std::isfinite(p.x(j))) throw ConfigError(key_x, "x[" + std::to_string(j) + "] is not finite");
        if (!std::isfinite(p.y(j))) throw ConfigError(key_y, "y[" + std::to_string(j) + "] is not finite");
        if (j > 0 && !(p.x(j) > p.x(j - 1)))
            throw ConfigError(key_x, "must be strictly increasing: x[" + std::to_string(j) + "] = " + num(p.x(j)) +
                                         (p.x(j) == p.x(j - 1) ? " repeats x[" : " is below x[") + std::to_string(j - 1) +
                                         "] = " + num(p.x(j - 1)) + (p.x(j) == p.x(j - 1) ? " (duplicate x)" : " (unsorted)"));
    }
}

Points read_points(const ExtraParams& extra) {
    const std::string file = extra.get<std::string>("task.points_file");
    if (!file.empty()) {
        if (extra.has("task.x") || extra.has("task.y"))
            throw ConfigError("task.points_file", "give the points either as task.points_file or as task.x / task.y, not both");
        return parse_csv(file);
    }
    const auto xs = extra.get<std::vector<double>>("task.x"), ys = extra.get<std::vector<double>>("task.y");
    Points p{Eigen::Map<const Vec>(xs.data(), Index(xs.size())), Eigen::Map<const Vec>(ys.data(), Index(ys.size()))};
    validate_points(p, "task.x", "task.y");
    return p;
}

PointRegression::PointRegression(Points p) : p_(std::move(p)) {
    validate_points(p_, "task.x", "task.y");
    target_ = p_.y;
    grid_ = Vec::LinSpaced(kGridPoints, p_.x(0), p_.x(p_.x.size() - 1));
}

double PointRegression::loss(const Predictor& p) const {
    return 0.5 * (p.beta.col(0) - p_.y).squaredNorm() / double(p_.y.size());
}

double PointRegression::loss_and_gradient(const Predictor& p, Predictor& g) const {
    const double m = double(p_.y.size());
    g.beta.col(0) = (p.beta.col(0) - p_.y) / m;
    g.offset = 0;
    return 0.5 * m * g.beta.col(0).squaredNorm();
}

namespace {

const bool keys = [] {
    register_extra_keys("task.kind", "points",
                        {{"task.x", "inputs x_j, strictly increasing (default: Jin & Montufar Fig. 1, -2..2)", kFig1X},
                         {"task.y", "targets y_j, one per x (default: Fig. 1, 1.5 0.5 1.5 0.5 1.5)", kFig1Y},
                         {"task.points_file", "CSV file with columns x,y (optional header); replaces task.x / task.y",
                          std::string()}});
    return true;
}();

const Registrar<TaskEntry> registration{{
    .name = "points",
    .doc = "regression on given points (x_j, y_j), scalar inputs; L = (1/M) sum 1/2 (f(x_j) - y_j)^2",
    .shape = PredictorShape::Samples,
    .uses = {},
    .validate = [](const TaskParams&, const ExtraParams& e) { (void)read_points(e); },
    .build = [](const TaskParams&, const ExtraParams& e, std::uint64_t) -> std::unique_ptr<Task> {
        return std::make_unique<PointRegression>(read_points(e));
    },
    .stored_numbers = [](const TaskParams&) { return 4.0 * PointRegression::kGridPoints; },
    .predictor_numbers = [](const TaskParams&) { return 64.0; },
    .spectrum_label = "prediction",
}};

}  // namespace
}  // namespace depthbias
