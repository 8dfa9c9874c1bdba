#include "depthbias/analysis/references/svm.hpp"

#include <stdexcept>
#include <string>

#include "depthbias/analysis/references/errors.hpp"
#include "depthbias/core/memo.hpp"

#include "depthbias/analysis/references/dual_newton.hpp"
#include "depthbias/analysis/references/lp.hpp"

namespace depthbias::refs {
namespace {

void check_matrix(const Mat& A, const char* name, const char* fn) {
    if (A.rows() < 1 || A.cols() < 1)
        throw std::invalid_argument(std::string(fn) + ": " + name + " must have at least one row and one column");
    if (!A.allFinite()) throw std::invalid_argument(std::string(fn) + ": " + name + " has non-finite entries");
}

}  // namespace

MarginSolution l2_max_margin_with_dual(const Mat& Xt) {
    return memoized<MarginSolution>(memo_key("l2_max_margin", Xt), [&] { return l2_max_margin_uncached(Xt); });
}

MarginSolution l2_max_margin_uncached(const Mat& Xt) {
    check_matrix(Xt, "Xt", "l2_max_margin");
    if (!linearly_separable(Xt))
        throw NotSeparableError(
            "l2_max_margin: the data is not linearly separable through the origin (no w with y_n <x_n, w> >= 1 "
            "for all n; the hard-margin SVM dual is unbounded). Check the labels, duplicated points with "
            "opposite labels, or a missing bias feature.");
    const detail::DualResult r = detail::max_margin_dual(Xt, 1.0, detail::Potential{0}, "l2_max_margin");
    return {r.primal, r.dual};
}

Vec l2_max_margin(const Mat& Xt) { return l2_max_margin_with_dual(Xt).w; }

Vec min_l2_interpolation(const Mat& X, const Vec& y) {
    return memoized<Vec>(memo_key("min_l2_interpolation", X, &y), [&] { return min_l2_interpolation_uncached(X, y); });
}

Vec min_l2_interpolation_uncached(const Mat& X, const Vec& y) {
    check_matrix(X, "X", "min_l2_interpolation");
    if (y.size() != X.rows())
        throw std::invalid_argument("min_l2_interpolation: y has " + std::to_string(y.size()) +
                                    " entries but X has " + std::to_string(X.rows()) + " rows");
    if (!y.allFinite()) throw std::invalid_argument("min_l2_interpolation: y has non-finite entries");
    const Eigen::CompleteOrthogonalDecomposition<Mat> cod(X);
    Vec beta = cod.solve(y);
    beta += cod.solve(y - X * beta);  // one step of iterative refinement
    const double res = (X * beta - y).lpNorm<Eigen::Infinity>();
    const double scale = y.lpNorm<Eigen::Infinity>() +
                         X.cwiseAbs().rowwise().sum().maxCoeff() * beta.lpNorm<Eigen::Infinity>();
    if (res > 1e-10 * scale || (scale == 0.0 && res > 0.0))
        throw NotSeparableError("min_l2_interpolation: y is not in the range of X (X has rank " +
                                std::to_string(cod.rank()) + " < " + std::to_string(X.rows()) +
                                " rows and the least-squares residual is " + detail::num(res) +
                                "); dependent rows with inconsistent targets, e.g. duplicated samples");
    return beta;
}

}  // namespace depthbias::refs
