#include "depthbias/analysis/references/q_program.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "depthbias/analysis/references/errors.hpp"
#include <memory>
#include <vector>

#include "depthbias/analysis/references/dual_newton.hpp"
#include "depthbias/analysis/references/lp.hpp"
#include "depthbias/core/memo.hpp"

namespace depthbias::refs {
namespace {

void check_matrix(const Mat& A, const char* name, const char* fn) {
    if (A.rows() < 1 || A.cols() < 1)
        throw std::invalid_argument(std::string(fn) + ": " + name + " must have at least one row and one column");
    if (!A.allFinite()) throw std::invalid_argument(std::string(fn) + ": " + name + " has non-finite entries");
}
void check_depth(int D, const char* fn) {
    if (D < 2) throw std::invalid_argument(std::string(fn) + ": depth D = " + std::to_string(D) + " must be >= 2");
}
double check_scale(double a, int power, const char* name, const char* fn) {
    if (!std::isfinite(a) || !(a > 0.0))
        throw std::invalid_argument(std::string(fn) + ": " + name + " = " + detail::num(a) +
                                    " must be finite and > 0");
    const double c = std::pow(a, power);
    if (!(c >= 1e-250) || !(c <= 1e250))
        throw std::invalid_argument(std::string(fn) + ": " + name + "^" + std::to_string(power) + " = " +
                                    detail::num(c) + " is outside [1e-250, 1e250] (" + name + " out of range)");
    return c;
}

// D > 2: beta = c h_D(z) with |z| < 1 and 1 - |z| ~ (c / |beta|)^((D-2)/D). Below 1 - |z| = 1e-12 the dual
// variable is no longer resolved in double precision, so such alpha^D (mu) are rejected as out of range.
void check_depth_scale(int D, double c, double beta_scale, const char* name, double value, const char* fn) {
    if (D <= 2 || !(beta_scale > 0.0)) return;
    const double p = static_cast<double>(D) / (D - 2);
    const double cmin = beta_scale * std::pow(1e-12, p);
    if (c < cmin)
        throw std::invalid_argument(
            std::string(fn) + ": " + name + " = " + detail::num(value) + " is out of range for D = " +
            std::to_string(D) + ": the scale " + detail::num(c) + " is below |beta| (1e-12)^(D/(D-2)) = " +
            detail::num(cmin) + ", where the dual variable lies within 1e-12 of +-1 (beyond double precision). "
            "The solution is then the l1 limit to double precision: use basis_pursuit / l1_max_margin.");
}

// What q_regression needs of the data only, whatever D and alpha: the independent rows (pivoted QR of X^T; the
// others must be implied by them, y in the range of X), M = X_rows^T, b = y_rows, and the l1 norm of the min-l2
// interpolator (which throws NotSeparableError when y is not in the range of X) bounding |beta| for the range
// check. Memoized on (X, y): an experiment's Q curves solve 42 programs on one data set (issue 10).
struct QPrep {
    std::vector<Index> rows;
    Mat M;
    Vec b;
    double min_l2_l1_norm = 0;
};

std::shared_ptr<const QPrep> q_prep_uncached(const Mat& X, const Vec& y) {
    auto p = std::make_shared<QPrep>();
    Eigen::ColPivHouseholderQR<Mat> qr(X.transpose());
    qr.setThreshold(1e-12);
    const Index rank = qr.rank();
    for (Index a = 0; a < rank; ++a) p->rows.push_back(qr.colsPermutation().indices()(a));
    p->min_l2_l1_norm = min_l2_interpolation(X, y).lpNorm<1>();
    p->M.resize(X.cols(), rank);
    p->b.resize(rank);
    for (Index a = 0; a < rank; ++a) p->M.col(a) = X.row(p->rows[a]).transpose(), p->b(a) = y(p->rows[a]);
    return p;
}

}  // namespace

RegressionSolution q_regression_with_dual(const Mat& X, const Vec& y, int D, double alpha, const Vec* warm_start) {
    const char* fn = "q_regression";
    check_depth(D, fn);
    const double c = check_scale(alpha, D, "alpha", fn);
    check_matrix(X, "X", fn);
    if (y.size() != X.rows())
        throw std::invalid_argument(std::string(fn) + ": y has " + std::to_string(y.size()) + " entries but X has " +
                                    std::to_string(X.rows()) + " rows");
    if (!y.allFinite()) throw std::invalid_argument(std::string(fn) + ": y has non-finite entries");
    const Index n = X.rows();
    const std::shared_ptr<const QPrep> held =
        memoized<std::shared_ptr<const QPrep>>(memo_key("q_regression_prep", X, &y), [&] { return q_prep_uncached(X, y); });
    const QPrep& prep = *held;
    const Index rank = Index(prep.rows.size());
    const std::vector<Index>& rows = prep.rows;
    const Mat& M = prep.M;
    const Vec& b = prep.b;
    check_depth_scale(D, c, prep.min_l2_l1_norm, "alpha", alpha, fn);
    Vec nu0 = Vec::Zero(rank);
    if (warm_start) {
        if (warm_start->size() != n)
            throw std::invalid_argument(std::string(fn) + ": warm start has " + std::to_string(warm_start->size()) +
                                        " entries but X has " + std::to_string(n) + " rows");
        for (Index a = 0; a < rank; ++a) nu0(a) = (*warm_start)(rows[a]);
        const detail::Potential pot{D};
        const Vec z0 = M * nu0;
        bool inside = nu0.allFinite();
        for (Index i = 0; inside && i < z0.size(); ++i)
            inside = std::isfinite(z0(i)) && pot.in_domain(z0(i)) && std::isfinite(pot.H(z0(i))) &&
                     std::isfinite(c * pot.h(z0(i)));
        if (!inside) nu0.setZero();
    }
    auto solve = [&](const Vec& start) {
        const detail::DualResult r = detail::maximize_dual(M, b, c, detail::Potential{D}, start, fn);
        RegressionSolution out;
        out.beta = r.primal;
        out.nu = Vec::Zero(n);
        for (Index a = 0; a < rank; ++a) out.nu(rows[a]) = r.dual(a);
        out.newton_iterations = r.iterations;
        const double res = (X * out.beta - y).lpNorm<Eigen::Infinity>();
        const double scale = y.lpNorm<Eigen::Infinity>() +
                             X.cwiseAbs().rowwise().sum().maxCoeff() * out.beta.lpNorm<Eigen::Infinity>();
        if (res > 1e-9 * scale)
            throw ConvergenceError(std::string(fn) + ": solution violates X beta = y by " + detail::num(res));
        return out;
    };
    if (nu0.isZero(0.0)) return solve(nu0);
    // A warm start is only a hint: when the solve from it fails (iteration cap, stall, line search, a start whose
    // phi = b.nu - c sum H(z) overflows although each term is finite, or a residual check), the cold start
    // decides, so a warm start never turns a solvable program into an error. A cold failure is reported as usual.
    try {
        return solve(nu0);
    } catch (const ConvergenceError&) {
        return solve(Vec::Zero(rank));
    }
}

Vec q_regression(const Mat& X, const Vec& y, int D, double alpha) { return q_regression_with_dual(X, y, D, alpha).beta; }

MarginSolution q_classification_with_dual(const Mat& Xt, int D, double mu) {
    const char* fn = "q_classification";
    check_depth(D, fn);
    check_scale(mu, 1, "mu", fn);
    check_matrix(Xt, "Xt", fn);
    Vec w1;
    try {
        w1 = l1_max_margin(Xt);
    } catch (const NotSeparableError&) {
        throw NotSeparableError(
            "q_classification: the data is not linearly separable through the origin (no w with "
            "y_n <x_n, w> >= 1 for all n, so argmin Q^D_mu s.t. Xt w >= 1 does not exist). Check the labels, "
            "duplicated points with opposite labels, or a missing bias feature.");
    }
    check_depth_scale(D, mu, w1.lpNorm<1>(), "mu", mu, fn);
    const detail::DualResult r = detail::max_margin_dual(Xt, mu, detail::Potential{D}, fn);
    return {r.primal, r.dual};
}

Vec q_classification(const Mat& Xt, int D, double mu) { return q_classification_with_dual(Xt, D, mu).w; }

}  // namespace depthbias::refs
