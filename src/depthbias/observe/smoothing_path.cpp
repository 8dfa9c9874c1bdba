#include "depthbias/observe/smoothing_path.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "depthbias/analysis/references/spline.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/models/function_model.hpp"
#include "depthbias/models/init_laws.hpp"
#include "depthbias/observe/observer.hpp"
#include "depthbias/tasks/point_regression.hpp"

namespace depthbias {
namespace {

constexpr const char* kKey = "task.smoothing_path";

struct Record {
    long step;
    double time, lambda, gap, norm;
    bool in_window;
    Vec f;
};

class SmoothingPath final : public Observer {
public:
    SmoothingPath(const ObserverContext& c, const ScalarFunctionModel& m, const PointRegression& t, double lo, double hi)
        : model_(m), task_(t), schedule_(recording_schedule(c)), lo_(lo), hi_(hi) {
        const InitLaw law = init_law(c.model_params->init, c.model_params->shape);
        const refs::Zeta zeta{[law](double x) { return law.zeta(x); }, law.entry->kinks(law.sw, law.sb)};
        const Vec& x = t.inputs();
        const Vec& grid = t.grid();
        const Index m_pts = x.size(), g = grid.size();
        affine_ = m.free_affine();
        const auto kernel = affine_ ? refs::curvature_kernel(zeta, x(0)) : refs::relu_limit_kernel(zeta);
        Mat kd(m_pts, m_pts), kg(g, m_pts);
        for (Index i = 0; i < m_pts; ++i)
            for (Index j = 0; j < m_pts; ++j) kd(i, j) = kernel(x(i), x(j));
        for (Index i = 0; i < g; ++i)
            for (Index j = 0; j < m_pts; ++j) kg(i, j) = kernel(grid(i), x(j));
        for (double l = -8; l <= 4 + 1e-9; l += 0.02) lambdas_.push_back(std::pow(10.0, l));
        table_.resize(g, Index(lambdas_.size()));
        const Index b = affine_ ? m_pts + 2 : m_pts;
        for (size_t k = 0; k < lambdas_.size(); ++k) {
            Mat big = Mat::Zero(b, b);
            big.topLeftCorner(m_pts, m_pts) = kd;
            big.topLeftCorner(m_pts, m_pts).diagonal().array() += lambdas_[k];
            Vec rhs = Vec::Zero(b);
            rhs.head(m_pts) = t.labels();
            if (affine_) {
                big.block(0, m_pts, m_pts, 1).setOnes();
                big.block(0, m_pts + 1, m_pts, 1) = x;
                big.block(m_pts, 0, 1, m_pts).setOnes();
                big.block(m_pts + 1, 0, 1, m_pts) = x.transpose();
            }
            const Vec sol = big.colPivHouseholderQr().solve(rhs);
            Vec col = kg * sol.head(m_pts);
            if (affine_) col.array() += sol(m_pts) + sol(m_pts + 1) * grid.array();
            table_.col(Index(k)) = col;
        }
        width_ = double(c.extra->get<std::int64_t>("model.width"));
    }

    StepAction observe(const StepView& v) override {
        if (!(v.time >= next_) && !v.final) return StepAction::Continue;
        next_ = schedule_.next_after(v.time);
        if (!records_.empty() && records_.back().step == v.step) return StepAction::Continue;
        Record r{v.step, v.time, 0, 0, 0, v.time >= lo_ * (1 - 1e-12) && v.time <= hi_ * (1 + 1e-12), Vec()};
        model_.evaluate(v.theta, task_.grid(), r.f);
        if (!r.f.allFinite()) return StepAction::Continue;
        const Index best = nearest(r.f, r.gap);
        r.lambda = lambdas_[size_t(best)];
        r.norm = r.f.norm() / std::sqrt(double(r.f.size()));
        r.gap /= std::sqrt(double(r.f.size()));
        records_.push_back(std::move(r));
        return StepAction::Continue;
    }

