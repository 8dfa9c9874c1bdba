#include "depthbias/analysis/references/saddle_to_saddle.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "depthbias/analysis/references/nnls.hpp"

namespace depthbias::refs {

SaddleResult saddle_to_saddle(const Mat& X, const Vec& y, int max_iterations) {
    if (X.rows() < 1 || X.cols() < 1) throw std::invalid_argument("saddle_to_saddle: X is empty");
    if (X.rows() != y.size())
        throw std::invalid_argument("saddle_to_saddle: X has " + std::to_string(X.rows()) + " rows but y has " +
                                    std::to_string(y.size()) + " entries");
    if (!X.allFinite() || !y.allFinite()) throw std::invalid_argument("saddle_to_saddle: non-finite X or y");
    if (max_iterations < 1) throw std::invalid_argument("saddle_to_saddle: max_iterations must be >= 1");
    const Index n = X.rows(), d = X.cols();
    auto grad = [&](const Vec& b) -> Vec { return -(X.transpose() * (y - X * b)) / static_cast<double>(n); };
    Vec beta = Vec::Zero(d), s = Vec::Zero(d);
    double t = 0.0;
    Vec g = grad(beta);
    const double gtol = 1e-12 * std::max(g.lpNorm<Eigen::Infinity>(), 1e-300);
    SaddleResult res;
    for (int it = 0; it < max_iterations; ++it) {
        if (g.lpNorm<Eigen::Infinity>() <= gtol) {
            res.converged = true;
            break;
        }
        // Time to the next hit of |s_i| = 1 by a coordinate outside the support.
        double Delta = std::numeric_limits<double>::infinity();
        Vec delta = Vec::Constant(d, std::numeric_limits<double>::infinity());
        for (Index i = 0; i < d; ++i) {
            if (beta(i) != 0.0 || std::abs(g(i)) <= gtol) continue;
            delta(i) = g(i) < 0.0 ? (1.0 - s(i)) / (-g(i)) : (1.0 + s(i)) / g(i);
            Delta = std::min(Delta, delta(i));
        }
        if (!std::isfinite(Delta)) {
            break;  // gradient only on support coordinates: the least-squares solve was not stationary
        }
        t += Delta;
        for (Index i = 0; i < d; ++i) {
            if (delta(i) <= Delta * (1.0 + 1e-12)) {
                s(i) = g(i) < 0.0 ? 1.0 : -1.0;
            } else if (std::abs(g(i)) <= gtol) {
                // no drift (support coordinates, or degenerate): s_i keeps its value, +-1 included
            } else {
                s(i) = std::clamp(s(i) - Delta * g(i), -1.0, 1.0);
            }
        }
        // Sign-constrained least squares on the active set: beta_i = s_i gamma_i, gamma >= 0.
        std::vector<int> active;
        for (Index i = 0; i < d; ++i)
            if (std::abs(s(i)) == 1.0) active.push_back(static_cast<int>(i));
        Mat A(n, active.size());
        for (size_t a = 0; a < active.size(); ++a) A.col(a) = s(active[a]) * X.col(active[a]);
        const Vec gamma = nnls(A, y);
        beta.setZero();
        for (size_t a = 0; a < active.size(); ++a) beta(active[a]) = s(active[a]) * gamma(a);
        g = grad(beta);
        SaddleStep st;
        st.t = t;
        st.beta = beta;
        st.s = s;
        st.active = active;
        for (int i : active) st.signs.push_back(s(i) > 0.0 ? 1 : -1);
        for (Index i = 0; i < d; ++i)
            if (beta(i) != 0.0) st.support.push_back(static_cast<int>(i));
        st.loss = 0.5 * (y - X * beta).squaredNorm() / static_cast<double>(n);
        res.steps.push_back(std::move(st));
    }
    if (!res.converged && g.lpNorm<Eigen::Infinity>() <= gtol) res.converged = true;
    return res;
}

}  // namespace depthbias::refs
