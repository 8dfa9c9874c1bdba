// Function-space references of wide two-layer networks on 1-D data (wide_relu_spline.md 2, 5):
//  - CurvatureSpline: g* = argmin int (g'')^2 / zeta s.t. g(x_j) = y_j, affine part free (Theorem 1 with ASI,
//    Theorem 13), through the bordered kernel system of 5.3: K(x, x') = int_{x_1}^{min(x,x')} zeta(u)(x-u)(x'-u) du,
//    [K T; T^T 0][c; a; b] = [y; 0; 0], g*(x) = sum_j c_j K(x, x_j) + a + b x. Constant zeta: the natural cubic
//    spline. Evaluated on [x_1, x_M] (S, where the statement holds).
//  - KernelInterpolant with the infinite-width kernel of 5.4 (ReLU: K(x,x') = E relu(Wx+B) relu(Wx'+B) =
//    1/2 int zeta (x-c)_+(x'-c)_+ + 1/2 int zeta (c-x)_+(c-x')_+ for symmetric W; abs: int zeta |x-c||x'-c|), with
//    the free affine block (= g*, claim 4) or without (the n -> infinity limit of training on unadjusted data,
//    claim 7).
//  - min_norm_interpolant: the finite-width output-layer minimum-norm interpolant from the network's own init
//    (Theorem 20, 5.5), optionally with the affine part free (bordered system).
// Kernel integrals by adaptive Gauss-Kronrod (Boost.Math), split where zeta has kinks. Linear systems by Eigen
// (column-pivoting QR of the symmetric indefinite bordered matrix). Not thread-safe across a shared instance?
// Instances are immutable after construction: const evaluation is thread-safe.
#pragma once
#include <functional>
#include <vector>

#include "depthbias/core/types.hpp"
#include "depthbias/models/function_model.hpp"

namespace depthbias::refs {

struct Zeta {
    std::function<double(double)> f;
    std::vector<double> kinks;  // where f is not smooth (sorted)
};

// int_a^b f, a < b (either may be infinite), split at the kinks inside (a, b); relative tolerance ~1e-13.
double integrate(const std::function<double(double)>& f, double a, double b, const std::vector<double>& kinks);

class KernelInterpolant {
public:
    using Kernel = std::function<double(double, double)>;
    // ridge > 0: the smoothing version argmin sum_j (g(x_j) - y_j)^2 + ridge ||g||_K^2 ((K + ridge I) c + T(a, b) = y).
    KernelInterpolant(const Vec& x, const Vec& y, Kernel k, bool free_affine, double ridge = 0.0);
    double operator()(double z) const;
    Vec operator()(const Vec& z) const;
    double affine_slope() const { return b_; }
    double affine_offset() const { return a_; }

private:
    Vec x_, c_;
    Kernel k_;
    double a_ = 0, b_ = 0;
};

// The anchored curvature kernel of 5.3 (Pintore kernel with rho = 1/zeta), anchored at x0.
KernelInterpolant::Kernel curvature_kernel(const Zeta& z, double x0);
// The infinite-width kernels of 5.4 (symmetric W).
KernelInterpolant::Kernel relu_limit_kernel(const Zeta& z);
KernelInterpolant::Kernel abs_limit_kernel(const Zeta& z);

// g*: the curvature-weighted spline (free affine part).
KernelInterpolant curvature_spline(const Vec& x, const Vec& y, const Zeta& z);
// The smoothing spline of Remark 5: argmin sum_j (g(x_j) - y_j)^2 + lambda int (g'')^2 / zeta (affine part free).
KernelInterpolant smoothing_spline(const Vec& x, const Vec& y, const Zeta& z, double lambda);

// The output-layer minimum-norm interpolant from theta0 (the limit of GD on the output layer and skip connection,
// each linear parameter with its own step as the model parameterizes it), evaluated at `grid`. free_affine: an
// unpenalized u x + v is added (bordered system): the skip-connection / adjusted-data setting of claim 5.
Vec min_norm_interpolant(const ScalarFunctionModel& m, const Vec& theta0, const Vec& x, const Vec& y, const Vec& grid,
                         bool free_affine);

}  // namespace depthbias::refs
