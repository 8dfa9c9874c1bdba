#include "depthbias/analysis/references/lp.hpp"

#include <ClpSimplex.hpp>
#include <ClpSolve.hpp>
#include <CoinPackedMatrix.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "depthbias/analysis/references/errors.hpp"
#include "depthbias/core/memo.hpp"
#include <vector>

namespace depthbias::refs {
namespace {

constexpr double kClpHuge = 1e100;

void check_matrix(const Mat& A, const char* name, const char* fn) {
    if (A.rows() < 1 || A.cols() < 1)
        throw std::invalid_argument(std::string(fn) + ": " + name + " must have at least one row and one column");
    if (!A.allFinite()) throw std::invalid_argument(std::string(fn) + ": " + name + " has non-finite entries");
    // CLP treats magnitudes from 1e100 on as infinite bounds and aborts on them (an assertion, not an error).
    if (A.cwiseAbs().maxCoeff() >= kClpHuge)
        throw std::invalid_argument(std::string(fn) + ": " + name + " has entries of magnitude >= 1e100 (beyond CLP)");
}

enum class LpOutcome { Optimal, Infeasible };

// min ||x||_1 s.t. lo <= A x <= hi (x free), as min 1^T(p+q), A p - A q in [lo, hi], p, q >= 0.
LpOutcome solve_l1_lp(const Mat& A, const Vec& lo, const Vec& hi, Vec& x, const char* fn) {
    const int n = static_cast<int>(A.rows()), d = static_cast<int>(A.cols());
    std::vector<CoinBigIndex> start(2 * d + 1);
    std::vector<int> index;
    std::vector<double> value;
    index.reserve(static_cast<size_t>(2) * n * d);
    value.reserve(static_cast<size_t>(2) * n * d);
    for (int j = 0; j < 2 * d; ++j) {
        start[j] = static_cast<CoinBigIndex>(index.size());
        const int col = j % d;
        const double sgn = j < d ? 1.0 : -1.0;
        for (int i = 0; i < n; ++i) {
            if (A(i, col) != 0.0) {
                index.push_back(i);
                value.push_back(sgn * A(i, col));
            }
        }
    }
    start[2 * d] = static_cast<CoinBigIndex>(index.size());
    const double inf = COIN_DBL_MAX;
    std::vector<double> collb(2 * d, 0.0), colub(2 * d, inf), obj(2 * d, 1.0), rowlb(n), rowub(n);
    for (int i = 0; i < n; ++i) {
        rowlb[i] = std::isfinite(lo(i)) ? lo(i) : -inf;
        rowub[i] = std::isfinite(hi(i)) ? hi(i) : inf;
    }
    ClpSimplex model;
    model.setLogLevel(0);
    model.loadProblem(2 * d, n, start.data(), index.data(), value.data(), collb.data(), colub.data(), obj.data(),
                      rowlb.data(), rowub.data());
    model.setPrimalTolerance(1e-9);
    model.setDualTolerance(1e-9);
    model.setMaximumIterations(1000000);
    // Special option 2 = 1: no SIGINT handler. By default initialSolve installs one process-wide and keeps the model
    // in a file-static pointer ("not threadsafe" in Clp's source); runs of an experiment solve LPs on several threads.
    ClpSolve options;
    options.setSpecialOption(2, 1);
    // A dense A (every sample touches every coordinate, as the Gaussian designs here) leaves presolve nothing to
    // remove: it only copies and scans the matrix. Off when >= half the entries are nonzero (issue 10: kernel-rich's
    // 100 x 2000 basis pursuit, 297 dual simplex iterations either way and the same vertex, 0.13 -> 0.085 s wall).
    if (2 * index.size() >= static_cast<size_t>(2) * n * d) options.setPresolveType(ClpSolve::presolveOff);
    model.initialSolve(options);
    if (model.isProvenPrimalInfeasible()) return LpOutcome::Infeasible;
    if (!model.isProvenOptimal())
        throw ConvergenceError(std::string(fn) + ": CLP did not prove optimality (status " +
                               std::to_string(model.status()) + ", secondary " +
                               std::to_string(model.secondaryStatus()) + ")");
    const double* sol = model.primalColumnSolution();
    x.resize(d);
    for (int j = 0; j < d; ++j) x(j) = sol[j] - sol[j + d];
    return LpOutcome::Optimal;
}

// Least-squares polish of an LP vertex: solve A_{T,S} x_S = b_T (minimum norm) on the support S of x and
// the rows T; keep it only if signs and support are preserved and the l1 norm does not grow.
Vec polish(const Mat& A, const Vec& b, const std::vector<Index>& rows, const Vec& x) {
    const double xmax = x.cwiseAbs().maxCoeff();
    if (xmax == 0.0 || rows.empty()) return x;
    std::vector<Index> S;
    for (Index i = 0; i < x.size(); ++i)
        if (std::abs(x(i)) > 1e-9 * xmax) S.push_back(i);
    Mat M(rows.size(), S.size());
    Vec r(rows.size());
    for (size_t a = 0; a < rows.size(); ++a) {
        r(a) = b(rows[a]);
        for (size_t c = 0; c < S.size(); ++c) M(a, c) = A(rows[a], S[c]);
    }
    const Vec xs = M.completeOrthogonalDecomposition().solve(r);
    Vec out = Vec::Zero(x.size());
    for (size_t c = 0; c < S.size(); ++c) {
        if (!(xs(c) * x(S[c]) > 0.0)) return x;
        out(S[c]) = xs(c);
    }
    if (out.lpNorm<1>() > x.lpNorm<1>() * (1.0 + 1e-7)) return x;
    return out;
}

}  // namespace

Vec l1_max_margin(const Mat& Xt) {
    return memoized<Vec>(memo_key("l1_max_margin", Xt), [&] { return l1_max_margin_uncached(Xt); });
}

Vec l1_max_margin_uncached(const Mat& Xt) {
    check_matrix(Xt, "Xt", "l1_max_margin");
    const Index n = Xt.rows();
    Vec w;
    const Vec lo = Vec::Ones(n), hi = Vec::Constant(n, std::numeric_limits<double>::infinity());
    if (solve_l1_lp(Xt, lo, hi, w, "l1_max_margin") == LpOutcome::Infeasible)
        throw NotSeparableError(
            "l1_max_margin: the data is not linearly separable through the origin (no w with y_n <x_n, w> >= 1 "
            "for all n; CLP proved the LP infeasible). Check the labels, duplicated points with opposite "
            "labels, or a missing bias feature.");
    const Vec m0 = Xt * w;
    std::vector<Index> tight;
    for (Index i = 0; i < n; ++i)
        if (m0(i) <= 1.0 + 1e-7) tight.push_back(i);
    Vec wp = polish(Xt, Vec::Ones(n), tight, w);
    if ((Xt * wp).minCoeff() < 1.0 - 1e-9) wp = w;  // polish broke feasibility elsewhere: keep the LP point
    const double gamma = (Xt * wp).minCoeff();
    if (!(gamma > 1.0 - 1e-7))
        throw ConvergenceError("l1_max_margin: CLP solution violates the margin constraints (min margin " +
                               detail::num(gamma) + ")");
    return wp / gamma;
}

Vec basis_pursuit(const Mat& X, const Vec& y) {
    return memoized<Vec>(memo_key("basis_pursuit", X, &y), [&] { return basis_pursuit_uncached(X, y); });
}

Vec basis_pursuit_uncached(const Mat& X, const Vec& y) {
    check_matrix(X, "X", "basis_pursuit");
    if (y.size() != X.rows())
        throw std::invalid_argument("basis_pursuit: y has " + std::to_string(y.size()) + " entries but X has " +
                                    std::to_string(X.rows()) + " rows");
    if (!y.allFinite()) throw std::invalid_argument("basis_pursuit: y has non-finite entries");
    if (y.cwiseAbs().maxCoeff() >= kClpHuge)
        throw std::invalid_argument("basis_pursuit: y has entries of magnitude >= 1e100 (beyond CLP)");
    Vec beta;
    if (solve_l1_lp(X, y, y, beta, "basis_pursuit") == LpOutcome::Infeasible)
        throw NotSeparableError(
            "basis_pursuit: y is not in the range of X (no beta with X beta = y; CLP proved the LP "
            "infeasible). X has linearly dependent rows with inconsistent targets (e.g. duplicated samples "
            "with different labels).");
    std::vector<Index> all(X.rows());
    for (Index i = 0; i < X.rows(); ++i) all[i] = i;
    const Vec bp = polish(X, y, all, beta);
    const double r_lp = (X * beta - y).lpNorm<Eigen::Infinity>(), r_p = (X * bp - y).lpNorm<Eigen::Infinity>();
    const Vec& out = r_p <= r_lp ? bp : beta;
    const double r = std::min(r_p, r_lp);
    const double scale = y.lpNorm<Eigen::Infinity>() +
                         X.cwiseAbs().rowwise().sum().maxCoeff() * out.lpNorm<Eigen::Infinity>();
    if (r > 1e-9 * std::max(scale, std::numeric_limits<double>::min()))
        throw ConvergenceError("basis_pursuit: CLP solution violates X beta = y by " + detail::num(r));
    return out;
}

bool linearly_separable(const Mat& Xt) {
    check_matrix(Xt, "Xt", "linearly_separable");
    Vec w;
    const Index n = Xt.rows();
    return solve_l1_lp(Xt, Vec::Ones(n), Vec::Constant(n, std::numeric_limits<double>::infinity()), w,
                       "linearly_separable") == LpOutcome::Optimal;
}

}  // namespace depthbias::refs
