#include "depthbias/observe/function_space.hpp"

#include <fstream>
#include <iomanip>

#include "depthbias/analysis/references/spline.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/models/function_model.hpp"
#include "depthbias/observe/observer.hpp"
#include "depthbias/tasks/point_regression.hpp"

namespace depthbias {
namespace {

class FunctionSpaceObserver final : public Observer {
public:
    FunctionSpaceObserver(const ObserverContext& c, const ScalarFunctionModel& m, const PointRegression& t)
        : model_(m), task_(t), theta0_(c.theta0), theta_(c.theta0) {
        for (const auto& r : c.references)
            if (r.function_space) refs_.push_back(r);
    }
    StepAction observe(const StepView& v) override {
        if (v.final) theta_ = v.theta;  // same size: no allocation
        return StepAction::Continue;
    }
    // It keeps nothing between steps (theta0 is the run's init, rebuilt on resume; theta_ is taken at the final
    // step): resumable with an empty state.
    bool resumable() const override { return true; }
    nlohmann::json save_state() const override { return nlohmann::json::object(); }
    void finish(const ObserverReport& rep) override {
        if (!rep.finished || !rep.summary.final) return;
        const Vec& grid = task_.grid();
        Vec net;
        model_.evaluate(theta_, grid, net);
        const Vec mn = refs::min_norm_interpolant(model_, theta0_, task_.inputs(), task_.labels(), grid, false);
        const Vec mna = refs::min_norm_interpolant(model_, theta0_, task_.inputs(), task_.labels(), grid, true);
        auto& f = rep.summary.final->values;
        const auto sup = [](const Vec& a, const Vec& b) { return (a - b).lpNorm<Eigen::Infinity>(); };
        f["sup_to_min_norm"] = sup(net, mn);
        f["rel_sup_to_min_norm"] = sup(net, mn) / mn.lpNorm<Eigen::Infinity>();
        f["sup_to_min_norm_affine"] = sup(net, mna);
        const Index off = model_.output_offset(), size = model_.output_size();
        f["max_output_change"] = (theta_.segment(off, size) - theta0_.segment(off, size)).lpNorm<Eigen::Infinity>();
        for (const auto& r : refs_) {
            f["sup_to_" + r.name] = sup(net, r.raw);
            f["min_norm_sup_to_" + r.name] = sup(mn, r.raw);
            f["min_norm_affine_sup_to_" + r.name] = sup(mna, r.raw);
        }
        std::ostringstream csv;
        csv << std::setprecision(17) << "x,network,min_norm,min_norm_affine";
        for (const auto& r : refs_) csv << "," << r.name;
        csv << "\n";
        for (Index i = 0; i < grid.size(); ++i) {
            csv << grid(i) << "," << net(i) << "," << mn(i) << "," << mna(i);
            for (const auto& r : refs_) csv << "," << r.raw(i);
            csv << "\n";
        }
        write_file_atomically(rep.dir + "/function.csv", csv.str());
    }

private:
    const ScalarFunctionModel& model_;
    const PointRegression& task_;
    Vec theta0_, theta_;
    std::vector<NamedReference> refs_;
};

const Registrar<ObserverEntry> registration{{
    .name = "function_space",
    .doc = "scalar-input networks on task.kind = points: sup distances on the grid to the min-norm interpolant of "
           "the run's init and to function-space references (summary sup_to_*; function.csv)",
    .build = [](const ObserverContext& c) -> std::unique_ptr<Observer> {
        const auto* m = dynamic_cast<const ScalarFunctionModel*>(&c.objective.model());
        const auto* t = dynamic_cast<const PointRegression*>(&c.objective.task());
        if (!m || !t) return nullptr;
        return std::make_unique<FunctionSpaceObserver>(c, *m, *t);
    },
}};

}  // namespace
}  // namespace depthbias