    void finish(const ObserverReport& rep) override {
        if (!rep.finished || !rep.summary.final) return;
        std::ostringstream csv;
        csv << std::setprecision(12) << "step,time,lambda_star,lambda_star_t,rms_gap,rms_f,in_window\n";
        std::vector<const Record*> win;
        for (const auto& r : records_) {
            csv << r.step << "," << r.time << "," << r.lambda << "," << r.lambda * r.time << "," << r.gap << ","
                << r.norm << "," << (r.in_window ? 1 : 0) << "\n";
            if (r.in_window && r.time > 0) win.push_back(&r);
        }
        write_file_atomically(rep.dir + "/smoothing_path.csv", csv.str());
        // functions at up to 6 log-spaced window records
        std::vector<const Record*> shown;
        if (!win.empty()) {
            const double a = std::log(win.front()->time), b = std::log(win.back()->time);
            for (int k = 0; k < 6; ++k) {
                const double target = win.size() == 1 ? a : a + (b - a) * k / 5.0;
                const Record* best = win.front();
                for (const Record* r : win)
                    if (std::abs(std::log(r->time) - target) < std::abs(std::log(best->time) - target)) best = r;
                if (std::find(shown.begin(), shown.end(), best) == shown.end()) shown.push_back(best);
            }
        }
        std::ostringstream fcsv;
        fcsv << std::setprecision(12) << "x";
        for (const Record* r : shown) fcsv << ",network_t" << r->time << ",spline_lambda" << r->lambda;
        fcsv << "\n";
        for (Index i = 0; i < task_.grid().size(); ++i) {
            fcsv << task_.grid()(i);
            for (const Record* r : shown) {
                const size_t k = size_t(std::find(lambdas_.begin(), lambdas_.end(), r->lambda) - lambdas_.begin());
                fcsv << "," << r->f(i) << "," << table_(i, Index(k));
            }
            fcsv << "\n";
        }
        write_file_atomically(rep.dir + "/smoothing_path_functions.csv", fcsv.str());
        if (win.size() < 2) return;  // nothing to compare: the checks on these values are not evaluated
        double lo = INFINITY, hi = 0, gap = 0;
        long hits = 0;
        std::vector<double> products;
        for (const Record* r : win) {
            const double p = r->lambda * r->time;
            lo = std::min(lo, p), hi = std::max(hi, p);
            gap = std::max(gap, r->gap / r->norm);
            if (r->lambda == lambdas_.front() || r->lambda == lambdas_.back()) ++hits;
            products.push_back(p);
        }
        std::sort(products.begin(), products.end());
        const size_t k = products.size();
        const double med = k % 2 ? products[k / 2] : 0.5 * (products[k / 2 - 1] + products[k / 2]);
        auto& f = rep.summary.final->values;
        f["smoothing_lambda_t_ratio"] = hi / lo;
        f["smoothing_window_decades"] = std::log10(win.back()->time / win.front()->time);
        f["smoothing_boundary_hits"] = double(hits);
        f["smoothing_max_rel_gap"] = gap;
        if (std::isfinite(width_)) f["smoothing_lambda_t_calibrated"] = med * width_ / double(task_.inputs().size());
    }

private:
    Index nearest(const Vec& f, double& dist) const {
        Index best = 0;
        dist = INFINITY;
        for (Index k = 0; k < table_.cols(); ++k) {
            const double d = (table_.col(k) - f).norm();
            if (d < dist) dist = d, best = k;
        }
        return best;
    }
    const ScalarFunctionModel& model_;
    const PointRegression& task_;
    RecordSchedule schedule_;
    double lo_, hi_, next_ = 0, width_ = NAN;
    bool affine_ = false;
    std::vector<double> lambdas_;
    Mat table_;  // grid x lambdas
    std::vector<Record> records_;
};

const bool keys = [] {
    register_extra_keys("task.kind", "points",
                        {{kKey,
                          "flow-time window [t_lo, t_hi] of the smoothing_path observer (network along training vs "
                          "smoothing splines, Remark 5); empty: off",
                          std::vector<double>{}}});
    return true;
}();

const Registrar<ObserverEntry> registration{{
    .name = "smoothing_path",
    .doc = "task.smoothing_path = [t_lo, t_hi]: the trained function along training against smoothing splines of "
           "decreasing lambda (Remark 5): smoothing_path.csv, final.smoothing_lambda_t_ratio and friends",
    .build = [](const ObserverContext& c) -> std::unique_ptr<Observer> {
        if (!c.extra || !c.model_params) return nullptr;
        const auto w = c.extra->get<std::vector<double>>(kKey);
        if (w.empty()) return nullptr;
        if (w.size() != 2 || !(w[0] > 0) || !(w[1] > w[0]) || !std::isfinite(w[1]))
            throw ConfigError(kKey, "must be [t_lo, t_hi] with 0 < t_lo < t_hi");
        const auto* m = dynamic_cast<const ScalarFunctionModel*>(&c.objective.model());
        const auto* t = dynamic_cast<const PointRegression*>(&c.objective.task());
        if (!m || !t) throw ConfigError(kKey, "needs a scalar-input model (model.kind = two_layer) on task.kind = points");
        return std::make_unique<SmoothingPath>(c, *m, *t, w[0], w[1]);
    },
}};

}  // namespace
}  // namespace depthbias
