#include "depthbias/analysis/references/kkt.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "depthbias/analysis/references/nnls.hpp"

namespace depthbias::refs {

KktReport l2_over_D_kkt(const Mat& Xt, const Vec& w, int D, const KktOptions& opt) {
    const char* fn = "l2_over_D_kkt";
    if (D < 2) throw std::invalid_argument(std::string(fn) + ": depth D = " + std::to_string(D) + " must be >= 2");
    if (Xt.rows() < 1 || Xt.cols() < 1) throw std::invalid_argument(std::string(fn) + ": Xt is empty");
    if (w.size() != Xt.cols())
        throw std::invalid_argument(std::string(fn) + ": w has " + std::to_string(w.size()) + " entries but Xt has " +
                                    std::to_string(Xt.cols()) + " columns");
    if (!Xt.allFinite() || !w.allFinite()) throw std::invalid_argument(std::string(fn) + ": non-finite Xt or w");
    if (!(opt.support_rel >= 0.0) || !(opt.tight_abs >= 0.0))
        throw std::invalid_argument(std::string(fn) + ": tolerances must be >= 0");
    KktReport rep;
    const Index n = Xt.rows();
    rep.lambda = Vec::Zero(n);
    const Vec m0 = Xt * w;
    rep.gamma = m0.minCoeff();
    if (!(rep.gamma > 0.0)) {
        rep.residual = rep.stationarity = std::numeric_limits<double>::infinity();
        return rep;
    }
    const Vec wt = w / rep.gamma;
    const Vec m = m0 / rep.gamma;
    const double wmax = wt.cwiseAbs().maxCoeff();
    for (Index i = 0; i < wt.size(); ++i)
        if (std::abs(wt(i)) > opt.support_rel * wmax) rep.support.push_back(static_cast<int>(i));
    for (Index k = 0; k < n; ++k)
        if (m(k) - 1.0 <= opt.tight_abs) rep.tight.push_back(static_cast<int>(k));
    const double q = 2.0 / D;
    Vec g(rep.support.size());
    Mat A(rep.support.size(), rep.tight.size());
    for (size_t a = 0; a < rep.support.size(); ++a) {
        const Index i = rep.support[a];
        g(a) = q * std::pow(std::abs(wt(i)), q - 1.0) * (wt(i) < 0.0 ? -1.0 : 1.0);
        for (size_t b = 0; b < rep.tight.size(); ++b) A(a, b) = Xt(rep.tight[b], i);
    }
    const Vec lamT = nnls(A, g);
    for (size_t b = 0; b < rep.tight.size(); ++b) rep.lambda(rep.tight[b]) = lamT(b);
    rep.stationarity = (A * lamT - g).norm() / g.norm();
    if (D == 2) {
        const Vec c = Xt.transpose() * rep.lambda;
        std::vector<char> inS(wt.size(), 0);
        for (int i : rep.support) inS[i] = 1;
        for (Index i = 0; i < wt.size(); ++i)
            if (!inS[i]) rep.off_support = std::max(rep.off_support, std::abs(c(i)) - 1.0);
    }
    double num = 0.0, den = 0.0;
    for (int k : rep.tight) num += rep.lambda(k) * std::abs(m(k) - 1.0), den += rep.lambda(k);
    rep.complementarity = den > 0.0 ? num / den : 0.0;
    rep.residual = std::max({rep.stationarity, rep.off_support, rep.complementarity});
    return rep;
}

double l2_over_D_kkt_residual(const Mat& Xt, const Vec& w, int D, const KktOptions& opt) {
    return l2_over_D_kkt(Xt, w, D, opt).residual;
}

}  // namespace depthbias::refs
