#include "depthbias/analysis/references/omp.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>

namespace depthbias::refs {

OmpResult omp(const Mat& X, const Vec& y, double tol) {
    if (X.rows() != y.size())
        throw std::invalid_argument("omp: X has " + std::to_string(X.rows()) + " rows but y has " +
                                    std::to_string(y.size()) + " entries");
    if (!X.allFinite() || !y.allFinite()) throw std::invalid_argument("omp: X or y has non-finite entries");
    if (!(tol >= 0.0)) throw std::invalid_argument("omp: tol must be >= 0");
    const Index d = X.cols();
    Vec inv_norm(d);
    for (Index j = 0; j < d; ++j) {
        const double nj = X.col(j).norm();
        inv_norm(j) = nj > 0.0 ? 1.0 / nj : 0.0;
    }
    OmpResult res;
    res.beta = Vec::Zero(d);
    Vec r = y;
    const Index max_atoms = std::min(X.rows(), d);
    std::vector<char> chosen(d, 0);
    while (true) {
        res.half_residual_sq = 0.5 * r.squaredNorm();
        if (res.half_residual_sq < tol || static_cast<Index>(res.order.size()) >= max_atoms) break;
        const Vec corr = (X.transpose() * r).cwiseProduct(inv_norm).cwiseAbs();
        Index j = 0;
        const double best = corr.maxCoeff(&j);
        if (!(best > 0.0) || chosen[j]) break;
        chosen[j] = 1;
        res.order.push_back(static_cast<int>(j));
        Mat XS(X.rows(), res.order.size());
        for (size_t a = 0; a < res.order.size(); ++a) XS.col(a) = X.col(res.order[a]);
        Eigen::ColPivHouseholderQR<Mat> qr(XS);
        Vec b = qr.solve(y);
        b += qr.solve(y - XS * b);
        res.beta.setZero();
        for (size_t a = 0; a < res.order.size(); ++a) res.beta(res.order[a]) = b(a);
        r = y - XS * b;
    }
    return res;
}

double concurrence(const std::vector<int>& a, const std::vector<int>& b) {
    const std::set<int> A(a.begin(), a.end()), B(b.begin(), b.end());
    if (A.empty() || B.empty()) throw std::invalid_argument("concurrence: an index set is empty (undefined ratio)");
    std::size_t common = 0;
    for (int i : A) common += B.count(i);
    return static_cast<double>(common) / static_cast<double>(std::min(A.size(), B.size()));
}

}  // namespace depthbias::refs
