// Observer tangent_kernel (issue 13's lazy-vs-rich diagnostics, for every model): every observe.kernel_every steps
// and at the final step,
//   kernel_distance S(K0, Kt) = 1 - <K0, Kt>_F / (|K0|_F |Kt|_F) of the empirical tangent kernel of the predictor map
//     theta -> vec(beta): K = J J^T, J = d vec(beta) / d theta (P x num_params, P = rows cols <= 1024), built from P
//     pull-backs of the unit vectors (Model::pullback, so any registered model has it). For tasks whose predictions
//     are <A_i, beta> the data NTK is A K A^T; with whitened inputs (A A^T ∝ I, the lambda-balanced setting of
//     exact_dln.md L7) S is the same number (test against exact::two_layer_kernel_distance).
//   alignment with the target: beta = sum s_k u_k v_k^T and W* = sum s*_k u*_k v*_k^T (rank r of W*: singular values
//     > 1e-12 s*_1); a_k = |u_k . u*_k| |v_k . v*_k| for k < r; min and mean over k (1: every component aligned).
//     Vector predictors: the cosine |beta . beta*| / (|beta| |beta*|).
// Writes kernel.csv (step, time, kernel_distance, alignment_min, alignment_mean) and final.tangent_kernel_distance,
// final.target_alignment_min, final.target_alignment_mean. Resumable (K0 is recomputed from theta0).
// Cost per evaluation: P pull-backs and a P x P product over num_params; allocates only when it evaluates.
#include <Eigen/SVD>
#include <cmath>
#include <iomanip>
#include <vector>

#include "depthbias/core/error.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/observe/observer.hpp"

