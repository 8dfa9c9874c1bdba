#include "cli/dln_theory_cli.hpp"

#include <CLI/CLI.hpp>

#include <cmath>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>

#include "depthbias/analysis/dln_geometry.hpp"
#include "depthbias/analysis/exact_dln.hpp"
#include "depthbias/core/error.hpp"

namespace depthbias {

namespace {

std::string num(double v) {
    std::ostringstream s;
    s.precision(6);
    s << v;
    return s.str();
}

void finite_positive(const char* opt, double v) {
    if (!(v > 0) || !std::isfinite(v)) throw ConfigError(opt, "must be finite and > 0, got " + num(v));
}
void grid(double t_max, int points) {
    if (!(t_max >= 0) || !std::isfinite(t_max)) throw ConfigError("--t-max", "must be finite and >= 0, got " + num(t_max));
    if (points < 2 || points > 1000000) throw ConfigError("--points", "must be in [2, 1000000], got " + std::to_string(points));
}
Vec to_vec(const char* opt, const std::vector<double>& v) {
    if (v.empty()) throw ConfigError(opt, "needs at least one value");
    for (double x : v)
        if (!std::isfinite(x)) throw ConfigError(opt, "values must be finite");
    return Eigen::Map<const Vec>(v.data(), Index(v.size()));
}

struct Options {
    int depth = 2;
    bool infinite = false;
    double target = 1.0, u0 = 1e-3, uf = 0, lambda = 0, a0 = 1e-3, tau = 0.3, delta = 0, t_max = 10;
    int points = 200;
    std::vector<double> beta_star{1.0, 0.25}, w_dir{0.6, -0.8}, sigma{2.0, 1.0};
};

int do_saxe(const Options& o) {
    finite_positive("--target", o.target);
    if (!(o.u0 > 0 && o.u0 < o.target))
        throw ConfigError("--u0", "must lie in (0, --target = " + num(o.target) + "), got " + num(o.u0));
    if (o.uf != 0) {  // the infinite-depth learning time, Saxe eq. 17
        if (!(o.uf > 0 && o.uf < o.target))
            throw ConfigError("--uf", "must lie in (0, --target = " + num(o.target) + "), got " + num(o.uf));
        std::cout.precision(10);
        std::cout << "N t (infinite depth, Saxe eq. 17) from u0 = " << o.u0 << " to uf = " << o.uf << ": "
                  << exact::saxe_infinite_depth_time(o.target, o.u0, o.uf) << "\n";
        return 0;
    }
    if (o.depth < 1 || o.depth > 64) throw ConfigError("--depth", "must be in [1, 64], got " + std::to_string(o.depth));
    grid(o.t_max, o.points);
    std::ostringstream csv;
    csv.precision(12);
    csv << "time,u\n";
    for (int i = 0; i < o.points; ++i) {
        const double t = o.t_max * i / (o.points - 1);
        csv << t << ',' << exact::saxe_mode(o.depth, o.target, o.u0, t) << "\n";
    }
    std::cout << csv.str();
    return 0;
}

int do_lambda_balanced(const Options& o) {
    if (!std::isfinite(o.lambda)) throw ConfigError("--lambda", "must be finite");
    if (!std::isfinite(o.target)) throw ConfigError("--target", "must be finite");
    finite_positive("--a0", o.a0);
    grid(o.t_max, o.points);
    std::ostringstream csv;
    csv.precision(12);
    csv << "time,a\n";
    for (int i = 0; i < o.points; ++i) {
        const double t = o.t_max * i / (o.points - 1);
        csv << t << ',' << exact::lambda_balanced_mode(o.lambda, o.target, o.a0, t) << "\n";
    }
    std::cout << csv.str();
    return 0;
}

int do_single_neuron(const Options& o) {
    const Vec beta = to_vec("--beta-star", o.beta_star);
    const Vec dir = to_vec("--w-dir", o.w_dir);
    if (beta.norm() == 0) throw ConfigError("--beta-star", "must be nonzero");
    if (dir.norm() == 0) throw ConfigError("--w-dir", "must be nonzero");
    if (beta.size() != dir.size())
        throw ConfigError("--w-dir", "must have the length of --beta-star (" + std::to_string(beta.size()) + ")");
    finite_positive("--tau", o.tau);
    if (!std::isfinite(o.delta)) throw ConfigError("--delta", "must be finite");
    grid(o.t_max, o.points);
    const auto init = exact::single_neuron_init(o.tau, o.delta, dir);
    std::ostringstream csv;
    csv.precision(12);
    csv << "time,a";
    for (Index i = 0; i < beta.size(); ++i) csv << ",w" << (i + 1);
    csv << ",delta,kernel_distance\n";
    for (int k = 0; k < o.points; ++k) {
        const double t = o.t_max * k / (o.points - 1);
        const auto st = exact::single_neuron(beta, init.a, init.w, t);
        csv << t << ',' << st.a;
        for (Index i = 0; i < beta.size(); ++i) csv << ',' << st.w(i);
        csv << ',' << st.a * st.a - st.w.squaredNorm() << ','
            << exact::single_neuron_kernel_distance(init.a, init.w, st.a, st.w) << "\n";
    }
    std::cout << csv.str();
    return 0;
}

int do_metric(const Options& o) {
    if (!o.infinite && (o.depth < 1 || o.depth > 1000000))
        throw ConfigError("--depth", "must be in [1, 1000000] (or --infinite), got " + std::to_string(o.depth));
    for (double s : o.sigma)
        if (!(s > 0) || !std::isfinite(s)) throw ConfigError("--sigma", "singular values must be finite and > 0, got " + num(s));
    if (o.sigma.empty()) throw ConfigError("--sigma", "needs at least one singular value");
    const int depth = o.infinite ? geometry::kInfiniteDepth : o.depth;
    const Index d = Index(o.sigma.size());
    const Mat lam = geometry::metric_eigenvalues(o.sigma, d, d, depth);
    // Eigenvalues below (or above) double range are printed as log10, all of them, never as 0 or inf.
    const bool in_range = (lam.array() >= std::numeric_limits<double>::min()).all() && lam.allFinite();
    std::ostringstream out;
    out.precision(10);
    out << "# " << (in_range ? "" : "log10 of the ") << "eigenvalues lambda_ij of A_"
        << (o.infinite ? std::string("inf") : std::to_string(o.depth)) << " on u_i v_j^T"
        << (o.infinite ? " (A_inf = lim A_N / N)" : "") << (in_range ? "" : " (outside double range)") << "\n";
    for (Index i = 0; i < d; ++i) {
        for (Index j = 0; j < d; ++j)
            out << (j ? "\t" : "")
                << (in_range ? lam(i, j)
                             : geometry::log_metric_eigenvalue(o.sigma[size_t(i)], o.sigma[size_t(j)], depth) / std::log(10.0));
        out << "\n";
    }
    const double lv = geometry::log_volume_density(o.sigma, depth);
    out << "log10 volume density " << (o.infinite ? "dvol_inf" : "dvol_N") << ": " << lv / std::log(10.0) << "\n";
    std::cout << out.str();
    return 0;
}

}  // namespace

void add_dln_theory_commands(CLI::App& app, std::vector<CliCommand>& out) {
    CLI::App* th = app.get_subcommand("theory");
    auto o = std::make_shared<Options>();

    auto* saxe = th->add_subcommand("saxe", "Saxe et al. 2014: one aligned balanced mode u(t) of a depth-N_w linear "
                                            "net on whitened data (CSV), or with --uf the infinite-depth time (eq. 17)");
    saxe->add_option("--depth,-N", o->depth, "number of weight matrices N_w >= 1")->capture_default_str();
    saxe->add_option("--target", o->target, "singular value s of Sigma")->capture_default_str();
    saxe->add_option("--u0", o->u0, "initial mode strength in (0, s)")->capture_default_str();
    saxe->add_option("--uf", o->uf, "print lim N t_N from u0 to uf instead of a curve")->capture_default_str();
    saxe->add_option("--t-max", o->t_max, "last time")->capture_default_str();
    saxe->add_option("--points", o->points, "grid points")->capture_default_str();
    out.push_back({saxe, [o] { return do_saxe(*o); }});

    auto* lb = th->add_subcommand("lambda-balanced", "Dominé et al. 2025: the aligned mode a(t) of a lambda-balanced "
                                                     "two-layer net, a' = sqrt(lambda^2 + 4 a^2)(s - a) (CSV)");
    lb->add_option("--lambda", o->lambda, "balance W2^T W2 - W1 W1^T = lambda I")->capture_default_str();
    lb->add_option("--target", o->target, "singular value s of Sigma")->capture_default_str();
    lb->add_option("--a0", o->a0, "initial product a(0) > 0")->capture_default_str();
    lb->add_option("--t-max", o->t_max, "last time")->capture_default_str();
    lb->add_option("--points", o->points, "grid points")->capture_default_str();
    out.push_back({lb, [o] { return do_lambda_balanced(*o); }});

    auto* sn = th->add_subcommand("single-neuron", "Kunin et al. 2024: the single neuron a w^T x on whitened data, "
                                                   "exact a(t), w(t), delta and kernel distance (CSV)");
    sn->add_option("--beta-star", o->beta_star, "target beta* (comma-separated)")->delimiter(',')->capture_default_str();
    sn->add_option("--w-dir", o->w_dir, "direction of w(0) (comma-separated)")->delimiter(',')->capture_default_str();
    sn->add_option("--tau", o->tau, "overall scale tau > 0")->capture_default_str();
    sn->add_option("--delta", o->delta, "relative scale delta = a^2 - ||w||^2")->capture_default_str();
    sn->add_option("--t-max", o->t_max, "last time")->capture_default_str();
    sn->add_option("--points", o->points, "grid points")->capture_default_str();
    out.push_back({sn, [o] { return do_single_neuron(*o); }});

    auto* me = th->add_subcommand("metric", "Cohen-Menon-Veraszto: eigenvalues of the end-to-end metric A_N at "
                                            "singular values sigma, and the log10 volume density");
    me->add_option("--sigma", o->sigma, "singular values (comma-separated, > 0)")->delimiter(',')->capture_default_str();
    me->add_option("--depth,-N", o->depth, "depth N >= 1")->capture_default_str();
    me->add_flag("--infinite", o->infinite, "the infinite-depth limit A_inf = lim A_N / N");
    out.push_back({me, [o] { return do_metric(*o); }});
}

}  // namespace depthbias
