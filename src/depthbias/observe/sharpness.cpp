#include "depthbias/observe/sharpness.hpp"

#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <vector>

#include "depthbias/io/atomic_file.hpp"
#include "depthbias/observe/observer.hpp"

namespace depthbias {
namespace {

// y = H x by central differences of the gradient (Spectra's operator interface; perform_op is const there).
class HessianProduct {
public:
    using Scalar = double;
    HessianProduct(Model& model, const Task& task, const Vec& theta)
        : obj_(model, task), theta_(theta), plus_(theta.size()), minus_(theta.size()), gp_(theta.size()),
          gm_(theta.size()), h_(1e-5 * std::max(1.0, theta.cwiseAbs().maxCoeff())) {}
    Index rows() const { return theta_.size(); }
    Index cols() const { return theta_.size(); }
    void perform_op(const double* x, double* y) const {
        const Eigen::Map<const Vec> v(x, theta_.size());
        const double n = v.norm();
        Eigen::Map<Vec> out(y, theta_.size());
        if (!(n > 0)) {
            out.setZero();
            return;
        }
        const double step = h_ / n;  // a step of length h along v
        plus_ = theta_ + step * v;
        minus_ = theta_ - step * v;
        obj_.value_and_gradient(plus_, gp_);
        obj_.value_and_gradient(minus_, gm_);
        out = (gp_ - gm_) / (2 * step);
        ++products_;
    }
    long products() const { return products_; }

private:
    mutable Objective obj_;
    const Vec& theta_;
    mutable Vec plus_, minus_, gp_, gm_;
    double h_;
    mutable long products_ = 0;
};

}  // namespace

std::optional<SharpnessResult> top_hessian_eigenvalue(Model& model, const Task& task, const Vec& theta, double tol) {
    if (!theta.allFinite()) return std::nullopt;
    const Index n = theta.size();
    HessianProduct op(model, task, theta);
    if (n < 3) {  // Spectra needs nev < ncv <= n: the dense Hessian, column by column
        Mat h(n, n);
        Vec e = Vec::Zero(n), col(n);
        for (Index j = 0; j < n; ++j) {
            e.setZero();
            e(j) = 1;
            op.perform_op(e.data(), col.data());
            h.col(j) = col;
        }
        if (!h.allFinite()) return std::nullopt;
        const Mat sym = 0.5 * (h + h.transpose());
        Eigen::SelfAdjointEigenSolver<Mat> es(sym, Eigen::EigenvaluesOnly);
        return SharpnessResult{es.eigenvalues()(n - 1), op.products()};
    }
    const Index ncv = std::min<Index>(n, 20);
    Spectra::SymEigsSolver<HessianProduct> eigs(op, 1, ncv);
    eigs.init();
    eigs.compute(Spectra::SortRule::LargestAlge, 1000, tol);
    if (eigs.info() != Spectra::CompInfo::Successful) return std::nullopt;
    const double v = eigs.eigenvalues()(0);
    if (!std::isfinite(v)) return std::nullopt;
    return SharpnessResult{v, op.products()};
}

namespace {

// Every observe.sharpness_every steps and at the final step: sharpness.csv (step, time, sharpness,
// hessian_products) and the summary's final.sharpness (the last measurement) and final.max_sharpness.
class SharpnessObserver final : public Observer {
public:
    SharpnessObserver(const ObserverContext& c)
        : model_(*c.model), task_(c.objective.task()), every_(c.observe.sharpness_every) {}
    StepAction observe(const StepView& v) override {
        if (v.step % every_ != 0 && !v.final) return StepAction::Continue;
        if (!rows_.empty() && rows_.back().step == v.step) return StepAction::Continue;
        const auto r = top_hessian_eigenvalue(model_, task_, v.theta);
        rows_.push_back({v.step, v.time, r ? r->value : NAN, r ? r->hessian_products : 0});
        return StepAction::Continue;
    }
    bool resumable() const override { return true; }
    nlohmann::json save_state() const override {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& r : rows_) rows.push_back({r.step, r.time, std::isfinite(r.value) ? nlohmann::json(r.value) : nlohmann::json(nullptr), r.products});
        return rows;
    }
    void restore_state(const nlohmann::json& s) override {
        rows_.clear();
        for (const auto& r : s)
            rows_.push_back({r.at(0).get<long>(), r.at(1).get<double>(), r.at(2).is_null() ? NAN : r.at(2).get<double>(),
                             r.at(3).get<long>()});
    }
    void finish(const ObserverReport& r) override {
        AtomicOutputFile f(r.dir + "/sharpness.csv");
        f << "step,time,sharpness,hessian_products\n" << std::setprecision(17);
        for (const auto& row : rows_) {
            f << row.step << ',' << row.time << ',';
            if (std::isfinite(row.value)) f << row.value;
            f << ',' << row.products << "\n";
        }
        f.commit();
        if (!r.finished || !r.summary.final || rows_.empty()) return;
        double mx = -INFINITY;
        bool all = true;
        for (const auto& row : rows_) {
            all = all && std::isfinite(row.value);
            if (std::isfinite(row.value)) mx = std::max(mx, row.value);
        }
        const double last = rows_.back().value;
        r.summary.final->values["sharpness"] = std::isfinite(last) ? std::optional<double>(last) : std::nullopt;
        r.summary.final->values["max_sharpness"] = all ? std::optional<double>(mx) : std::nullopt;
    }

private:
    struct Row {
        long step;
        double time, value;
        long products;
    };
    Model& model_;
    const Task& task_;
    long every_;
    std::vector<Row> rows_;
};

const Registrar<ObserverEntry> registration{{
    .name = "sharpness",
    .doc = "top eigenvalue of the loss Hessian in theta (Lanczos on finite-difference Hessian-vector products) every "
           "observe.sharpness_every steps and at the end: sharpness.csv, final.sharpness, final.max_sharpness "
           "(off when 0)",
    .build = [](const ObserverContext& c) -> std::unique_ptr<Observer> {
        if (c.observe.sharpness_every <= 0 || !c.model) return nullptr;
        return std::make_unique<SharpnessObserver>(c);
    },
}};

}  // namespace
}  // namespace depthbias
