#include "depthbias/analysis/references/nnls.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "depthbias/analysis/references/errors.hpp"

namespace depthbias::refs {

Vec nnls(const Mat& A, const Vec& b) {
    if (A.rows() != b.size())
        throw std::invalid_argument("nnls: A has " + std::to_string(A.rows()) + " rows but b has " +
                                    std::to_string(b.size()) + " entries");
    if (!A.allFinite() || !b.allFinite()) throw std::invalid_argument("nnls: A or b has non-finite entries");
    const Index k = A.cols();
    Vec x = Vec::Zero(k);
    if (k == 0 || A.rows() == 0) return x;
    std::vector<char> inP(k, 0);
    const double tol = 1e-12 * std::max(A.norm() * b.norm(), 1e-300);
    auto solve_on = [&](const std::vector<Index>& P) {
        Mat AP(A.rows(), P.size());
        for (size_t a = 0; a < P.size(); ++a) AP.col(a) = A.col(P[a]);
        Eigen::ColPivHouseholderQR<Mat> qr(AP);
        Vec s = qr.solve(b);
        s += qr.solve(b - AP * s);  // refinement
        return s;
    };
    const int max_outer = 3 * static_cast<int>(k) + 30;
    for (int outer = 0;; ++outer) {
        if (outer >= max_outer) throw ConvergenceError("nnls: no convergence in " + std::to_string(max_outer) + " iterations");
        const Vec w = A.transpose() * (b - A * x);
        Index j = -1;
        double best = tol;
        for (Index i = 0; i < k; ++i)
            if (!inP[i] && w(i) > best) best = w(i), j = i;
        if (j < 0) break;
        inP[j] = 1;
        for (int inner = 0; inner <= k + 1; ++inner) {
            std::vector<Index> P;
            for (Index i = 0; i < k; ++i)
                if (inP[i]) P.push_back(i);
            if (P.empty()) break;
            const Vec s = solve_on(P);
            bool positive = true;
            for (size_t a = 0; a < P.size(); ++a) positive = positive && s(a) > 0.0;
            if (positive) {
                x.setZero();
                for (size_t a = 0; a < P.size(); ++a) x(P[a]) = s(a);
                break;
            }
            double step = 1.0;
            Index kmin = -1;
            for (size_t a = 0; a < P.size(); ++a) {
                if (s(a) <= 0.0) {
                    const double r = x(P[a]) / (x(P[a]) - s(a));
                    if (kmin < 0 || r < step) step = r, kmin = P[a];
                }
            }
            for (size_t a = 0; a < P.size(); ++a) x(P[a]) += step * (s(a) - x(P[a]));
            x(kmin) = 0.0;
            for (Index i : P)
                if (x(i) <= 0.0) x(i) = 0.0, inP[i] = 0;
            inP[kmin] = 0;
        }
    }
    return x;
}

}  // namespace depthbias::refs
