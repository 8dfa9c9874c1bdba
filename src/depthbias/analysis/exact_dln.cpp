#include "depthbias/analysis/exact_dln.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <cmath>
#include <stdexcept>
#include <string>

#include "depthbias/analysis/toy_theory.hpp"

namespace depthbias::exact {

namespace {

void require(bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
}

}  // namespace

double saxe_mode(int n_w, double s, double u0, double t) {
    require(n_w >= 1, "depth (number of weight matrices) must be >= 1");
    require(s > 0 && std::isfinite(s), "the target s must be finite and > 0");
    require(u0 > 0 && u0 < s, "u0 must lie in (0, s)");
    require(t >= 0 && std::isfinite(t), "t must be finite and >= 0");
    return theory::solution(n_w, s, u0, t, double(n_w));
}

double saxe_infinite_depth_time(double s, double u0, double uf) {
    require(s > 0 && std::isfinite(s), "the target s must be finite and > 0");
    require(u0 > 0 && u0 < s, "u0 must lie in (0, s)");
    require(uf > 0 && uf < s, "uf must lie in (0, s)");
    return std::log(uf * (s - u0) / (u0 * (s - uf))) / (s * s) + 1 / (s * u0) - 1 / (s * uf);
}

LambdaBalancedState lambda_balanced_solution(const Mat& sigma, const Mat& w1, const Mat& w2, double t) {
    const Index n_o = sigma.rows(), n_i = sigma.cols(), n_h = w1.rows();
    require(w1.cols() == n_i && w2.rows() == n_o && w2.cols() == n_h,
            "shapes: Sigma n_o x n_i, W1 n_h x n_i, W2 n_o x n_h");
    require(t >= 0 && std::isfinite(t), "t must be finite and >= 0");
    double off = 0;
    const double lambda = balance_of(w1, w2, &off);
    const double scale = w1.squaredNorm() + w2.squaredNorm() + std::abs(lambda) + 1e-300;
    require(off <= 1e-8 * scale, "the layers are not lambda-balanced: W2^T W2 - W1 W1^T deviates from lambda I by " +
                                     std::to_string(off) + " (the closed form needs the balance)");
    const Index n = n_i + n_o;
    Mat f = Mat::Zero(n, n);
    f.topLeftCorner(n_i, n_i) = -0.5 * lambda * Mat::Identity(n_i, n_i);
    f.bottomRightCorner(n_o, n_o) = 0.5 * lambda * Mat::Identity(n_o, n_o);
    f.topRightCorner(n_i, n_o) = sigma.transpose();
    f.bottomLeftCorner(n_o, n_i) = sigma;
    Eigen::SelfAdjointEigenSolver<Mat> es(f);
    const Vec& mu = es.eigenvalues();
    const Mat& o = es.eigenvectors();
    const double mu_max = mu.cwiseAbs().maxCoeff();
    const long steps = std::max(1L, long(std::ceil(mu_max * t / 2)));
    const double h = t / double(steps);
    Vec e(n), m(n);
    for (Index k = 0; k < n; ++k) {
        e(k) = std::exp(mu(k) * h);
        m(k) = mu(k) == 0 ? h : std::expm1(2 * mu(k) * h) / (2 * mu(k));
    }
    const Mat big_e = o * e.asDiagonal() * o.transpose();
    const Mat big_m = o * m.asDiagonal() * o.transpose();
    Mat q(n, n_h);
    q.topRows(n_i) = w1.transpose();
    q.bottomRows(n_o) = w2;
    if (t > 0) {
        const Mat id = Mat::Identity(n_h, n_h);
        for (long k = 0; k < steps; ++k) {
            const Mat g = id + q.transpose() * big_m * q;
            Eigen::LLT<Mat> llt(g);
            // Q <- E Q L^{-T}: solve L X^T = (E Q)^T
            const Mat eq = big_e * q;
            q = llt.matrixL().solve(eq.transpose()).transpose();
        }
    }
    LambdaBalancedState out;
    out.q = q;
    const Mat p = q * q.transpose();
    out.w1tw1 = p.topLeftCorner(n_i, n_i);
    out.product = p.bottomLeftCorner(n_o, n_i);
    out.w2w2t = p.bottomRightCorner(n_o, n_o);
    out.steps = t > 0 ? steps : 0;
    return out;
}

double lambda_balanced_mode(double lambda, double s, double a0, double t) {
    require(std::isfinite(lambda), "lambda must be finite");
    require(std::isfinite(s), "s must be finite");
    require(a0 > 0 && std::isfinite(a0), "a0 must be finite and > 0");
    const double d0 = std::sqrt((std::sqrt(lambda * lambda + 4 * a0 * a0) + lambda) / 2);
    const Mat w1 = Mat::Constant(1, 1, a0 / d0), w2 = Mat::Constant(1, 1, d0);
    return lambda_balanced_solution(Mat::Constant(1, 1, s), w1, w2, t).product(0, 0);
}

double two_layer_kernel_distance(const Mat& a0, const Mat& b0, const Mat& a, const Mat& b) {
    const double n_i = double(a0.rows()), n_o = double(b0.rows());
    auto inner = [&](const Mat& x, const Mat& y, const Mat& xx, const Mat& yy) {
        return n_o * (x.cwiseProduct(xx)).sum() + x.trace() * yy.trace() + y.trace() * xx.trace() +
               n_i * (y.cwiseProduct(yy)).sum();
    };
    const double k0k = inner(a0, b0, a, b), k00 = inner(a0, b0, a0, b0), kkk = inner(a, b, a, b);
    return 1 - k0k / std::sqrt(k00 * kkk);
}

NeuronState single_neuron(const Vec& beta_star, double a0, const Vec& w0, double t) {
    require(beta_star.size() == w0.size(), "beta* and w0 must have the same length");
    require(t >= 0 && std::isfinite(t), "t must be finite and >= 0");
    const double s2 = beta_star.squaredNorm(), s = std::sqrt(s2);
    require(s > 0, "beta* must be nonzero");
    const double delta = a0 * a0 - w0.squaredNorm();
    const double kk = std::sqrt(delta * delta + 4 * s2);
    const double k1 = (kk + delta) / 2, k2 = (delta - kk) / 2;  // k1 > 0 > k2
    const double p0 = w0.dot(beta_star);
    const double c1 = (p0 + a0 * (kk + delta) / 2) / kk, c2 = -(p0 - a0 * (kk - delta) / 2) / kk;
    // Everything scaled by e^{-k1 t}: v~ = v e^{-k1 t}, G~ = G e^{-2 k1 t}.
    const double ekt = std::exp(-kk * t), e2k1 = std::exp(-2 * k1 * t);
    const double v = c1 + c2 * ekt;
    const double vdot = k1 * c1 + k2 * c2 * ekt;
    const double i1 = -std::expm1(-2 * k1 * t) / (2 * k1);
    const double i2 = e2k1 * std::expm1(2 * k2 * t) / (2 * k2);
    double i12;  // e^{-2 k1 t} (e^{delta t} - 1) / delta
    if (delta == 0) i12 = t * e2k1;
    else if (std::abs(delta * t) < 1) i12 = e2k1 * std::expm1(delta * t) / delta;
    else i12 = (std::exp((delta - 2 * k1) * t) - e2k1) / delta;
    const double g = e2k1 + 2 * (c1 * c1 * i1 + c2 * c2 * i2 + 2 * c1 * c2 * i12);
    const double root = std::sqrt(g);
    NeuronState out;
    out.a = v / root;
    const Vec unit = beta_star / s;
    out.w = ((vdot - delta * v) / (s2 * root)) * beta_star + (w0 - unit * unit.dot(w0)) * (std::exp(-k1 * t) / root);
    out.delta = delta;
    return out;
}

NeuronState single_neuron_init(double tau, double delta, const Vec& w_dir) {
    require(tau > 0 && std::isfinite(tau), "the overall scale tau must be finite and > 0");
    require(std::isfinite(delta), "the relative scale delta must be finite");
    require(w_dir.norm() > 0, "the direction of w0 must be nonzero");
    const double r = delta / (tau * tau);
    // (sqrt(4 + r^2) - r) / 2 = 2 / (sqrt(4 + r^2) + r): the second form for r > 0 (no cancellation at large r)
    const double alpha = std::sqrt(r > 0 ? 2 / (std::sqrt(4 + r * r) + r) : (std::sqrt(4 + r * r) - r) / 2);
    NeuronState out;
    out.a = tau / alpha;
    out.w = (tau * alpha / w_dir.norm()) * w_dir;
    out.delta = out.a * out.a - out.w.squaredNorm();
    return out;
}

Vec single_neuron_rank_one_limit(const Vec& x, double y, double a0, const Vec& w0) {
    require(x.size() == w0.size(), "x and w0 must have the same length");
    require(x.norm() > 0, "x must be nonzero");
    require(a0 > 0 && std::isfinite(a0), "a0 must be finite and > 0");
    require(std::isfinite(y), "y must be finite");
    const Vec unit = x / x.norm();
    const Vec ols = (y / x.squaredNorm()) * x;
    const Vec perp = w0 - unit * unit.dot(w0);
    const double delta = a0 * a0 - w0.squaredNorm();
    const double kappa = (perp.squaredNorm() + delta) / 2;
    // a_inf^2 = kappa + sqrt(kappa^2 + |ols|^2), written without cancellation when kappa < 0
    const double root = std::sqrt(kappa * kappa + ols.squaredNorm());
    const double a2 = kappa >= 0 ? kappa + root : ols.squaredNorm() / (root - kappa);
    return ols + std::sqrt(a2) * perp;
}

double single_neuron_kernel_distance(double a0, const Vec& w0, double a, const Vec& w) {
    const double d = double(w0.size());
    const double cross = d * a0 * a0 * a * a + a0 * a0 * w.squaredNorm() + a * a * w0.squaredNorm() +
                         std::pow(w0.dot(w), 2);
    auto norm2 = [&](double x, const Vec& y) {
        return d * std::pow(x, 4) + 2 * x * x * y.squaredNorm() + std::pow(y.squaredNorm(), 2);
    };
    return 1 - cross / std::sqrt(norm2(a0, w0) * norm2(a, w));
}

}  // namespace depthbias::exact
