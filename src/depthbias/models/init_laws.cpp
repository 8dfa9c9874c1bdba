#include "depthbias/models/init_laws.hpp"

#include <cmath>

#include "depthbias/core/error.hpp"

namespace depthbias {

InitLaw init_law(const std::string& name, const std::vector<double>& shape) {
    const InitLawEntry& e = InitLawRegistry::instance().get("model.init", name);
    if (!shape.empty() && shape.size() != 2)
        throw ConfigError("model.shape", "a two-layer network takes [weight_scale, bias_scale], got " +
                                             std::to_string(shape.size()) + " values");
    InitLaw l{&e, shape.empty() ? e.default_weight_scale : shape[0], shape.empty() ? e.default_bias_scale : shape[1]};
    if (!(l.sw > 0) || !std::isfinite(l.sw) || !(l.sb > 0) || !std::isfinite(l.sb))
        throw ConfigError("model.shape", "weight and bias scales must be finite and > 0");
    return l;
}

namespace {

double uniform_pm(Rng& r, double a) { return a * (2.0 * r.uniform() - 1.0); }

// W ~ U(-sw, sw), B ~ U(-sb, sb): zeta = sw^3/(8 sb) on |x| <= sb/sw, sb^3/(8 sw x^4) outside (Theorem 2(c)).
const Registrar<InitLawEntry> uniform{{
    .name = "uniform",
    .doc = "W ~ U(-sw, sw), B ~ U(-sb, sb) (defaults sw = 1, sb = 2: the authors' scripts); zeta constant on |x| <= sb/sw",
    .default_weight_scale = 1,
    .default_bias_scale = 2,
    .sample = [](Rng& r, double sw, double sb, double& w, double& b) { w = uniform_pm(r, sw); b = uniform_pm(r, sb); },
    .zeta = [](double x, double sw, double sb) {
        const double ax = std::abs(x);
        return ax <= sb / sw ? sw * sw * sw / (8 * sb) : sb * sb * sb / (8 * sw * ax * ax * ax * ax);
    },
    .density = [](double w, double b, double sw, double sb) {
        return std::abs(w) <= sw && std::abs(b) <= sb ? 1.0 / (4 * sw * sb) : 0.0;
    },
    .discrete_weight = false,
    .kinks = [](double sw, double sb) { return std::vector<double>{-sb / sw, sb / sw}; },
    .breakpoint_cdf = [](double c, double sw, double sb) {
        const double I = sb / sw;  // density min((sb/|c|)^2, sw^2) / (4 sw sb)
        if (c <= -I) return sb / (4 * sw * -c);
        if (c >= I) return 1.0 - sb / (4 * sw * c);
        return 0.25 + (c + I) * sw / (4 * sb);
    },
}};

// W ~ N(0, sw^2), B ~ N(0, sb^2): zeta = 2 sw^3 sb^3 / (pi (sb^2 + x^2 sw^2)^2) (Theorem 2(a)).
const Registrar<InitLawEntry> gaussian{{
    .name = "gaussian",
    .doc = "W ~ N(0, sw^2), B ~ N(0, sb^2) (defaults 1, 1); zeta = 2 sw^3 sb^3 / (pi (sb^2 + sw^2 x^2)^2)",
    .default_weight_scale = 1,
    .default_bias_scale = 1,
    .sample = [](Rng& r, double sw, double sb, double& w, double& b) { w = sw * r.normal(); b = sb * r.normal(); },
    .zeta = [](double x, double sw, double sb) {
        const double q = sb * sb + x * x * sw * sw;
        return 2 * sw * sw * sw * sb * sb * sb / (M_PI * q * q);
    },
    .density = [](double w, double b, double sw, double sb) {
        return std::exp(-0.5 * (w * w / (sw * sw) + b * b / (sb * sb))) / (2 * M_PI * sw * sb);
    },
    .discrete_weight = false,
    .kinks = [](double, double) { return std::vector<double>{}; },
    // C = -B/W is Cauchy with scale sb/sw.
    .breakpoint_cdf = [](double c, double sw, double sb) { return 0.5 + std::atan(c * sw / sb) / M_PI; },
}};

// W = +-sw with probability 1/2, B ~ U(-sb, sb): zeta = sw^3 / (2 sb) on |x| <= sb/sw, 0 outside (Theorem 2(b)).
const Registrar<InitLawEntry> binary{{
    .name = "binary",
    .doc = "W = +-sw (prob. 1/2 each), B ~ U(-sb, sb) (defaults 1, 2); zeta = sw^3/(2 sb) on |x| <= sb/sw, 0 outside",
    .default_weight_scale = 1,
    .default_bias_scale = 2,
    .sample = [](Rng& r, double sw, double sb, double& w, double& b) {
        w = r.uniform() <= 0.5 ? -sw : sw;
        b = uniform_pm(r, sb);
    },
    .zeta = [](double x, double sw, double sb) { return std::abs(x) <= sb / sw ? sw * sw * sw / (2 * sb) : 0.0; },
    .density = [](double w, double b, double sw, double sb) {
        return std::abs(std::abs(w) - sw) < 1e-300 + 1e-15 * sw && std::abs(b) <= sb ? 0.5 / (2 * sb) : 0.0;
    },
    .discrete_weight = true,
    .kinks = [](double sw, double sb) { return std::vector<double>{-sb / sw, sb / sw}; },
    .breakpoint_cdf = [](double c, double sw, double sb) {
        const double I = sb / sw;
        return c <= -I ? 0.0 : c >= I ? 1.0 : (c + I) / (2 * I);
    },
}};

}  // namespace
}  // namespace depthbias