namespace depthbias {
namespace {

constexpr Index kMaxEntries = 1024;

// K = J J^T at theta (model scratch recomputed; the run's own state is untouched).
Mat tangent_kernel(Model& model, const Task& task, const Vec& theta) {
    const Index rows = task.rows(), cols = task.cols(), p = rows * cols;
    Predictor pred{Mat::Zero(rows, cols), 0.0}, unit{Mat::Zero(rows, cols), 0.0};
    model.predictor(theta, pred);
    Mat jt(model.num_params(), p);  // J^T
    Vec g(model.num_params());
    for (Index k = 0; k < p; ++k) {
        unit.beta.data()[k] = 1.0;
        model.pullback(theta, unit, g);
        jt.col(k) = g;
        unit.beta.data()[k] = 0.0;
    }
    return jt.transpose() * jt;
}

double distance(const Mat& k0, const Mat& kt) {
    const double n = k0.norm() * kt.norm();
    return n > 0 ? 1.0 - (k0.cwiseProduct(kt)).sum() / n : NAN;
}

class TangentKernelObserver final : public Observer {
public:
    explicit TangentKernelObserver(const ObserverContext& c)
        : model_(*c.model), task_(c.objective.task()), every_(c.observe.kernel_every) {
        const Index p = task_.rows() * task_.cols();
        if (p > kMaxEntries)
            throw ConfigError("observe.kernel_every", "the tangent kernel is P x P for P = " + std::to_string(p) +
                                                          " predictor entries; at most " + std::to_string(kMaxEntries));
        k0_ = tangent_kernel(model_, task_, c.theta0);
        const Mat& t = task_.target();
        if (t.cols() > 1) {
            Eigen::JacobiSVD<Mat> svd(t, Eigen::ComputeThinU | Eigen::ComputeThinV);
            const Vec& s = svd.singularValues();
            Index r = 0;
            while (r < s.size() && s(r) > 1e-12 * s(0)) ++r;
            tu_ = svd.matrixU().leftCols(r);
            tv_ = svd.matrixV().leftCols(r);
        }
    }
    StepAction observe(const StepView& v) override {
        if (v.step % every_ != 0 && !v.final) return StepAction::Continue;
        if (!rows_.empty() && rows_.back().step == v.step) return StepAction::Continue;
        Row row{v.step, v.time, distance(k0_, tangent_kernel(model_, task_, v.theta)), NAN, NAN};
        alignment(v.predictor.beta, row);
        rows_.push_back(row);
        return StepAction::Continue;
    }
    bool resumable() const override { return true; }
    nlohmann::json save_state() const override {
        nlohmann::json out = nlohmann::json::array();
        const auto num = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
        for (const auto& r : rows_) out.push_back({r.step, r.time, num(r.distance), num(r.align_min), num(r.align_mean)});
        return out;
    }
    void restore_state(const nlohmann::json& s) override {
        rows_.clear();
        const auto num = [](const nlohmann::json& x) { return x.is_null() ? NAN : x.get<double>(); };
        for (const auto& r : s)
            rows_.push_back({r.at(0).get<long>(), r.at(1).get<double>(), num(r.at(2)), num(r.at(3)), num(r.at(4))});
    }
    void finish(const ObserverReport& r) override {
        AtomicOutputFile f(r.dir + "/kernel.csv");
        f << "step,time,kernel_distance,alignment_min,alignment_mean\n" << std::setprecision(17);
        const auto put = [&f](double x) {
            if (std::isfinite(x)) f << x;
        };
        for (const auto& row : rows_) {
            f << row.step << ',' << row.time << ',';
            put(row.distance);
            f << ',';
            put(row.align_min);
            f << ',';
            put(row.align_mean);
            f << '\n';
        }
        f.commit();
        if (!r.finished || !r.summary.final || rows_.empty()) return;
        const auto opt = [](double x) { return std::isfinite(x) ? std::optional<double>(x) : std::nullopt; };
        r.summary.final->values["tangent_kernel_distance"] = opt(rows_.back().distance);
        r.summary.final->values["target_alignment_min"] = opt(rows_.back().align_min);
        r.summary.final->values["target_alignment_mean"] = opt(rows_.back().align_mean);
    }

private:
    struct Row {
        long step;
        double time, distance, align_min, align_mean;
    };
    void alignment(const Mat& beta, Row& row) const {
        const Mat& t = task_.target();
        if (beta.cols() == 1) {
            const double n = beta.norm() * t.norm();
            row.align_min = row.align_mean = n > 0 ? std::abs(beta.col(0).dot(t.col(0))) / n : NAN;
            return;
        }
        if (tu_.cols() == 0 || !(beta.norm() > 0)) return;
        Eigen::JacobiSVD<Mat> svd(beta, Eigen::ComputeThinU | Eigen::ComputeThinV);
        double mn = INFINITY, sum = 0;
        for (Index k = 0; k < tu_.cols(); ++k) {
            const double a = std::abs(svd.matrixU().col(k).dot(tu_.col(k))) * std::abs(svd.matrixV().col(k).dot(tv_.col(k)));
            mn = std::min(mn, a);
            sum += a;
        }
        row.align_min = mn;
        row.align_mean = sum / double(tu_.cols());
    }
    Model& model_;
    const Task& task_;
    long every_;
    Mat k0_, tu_, tv_;
    std::vector<Row> rows_;
};

const Registrar<ObserverEntry> registration{{
    .name = "tangent_kernel",
    .doc = "lazy vs rich for any model: the tangent kernel's distance from its start S = 1 - <K0, Kt> / (|K0| |Kt|) "
           "(K = J J^T of theta -> vec(beta)) and the alignment of beta's singular vectors with the target's, every "
           "observe.kernel_every steps and at the end: kernel.csv, final.tangent_kernel_distance, "
           "final.target_alignment_min / _mean (off when 0)",
    .build = [](const ObserverContext& c) -> std::unique_ptr<Observer> {
        if (c.observe.kernel_every <= 0 || !c.model) return nullptr;
        return std::make_unique<TangentKernelObserver>(c);
    },
}};

}  // namespace
}  // namespace depthbias
