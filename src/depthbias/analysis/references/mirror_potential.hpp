// Separable mirror potentials (mirror_flow.md 1, 6): Phi(theta) = sum_k (1/s) phi(s theta_k), s =
// dynamics.potential_scale (1: unscaled; the width n: the digest's scaled potentials, 3.3), with
//   grad Phi(theta)_k = phi'(s theta_k),  (grad Phi)^-1(z)_k = (phi')^-1(z_k) / s,  Hessian s phi''(s theta_k).
// Registered potentials (MirrorPotentialEntry): quadratic x^2/2, hypentropy x asinh(x/beta) - sqrt(x^2 + beta^2)
// (inverse beta sinh z), quartic x^4 + x^2 (inverse by safeguarded Newton), cubic |x|^3 + x^2 (closed form).
// bregman_projection: argmin D_Phi(theta, theta0) s.t. X theta = y by damped Newton (Armijo) on the concave dual
// max_nu nu^T y - sum_k Phi*(grad Phi(theta0)_k + (X^T nu)_k), theta(nu) = (grad Phi)^-1(grad Phi(theta0) + X^T nu)
// (6). Pure functions; thread-safe.
#pragma once
#include <functional>
#include <string>

#include "depthbias/core/registry.hpp"
#include "depthbias/core/types.hpp"

namespace depthbias {

struct MirrorPotentialEntry {
    std::string name;
    std::string doc;
    // phi, phi', phi'' of the unscaled potential with parameter beta (hypentropy; ignored by the others).
    std::function<double(double x, double beta)> phi, dphi, d2phi;
    // (phi')^-1, closed form; empty: safeguarded Newton on the monotone phi'.
    std::function<double(double z, double beta)> inverse = {};
};
using MirrorPotentialRegistry = Registry<MirrorPotentialEntry>;

// A potential with its parameters: the maps of the header comment.
class MirrorPotential {
public:
    MirrorPotential(const std::string& name, double beta, double scale);  // ConfigError naming the key
    double phi(double x) const;          // (1/s) phi(s x)
    double grad(double x) const;         // phi'(s x)
    double hessian(double x) const;      // s phi''(s x)
    double inverse(double z) const;      // (grad)^-1(z)
    double bregman(const Vec& theta, const Vec& theta0) const;  // D_Phi(theta, theta0)
    void to_dual(const Vec& theta, Vec& z) const;
    void to_primal(const Vec& z, Vec& theta) const;
    const std::string& name() const { return e_->name; }

private:
    const MirrorPotentialEntry* e_;
    double beta_, scale_;
};

// (phi')^-1(z) by Newton safeguarded with bisection on a bracket (phi' increasing); relative accuracy ~1e-15.
double invert_monotone(const std::function<double(double)>& dphi, const std::function<double(double)>& d2phi, double z);

namespace refs {
// Converged when ||X theta - y||_inf <= 1e-12 (1 + ||y||_inf), or <= 1e-10 (1 + ||y||_inf) once Newton stalls at
// the rounding floor; std::runtime_error otherwise.
Vec bregman_projection(const MirrorPotential& pot, const Mat& x, const Vec& y, const Vec& theta0);
}  // namespace refs

}  // namespace depthbias
