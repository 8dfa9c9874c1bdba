#include "depthbias/analysis/references/dual_newton.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "depthbias/analysis/references/errors.hpp"
#include "depthbias/analysis/references/q_potential.hpp"

namespace depthbias::refs::detail {

double Potential::h(double z) const { return D == 0 ? z : h_D(D, z); }
double Potential::hprime(double z) const { return D == 0 ? 1.0 : h_D_prime(D, z); }
double Potential::H(double z) const { return D == 0 ? 0.5 * z * z : H_D(D, z); }

namespace {

constexpr double kConvergedRel = 1e-13;  // residual / (magnitude of its terms): ~500 ulps
constexpr double kFloorRel = 1e-9;       // accepted only when Newton stalls at the rounding floor

struct Point {
    Vec nu, z, x;
    double phi = -std::numeric_limits<double>::infinity();
};

// Evaluates z = M nu, x = c h(z), phi = b^T nu - c sum H(z); false when outside the domain.
bool evaluate(const Mat& M, const Vec& b, double c, const Potential& pot, Point& p) {
    p.z = M * p.nu;
    p.x.resize(p.z.size());
    double sumH = 0.0;
    for (Index i = 0; i < p.z.size(); ++i) {
        if (!std::isfinite(p.z(i)) || !pot.in_domain(p.z(i))) return false;
        sumH += pot.H(p.z(i));
        p.x(i) = c * pot.h(p.z(i));
    }
    p.phi = b.dot(p.nu) - c * sumH;
    return std::isfinite(p.phi) && p.x.allFinite();
}

// Rounding level of each residual entry g = b - M^T x, x = c h(M nu): the error of z = M nu (eps |M||nu|)
// propagated through h (huge near |z| -> 1 for D > 2), plus the rounding of the products and the sum.
// hp = h'(z) and ax = |M|^T |x| of the point (computed once per iteration by the caller, which needs them too).
Vec noise_floor(const Mat& Mabs, const Vec& b, double c, const Point& p, const Vec& hp, const Vec& ax, Vec& xerr) {
    constexpr double eps = std::numeric_limits<double>::epsilon();
    const Vec zerr = eps * (Mabs * p.nu.cwiseAbs() + p.z.cwiseAbs());
    xerr.resize(p.z.size());
    for (Index i = 0; i < p.z.size(); ++i) xerr(i) = eps * std::abs(p.x(i)) + c * hp(i) * zerr(i);
    return Mabs.transpose() * xerr + eps * (ax + b.cwiseAbs());
}

// x = c h(M nu) loses digits where h is steep (|z| -> 1 for D > 2). Re-solve those coordinates from the
// constraint M^T x = b (exact at the optimum) with the accurate remaining ones held fixed.
void polish(const Mat& M, const Vec& b, const Vec& xerr, Vec& x) {
    constexpr double eps = std::numeric_limits<double>::epsilon();
    std::vector<Index> cand;
    for (Index i = 0; i < x.size(); ++i)
        if (xerr(i) > 1e3 * eps * std::abs(x(i))) cand.push_back(i);
    if (cand.empty()) return;
    std::sort(cand.begin(), cand.end(), [&](Index a, Index c2) {
        return xerr(a) / std::max(std::abs(x(a)), 1e-300) > xerr(c2) / std::max(std::abs(x(c2)), 1e-300);
    });
    const Index k = M.cols();
    if (static_cast<Index>(cand.size()) > k) cand.resize(k);
    Mat A(k, cand.size());
    for (size_t a = 0; a < cand.size(); ++a) A.col(a) = M.row(cand[a]).transpose();
    Eigen::ColPivHouseholderQR<Mat> qr(A);
    qr.setThreshold(1e-10);
    std::vector<Index> S;
    Mat AS(k, qr.rank());
    for (Index a = 0; a < qr.rank(); ++a) {
        const Index col = qr.colsPermutation().indices()(a);
        S.push_back(cand[col]);
        AS.col(a) = A.col(col);
    }
    if (S.empty()) return;
    Vec xs = x;
    for (Index i : S) xs(i) = 0.0;
    const Vec rhs = b - M.transpose() * xs;
    Eigen::HouseholderQR<Mat> qs(AS);
    Vec sol = qs.solve(rhs);
    sol += qs.solve(rhs - AS * sol);  // one refinement step
    for (size_t a = 0; a < S.size(); ++a) xs(S[a]) = sol(a);
    const double before = (b - M.transpose() * x).lpNorm<Eigen::Infinity>();
    const double after = (b - M.transpose() * xs).lpNorm<Eigen::Infinity>();
    // Keep the polish only if it fits the constraints better and moves x within its own error bars.
    bool consistent = after <= before;
    for (Index i : S) consistent = consistent && std::abs(xs(i) - x(i)) <= 1e3 * xerr(i) + 1e-12 * std::abs(x(i));
    if (consistent) x = xs;
}

// Workspace of the Newton direction, reused across iterations (no per-iteration allocation of the d x k matrices).
struct NewtonWork {
    Vec s;
    Mat B, H;
    Eigen::LLT<Mat> llt;
    NewtonRoute route = NewtonRoute::Auto;
    int normal_steps = 0, qr_steps = 0;
};

// Newton direction: (c M^T W M) delta = g, W = diag(h'(z)). Two routes:
//  - normal equations: H = B^T B with B = sqrt(c W) M (a symmetric rank-k update: d k^2 flops, half a QR's),
//    then Cholesky. Taken when the Cholesky exists and its reciprocal condition estimate is >= kNormalRcond:
//    the direction then has a relative error <= ~1e-8, which only perturbs Newton's quadratic convergence by
//    that factor (the stopping test is on the residual b - M^T x, computed the same way on both routes, so the
//    accuracy of the returned solution is unchanged).
//  - QR of B (no squared condition number): everywhere else, e.g. near |z| -> 1 at D > 2, where W spans many
//    orders of magnitude. This was the only route before issue 10.
constexpr double kNormalRcond = 1e-8;

// hp = h'(z) at the current point.
Vec newton_direction(const Mat& M, double c, const Vec& hp, const Vec& g, NewtonWork& w, const char* fn) {
    const Index d = M.rows(), k = M.cols();
    w.s.resize(d);
    for (Index i = 0; i < d; ++i) w.s(i) = std::sqrt(c * hp(i));
    w.B.noalias() = w.s.asDiagonal() * M;  // column by column (M is column-major), not row by row
    if (w.route == NewtonRoute::Auto) {
        w.H.setZero(k, k);
        w.H.selfadjointView<Eigen::Lower>().rankUpdate(w.B.transpose());
        w.llt.compute(w.H);
        if (w.llt.info() == Eigen::Success && w.llt.rcond() >= kNormalRcond) {
            ++w.normal_steps;
            return w.llt.solve(g);
        }
    }
    ++w.qr_steps;
    Eigen::HouseholderQR<Mat> qr(w.B);
    const auto R = qr.matrixQR().topLeftCorner(k, k).triangularView<Eigen::Upper>();
    const double rmax = qr.matrixQR().topLeftCorner(k, k).diagonal().cwiseAbs().maxCoeff();
    const double rmin = qr.matrixQR().topLeftCorner(k, k).diagonal().cwiseAbs().minCoeff();
    if (!(rmin > 1e-300 * rmax) || !std::isfinite(rmax))
        throw ConvergenceError(std::string(fn) + ": singular Newton system (constraint rows linearly dependent)");
    return R.solve(R.transpose().solve(g));
}

}  // namespace

DualResult maximize_dual(const Mat& M, const Vec& b, double c, const Potential& pot, const Vec& nu0, const char* fn,
                         NewtonRoute route) {
    Point cur;
    cur.nu = nu0;
    if (!evaluate(M, b, c, pot, cur))
        throw ConvergenceError(std::string(fn) + ": Newton start point is outside the domain of the dual");
    const Mat Mabs = M.cwiseAbs();
    Vec xerr;
    NewtonWork ws;
    ws.route = route;
    Vec hp;  // h'(z) at the current point, for the rounding floor and the Newton system
    auto finish = [&](int it) {
        Vec x = cur.x;
        polish(M, b, xerr, x);
        return DualResult{cur.nu, x, it, ws.normal_steps, ws.qr_steps};
    };
    int frozen = 0, stall = 0;
    double best_gn = std::numeric_limits<double>::infinity();
    for (int it = 0; it < 2000; ++it) {
        const Vec g = b - M.transpose() * cur.x;
        const Vec ax = Mabs.transpose() * cur.x.cwiseAbs();
        const double gscale = std::max({b.lpNorm<Eigen::Infinity>(), ax.maxCoeff(), 1e-300});
        hp.resize(cur.z.size());
        for (Index i = 0; i < cur.z.size(); ++i) hp(i) = pot.hprime(cur.z(i));
        const Vec floor = noise_floor(Mabs, b, c, cur, hp, ax, xerr);
        const double gn = g.lpNorm<Eigen::Infinity>();
        const bool at_floor = (g.cwiseAbs().array() <= 8.0 * floor.array()).all();
        if (gn < 0.5 * best_gn) {
            best_gn = gn;
            stall = 0;
        } else {
            ++stall;
        }
        // Converged; or at the rounding floor AND no longer making progress (the floor estimate alone
        // can be large at a transient iterate close to the domain boundary).
        if (gn <= kConvergedRel * gscale || (at_floor && stall >= 3)) return finish(it);
        const Vec delta = newton_direction(M, c, hp, g, ws, fn);
        const double dec = g.dot(delta);  // > 0: ascent direction
        bool accepted = false;
        Point cand;
        // Far from the optimum (e.g. alpha^D ~ 1e-80) the Newton step is astronomically long: start the
        // backtracking at a step that moves z = M nu by at most 20 (D = 2: e^20 growth of h) or by the
        // width of the domain (D > 2), so that halving finds an acceptable step in a few tries.
        const double zcap = pot.D == 0 ? std::numeric_limits<double>::infinity() : (pot.D == 2 ? 20.0 : 1.0);
        const double dz = (M * delta).lpNorm<Eigen::Infinity>();
        double t = dz > zcap ? zcap / dz : 1.0;
        for (int ls = 0; ls < 200 && !accepted; ++ls, t *= 0.5) {
            cand.nu = cur.nu + t * delta;
            if (!evaluate(M, b, c, pot, cand)) continue;
            if (cand.phi >= cur.phi + 1e-4 * t * dec) {
                accepted = true;
            } else if (std::abs(cand.phi - cur.phi) <= 1e-12 * std::max(std::abs(cur.phi), 1e-300)) {
                // Objective changes are at the rounding level: judge the step by the residual instead.
                const double gc = (b - M.transpose() * cand.x).lpNorm<Eigen::Infinity>();
                accepted = gc < gn;
                if (!accepted && t < 1e-3) break;
            }
        }
        if (!accepted) {
            if ((g.cwiseAbs().array() <= 1e3 * floor.array()).all() && gn <= kFloorRel * gscale) return finish(it);
            throw ConvergenceError(std::string(fn) + ": Newton line search failed with relative residual " +
                                   detail::num(gn / gscale) + " after " + std::to_string(it) + " iterations");
        }
        frozen = (cand.nu - cur.nu).lpNorm<Eigen::Infinity>() == 0.0 ? frozen + 1 : 0;
        if (frozen >= 10)
            throw ConvergenceError(std::string(fn) + ": Newton stalled (steps below rounding) with relative residual " +
                                   detail::num(gn / gscale));
        cur = std::move(cand);
    }
    throw ConvergenceError(std::string(fn) + ": Newton did not converge in 2000 iterations");
}

DualResult max_margin_dual(const Mat& Xt, double c, const Potential& pot, const char* fn) {
    const Index n = Xt.rows();
    Vec lam = Vec::Zero(n);
    std::vector<Index> P;
    std::vector<char> inP(n, 0);
    auto primal = [&](const Vec& l) {
        const Vec z = Xt.transpose() * l;
        Vec w(z.size());
        for (Index i = 0; i < z.size(); ++i) w(i) = c * pot.h(z(i));
        return w;
    };
    auto remove = [&](Index k) {
        lam(k) = 0.0;
        inP[k] = 0;
        P.erase(std::find(P.begin(), P.end(), k));
    };
    Vec w = Vec::Zero(Xt.cols());
    int outer = 0;
    const int max_outer = 20 * static_cast<int>(n) + 100;
    int newton_total = 0;
    for (; outer < max_outer; ++outer) {
        const Vec m = Xt * w;
        Index j = -1;
        double best = 1e-11;
        for (Index i = 0; i < n; ++i)
            if (!inP[i] && 1.0 - m(i) > best) best = 1.0 - m(i), j = i;
        if (j < 0) break;
        P.push_back(j);
        inP[j] = 1;
        // Linear dependency of the new row on the set: exchange it in (w is unchanged by the exchange).
        if (P.size() > 1) {
            Mat A(Xt.cols(), P.size() - 1);
            for (size_t a = 0; a + 1 < P.size(); ++a) A.col(a) = Xt.row(P[a]).transpose();
            Eigen::CompleteOrthogonalDecomposition<Mat> qr(A);
            const Vec xj = Xt.row(j).transpose();
            const Vec coef = qr.solve(xj);
            const double fit = (A * coef - xj).norm();
            if (fit <= 1e-10 * std::max(xj.norm(), 1e-300)) {
                Index kmin = -1;
                double tmin = std::numeric_limits<double>::infinity();
                for (size_t a = 0; a + 1 < P.size(); ++a)
                    if (coef(a) > 1e-14 && lam(P[a]) / coef(a) < tmin) tmin = lam(P[a]) / coef(a), kmin = P[a];
                if (kmin < 0)
                    throw NotSeparableError(std::string(fn) +
                                            ": the data is not linearly separable through the origin (found "
                                            "lambda >= 0 with sum_n lambda_n y_n x_n = 0). Check the labels, "
                                            "duplicated points with opposite labels, or a missing bias feature.");
                for (size_t a = 0; a + 1 < P.size(); ++a) lam(P[a]) -= tmin * coef(a);
                lam(j) += tmin;
                remove(kmin);
                for (Index q : P) lam(q) = std::max(lam(q), 0.0);
            }
        }
        Vec polished;
        // Lawson-Hanson inner loop: exact maximizer on the set, interpolating back while it leaves lambda >= 0.
        for (int inner = 0; inner <= static_cast<int>(n) + 1 && !P.empty(); ++inner) {
            Mat M(Xt.cols(), P.size());
            Vec nu0(P.size());
            for (size_t a = 0; a < P.size(); ++a) M.col(a) = Xt.row(P[a]).transpose(), nu0(a) = lam(P[a]);
            const DualResult sub = maximize_dual(M, Vec::Ones(P.size()), c, pot, nu0, fn);
            newton_total += sub.iterations;
            if ((sub.dual.array() > 0.0).all()) {
                for (size_t a = 0; a < P.size(); ++a) lam(P[a]) = sub.dual(a);
                polished = sub.primal;  // c h(Xt^T lambda), re-solved where h is too steep to evaluate
                break;
            }
            double step = 1.0;
            Index kmin = -1;
            for (size_t a = 0; a < P.size(); ++a) {
                if (sub.dual(a) <= 0.0) {
                    const double s = lam(P[a]) / (lam(P[a]) - sub.dual(a));
                    if (s < step || kmin < 0) step = s, kmin = P[a];
                }
            }
            for (size_t a = 0; a < P.size(); ++a) lam(P[a]) += step * (sub.dual(a) - lam(P[a]));
            std::vector<Index> drop{kmin};
            for (Index q : P)
                if (q != kmin && lam(q) <= 0.0) drop.push_back(q);
            for (Index q : drop) remove(q);
        }
        w = polished.size() ? polished : primal(lam);
    }
    if (outer >= max_outer)
        throw ConvergenceError(std::string(fn) + ": active set did not terminate in " + std::to_string(max_outer) +
                               " iterations");
    // Final KKT verification (margins are normalized to 1, so these are relative).
    const Vec m = Xt * w;
    for (Index i = 0; i < n; ++i) {
        if (!(lam(i) >= 0.0) || m(i) < 1.0 - 1e-10 || (lam(i) > 0.0 && std::abs(m(i) - 1.0) > 1e-10))
            throw ConvergenceError(std::string(fn) + ": KKT verification failed at row " + std::to_string(i) +
                                   " (margin " + detail::num(m(i)) + ", multiplier " + detail::num(lam(i)) +
                                   ")");
    }
    return {lam, w, newton_total};
}

}  // namespace depthbias::refs::detail
