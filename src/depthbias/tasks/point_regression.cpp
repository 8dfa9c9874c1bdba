#include "depthbias/tasks/point_regression.hpp"

#include <cmath>
#include <sstream>

#include "depthbias/core/error.hpp"
#include "depthbias/io/read_file.hpp"
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

Points parse_csv(const std::string& path) {
    const std::string text = read_user_file(path, "task.points_file", "points file");
    std::vector<double> xs, ys;
    std::stringstream in(text);
    int lineno = 0;
    for (std::string line; std::getline(in, line);) {
        ++lineno;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const size_t comma = line.find(',');
        const std::string where = "'" + path + "' line " + std::to_string(lineno) + ": ";
        if (comma == std::string::npos) throw ConfigError("task.points_file", where + "expected two columns x,y, got '" + line + "'");
        const std::string a = line.substr(0, comma), b = line.substr(comma + 1);
        double x = 0, y = 0;
        try {
            size_t ea = 0, eb = 0;
            x = std::stod(a, &ea);
            y = std::stod(b, &eb);
            if (a.find_first_not_of(" \t", ea) != std::string::npos || b.find_first_not_of(" \t", eb) != std::string::npos)
                throw std::invalid_argument("trailing text");
        } catch (const std::exception&) {
            if (lineno == 1 && xs.empty()) continue;  // a header line
            throw ConfigError("task.points_file", where + "'" + line + "' is not two numbers x,y");
        }
        if (!xs.empty() && !(x > xs.back()))
            throw ConfigError("task.points_file", where + "x must be strictly increasing: x = " + num(x) + (x == xs.back() ? " repeats" : " follows") +
                                         " x = " + num(xs.back()) + (x == xs.back() ? " (duplicate x)" : " (unsorted)"));
        xs.push_back(x);
        ys.push_back(y);
    }
    Points p{Eigen::Map<const Vec>(xs.data(), Index(xs.size())), Eigen::Map<const Vec>(ys.data(), Index(ys.size()))};
    try {
        validate_points(p, "task.points_file", "task.points_file");
    } catch (const ConfigError& e) {
        throw ConfigError("task.points_file", "'" + path + "': " + e.what());
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
