// Init laws of the two-layer network's input layer (W, B) (wide_relu_spline.md 1.1, 2.2): a registry of named
// joint laws of one hidden unit's (weight, bias), selected by model.init for model.kind = two_layer, with scales
// (s_w, s_b) = model.shape (empty: the law's defaults). Each law gives its sampler, the curvature density
// zeta(x) = int |W|^3 p_{W,B}(W, -W x) dW in closed form (Theorem 2; the penalty is 1/zeta), the joint density
// (for the quadrature check of zeta), the points where zeta is not smooth (quadrature splits there) and the CDF of
// the breakpoint C = -B/W. Pure functions; thread-safe.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "depthbias/core/registry.hpp"
#include "depthbias/core/rng.hpp"

namespace depthbias {

struct InitLawEntry {
    std::string name;
    std::string doc;
    double default_weight_scale = 1, default_bias_scale = 1;
    // One draw of (W, B) with scales (sw, sb).
    std::function<void(Rng&, double sw, double sb, double& w, double& b)> sample;
    // zeta(x) = int |W|^3 p(W, -W x) dW, closed form.
    std::function<double(double x, double sw, double sb)> zeta;
    // Joint density p_{W,B}(w, b); for a law with discrete W (binary) the density of B times P(W = w) (w = +-sw).
    std::function<double(double w, double b, double sw, double sb)> density;
    bool discrete_weight = false;  // W in {-sw, +sw}: zeta is the sum over the two atoms instead of an integral
    // Where zeta or its derivatives jump (quadrature splits its intervals there).
    std::function<std::vector<double>(double sw, double sb)> kinks;
    // P(C <= c) for the breakpoint C = -B / W.
    std::function<double(double c, double sw, double sb)> breakpoint_cdf;
};

using InitLawRegistry = Registry<InitLawEntry>;

// The law named `name` (ConfigError naming model.init otherwise) and its scales from model.shape.
struct InitLaw {
    const InitLawEntry* entry;
    double sw, sb;
    double zeta(double x) const { return entry->zeta(x, sw, sb); }
};
InitLaw init_law(const std::string& name, const std::vector<double>& shape);

}  // namespace depthbias
