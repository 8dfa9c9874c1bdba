// _depthbias: the compiled half of the Python package `depthbias` (python/depthbias/). A thin view of the engine:
// experiments run through run_experiment() with the same config parsing, validation and typed results as the CLI
// (the result crosses as experiment.json's text and is wrapped in Python); the theory closed forms and the exact
// reference solvers are exposed on numpy arrays (Eigen <-> numpy by pybind11/eigen.h; inputs are copied into
// Eigen matrices, outputs are new arrays).
//
// Threads and signals: an experiment runs on a worker thread with the GIL released; the calling thread waits in
// slices of 0.1 s, calling the Python progress callback (with the GIL) and PyErr_CheckSignals(). A
// KeyboardInterrupt sets RunMonitor::cancel: the runs checkpoint and stop, no summary.json / experiment.json is
// written (the directory does not look finished; resume=True continues it), and the KeyboardInterrupt propagates.
// Errors: ConfigError -> depthbias.ConfigError (ValueError) with .key; IoError -> depthbias.IoError (OSError);
// std::invalid_argument -> ValueError.
#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <exception>
#include <future>
#include <thread>

#include "depthbias/analysis/depth_separation.hpp"
#include "depthbias/analysis/references/reference_registry.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/models/model_registry.hpp"
#include "depthbias/observe/observer.hpp"
#include "depthbias/tasks/task_registry.hpp"
#include "depthbias/analysis/references/lp.hpp"
#include "depthbias/analysis/references/mirror_potential.hpp"
#include "depthbias/analysis/references/nuclear_norm.hpp"
#include "depthbias/analysis/references/spline.hpp"
#include "depthbias/models/init_laws.hpp"
#include "depthbias/analysis/references/omp.hpp"
#include "depthbias/analysis/references/q_potential.hpp"
#include "depthbias/analysis/references/q_program.hpp"
#include "depthbias/analysis/references/saddle_to_saddle.hpp"
#include "depthbias/analysis/references/svm.hpp"
#include "depthbias/analysis/toy_theory.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/run/config.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/run/experiment_kind.hpp"
#include "depthbias/run/presets.hpp"
#include "depthbias/run/run_monitor.hpp"
#include "depthbias/version.hpp"

namespace py = pybind11;
using namespace depthbias;

namespace {

struct ExperimentArgs {
    std::string toml, origin;
    std::vector<std::string> sets;
    std::string out;
    bool figures = false;
    int jobs = 1;
    double max_wall_seconds = 0, checkpoint_seconds = 60;
    bool resume = false;
    bool flat = false;  // ExperimentOptions::flat: the one run's files directly in `out`, no experiment.json
};

// Runs the experiment on a worker thread; see the header for the GIL, progress and interrupt protocol.
std::string run_experiment_json(const ExperimentArgs& a, const py::object& progress) {
    Experiment e = parse_experiment(a.toml, a.origin);
    apply_overrides(e, a.sets);
    for (const auto& v : e.variants) variant_config(e, v);  // every variant validated before anything runs
    if (a.flat) require_one_run(e, "--flat");  // (the Python front reports the option as `layout`)
    RunMonitor monitor;
    ExperimentOptions opt;
    opt.figures = a.figures;
    opt.jobs = a.jobs;
    opt.max_wall_seconds = a.max_wall_seconds;
    opt.checkpoint_seconds = a.checkpoint_seconds;
    opt.resume = a.resume;
    opt.flat = a.flat;
    opt.monitor = &monitor;
    // (run_experiment prepares `out` itself, on the worker thread; its ConfigError names --out, which the Python
    // front reports as `out`. A second probe here cost a file creation per call: P8a, bench/bench_python_overhead.py.)
    const int total = int(e.variants.size());
    auto task = std::async(std::launch::async, [&] { return run_experiment(e, a.out, opt).to_json().dump(); });
    const auto report = [&] {
        if (!progress.is_none())
            progress(monitor.runs_finished.load(), total, monitor.step.load(), monitor.time.load(), monitor.loss.load());
    };
    for (;;) {
        std::future_status st;
        {
            py::gil_scoped_release release;
            st = task.wait_for(std::chrono::milliseconds(100));
        }
        if (st == std::future_status::ready) break;
        if (PyErr_CheckSignals() != 0) {  // KeyboardInterrupt (or another signal's exception) is now set
            monitor.cancel = true;
            {
                py::gil_scoped_release release;
                task.wait();
            }
            try {
                task.get();
            } catch (const Cancelled&) {
            } catch (...) {  // a real failure (e.g. a checkpoint that could not be written) wins over the interrupt
                PyErr_Clear();
                throw;
            }
            throw py::error_already_set();
        }
        try {
            report();
        } catch (py::error_already_set&) {  // an exception in the callback stops the runs, then propagates
            monitor.cancel = true;
            py::gil_scoped_release release;
            task.wait();
            throw;
        }
    }
    std::string json = task.get();
    report();
    return json;
}

template <class F>
auto vectorized(F f) {
    return py::vectorize(f);
}

}  // namespace

PYBIND11_MODULE(_depthbias, m) {
    m.doc() = "depthbias engine (compiled part); use the package `depthbias`";
    m.attr("__version__") = std::string(kVersion);
    m.attr("git_commit") = std::string(kGitCommit);

    static py::exception<ConfigError> config_error(m, "ConfigError", PyExc_ValueError);
    static py::exception<IoError> io_error(m, "IoError", PyExc_OSError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const ConfigError& e) {
            py::object type = py::reinterpret_borrow<py::object>(config_error.ptr());
            py::object err = type(py::str(e.what()));
            err.attr("key") = e.key();
            PyErr_SetObject(config_error.ptr(), err.ptr());
        } catch (const IoError& e) {
            io_error(e.what());
        } catch (const Cancelled& e) {
            PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
        }
    });

    m.def(
        "run_experiment",
        [](const std::string& toml, const std::string& origin, const std::vector<std::string>& sets,
           const std::string& out, bool figures, int jobs, double max_wall_seconds, double checkpoint_seconds,
           bool resume, const py::object& progress, bool flat) {
            return run_experiment_json(
                {toml, origin, sets, out, figures, jobs, max_wall_seconds, checkpoint_seconds, resume, flat}, progress);
        },
        py::arg("toml"), py::arg("origin"), py::arg("sets"), py::arg("out"), py::arg("figures") = false,
        py::arg("jobs") = 1, py::arg("max_wall_seconds") = 0.0, py::arg("checkpoint_seconds") = 60.0,
        py::arg("resume") = false, py::arg("progress") = py::none(), py::arg("flat") = false,
        "Run an experiment (TOML text) into `out`; returns experiment.json's text (flat: an experiment of one run, its "
        "files directly in `out`, experiment.json's text returned but not written).");

    m.def(
        "presets",
        [] {
            std::vector<std::pair<std::string, std::string>> out;
            for (const auto& p : presets()) out.emplace_back(p.name, p.module);
            return out;
        },
        "(name, module) of every embedded preset; module '' is the linear engine's");
    m.def(
        "preset_toml",
        [](const std::string& name) {
            const Preset* p = find_preset(name);
            if (!p) throw ConfigError("preset", "no preset named '" + name + "'");
            return py::make_tuple(p->toml, p->module);
        },
        py::arg("name"));
    m.def("describe_keys", &describe_keys, "every config key with its type, default and meaning");
    m.def(
        "components",
        [] {
            // The registries themselves (no second list of names in Python): per kind, (name, doc, keys read).
            py::dict out;
            const auto with_uses = [](const auto& entries) {
                py::list l;
                for (const auto& e : entries) l.append(py::make_tuple(e.name, e.doc, e.uses));
                return l;
            };
            const auto plain = [](const auto& entries) {
                py::list l;
                for (const auto& e : entries) l.append(py::make_tuple(e.name, e.doc, std::vector<std::string>{}));
                return l;
            };
            out["task"] = with_uses(TaskRegistry::instance().entries());
            out["model"] = with_uses(ModelRegistry::instance().entries());
            out["dynamics"] = with_uses(DynamicsRegistry::instance().entries());
            out["observer"] = plain(ObserverRegistry::instance().entries());
            out["reference"] = plain(Registry<ReferenceEntry>::instance().entries());
            py::list extra;
            for (const auto& k : Registry<ExtraKey>::instance().entries())
                extra.append(py::make_tuple(k.name, k.doc, k.owner_key, k.owner_name));
            out["extension_keys"] = extra;
            return out;
        },
        "the registered components: {kind: [(name, doc, keys read)]} for task, model, dynamics, observer, reference, "
        "and extension_keys [(key, doc, owner key, owner name)]");

    // Theory (analysis/toy_theory.hpp, depth_separation.hpp): scalar functions, vectorized over numpy arrays.
    auto th = m.def_submodule("theory", "closed forms of the toy model (gissin.md sections 1-2)");
    th.def("learning_time", vectorized([](int N, double s, double s0, double a, double c) {
               return theory::learning_time(N, s, s0, a, c);
           }),
           py::arg("depth"), py::arg("target"), py::arg("sigma0"), py::arg("alpha"), py::arg("c") = 1.0,
           "Time at which the decoupled toy flow d sigma/dt = c sigma^(2-2/N) (sigma* - sigma) reaches alpha * sigma*\n"
           "(gissin.md 1.3-1.5; 0 when alpha sigma* <= sigma0). Vectorized over numpy arrays.");
    th.def("learning_time_asymptotic", vectorized([](int N, double s, double s0, double a, double c) {
               return theory::learning_time_asymptotic(N, s, s0, a, c);
           }),
           py::arg("depth"), py::arg("target"), py::arg("sigma0"), py::arg("alpha"), py::arg("c") = 1.0,
           "The sigma0 -> 0 asymptotics of learning_time (gissin.md 1.5). Vectorized.");
    th.def("solution", vectorized([](int N, double s, double s0, double t, double c) {
               return theory::solution(N, s, s0, t, c);
           }),
           py::arg("depth"), py::arg("target"), py::arg("sigma0"), py::arg("t"), py::arg("c") = 1.0,
           "sigma(t) of the toy flow (closed form for N = 1, 2; inverted implicit form for N >= 3). Vectorized.");
    th.def("log10_threshold_sigma0", vectorized([](int N, double ratio, double eps) {
               return theory::log10_threshold_sigma0(N, 1.0, ratio, eps);
           }),
           py::arg("depth"), py::arg("ratio"), py::arg("eps") = 0.05,
           "log10 of the largest sigma0 keeping targets (1, ratio) eps-incremental at this depth, also below double\n"
           "range (-inf for depth 1: never incremental). Vectorized.");
    th.def("rate_constant", [](const std::string& form, int N) {
        if (form != "power" && form != "product") throw ConfigError("form", "must be 'power' or 'product'");
        return theory::rate_constant(form == "power" ? theory::ToyForm::Power : theory::ToyForm::Product, N);
    }, py::arg("form"), py::arg("depth"), "c_N of the toy: N^2 for the power form w^N, N for the balanced product.");

    // Exact references (analysis/references): matrices in the engine's convention (X: n x d; Xt: n x d for the
    // classification programs, rows y_i x_i; margin-1 normalization).
    auto ref = m.def_submodule("references", "exact reference solvers (CLP, Newton on the dual, OMP, ...)");
    ref.def("l1_max_margin", &refs::l1_max_margin, py::arg("Xt"), "argmin ||w||_1 s.t. Xt w >= 1 (CLP); Xt rows y_i x_i");
    ref.def("l2_max_margin", &refs::l2_max_margin, py::arg("Xt"), "argmin ||w||_2 s.t. Xt w >= 1 (active set on the dual); Xt rows y_i x_i");
    ref.def("basis_pursuit", &refs::basis_pursuit, py::arg("X"), py::arg("y"), "argmin ||b||_1 s.t. X b = y (CLP)");
    ref.def("min_l2_interpolation", &refs::min_l2_interpolation, py::arg("X"), py::arg("y"), "argmin ||b||_2 s.t. X b = y");
    ref.def("linearly_separable", &refs::linearly_separable, py::arg("Xt"), "whether some w has Xt w >= 1 (CLP feasibility)");
    ref.def("q_regression", &refs::q_regression, py::arg("X"), py::arg("y"), py::arg("D"), py::arg("alpha"),
            "argmin Q^D_alpha(b) s.t. X b = y (Woodworth et al.; Newton on the dual)");
    ref.def("q_classification", &refs::q_classification, py::arg("Xt"), py::arg("D"), py::arg("mu"),
            "the Q max-margin program of Moroshko et al. at scale mu");
    ref.def("Q_alpha", &refs::Q_alpha, py::arg("beta"), py::arg("D"), py::arg("alpha"), "the potential Q^D_alpha(beta)");
    ref.def("q_D", vectorized([](int D, double z) { return refs::q_D(D, z); }), py::arg("D"), py::arg("z"), "q_D(z) = int_0^z h_D^{-1} (vectorized)");
    // Issue 13: minimum nuclear norm (completion through entries, sensing through dense A_k).
    ref.def(
        "min_nuclear_norm",
        [](Index rows, Index cols, const std::vector<Index>& entry_rows, const std::vector<Index>& entry_cols,
           const Vec& values, const std::string& method, double tol) {
            if (entry_rows.size() != entry_cols.size() || Index(entry_rows.size()) != values.size())
                throw ConfigError("values", "rows, cols and values must have the same length");
            std::vector<refs::Measurement> ms;
            for (size_t k = 0; k < entry_rows.size(); ++k) {
                if (entry_rows[k] < 0 || entry_rows[k] >= rows || entry_cols[k] < 0 || entry_cols[k] >= cols)
                    throw ConfigError("rows", "entry " + std::to_string(k) + " is outside the " + std::to_string(rows) +
                                                  " x " + std::to_string(cols) + " matrix");
                ms.push_back({{entry_rows[k]}, {entry_cols[k]}, {1.0}, values(Index(k))});
            }
            if (method != "sdp" && method != "admm") throw ConfigError("method", "must be 'sdp' or 'admm'");
            const refs::NuclearNormResult r = method == "sdp" ? refs::min_nuclear_norm_sdp(rows, cols, ms, tol)
                                                              : refs::min_nuclear_norm_completion_admm(rows, cols, ms, 0.05, tol);
            py::dict d;
            d["x"] = r.x;
            d["nuclear_norm"] = r.nuclear_norm;
            d["primal_objective"] = r.primal_objective;
            d["dual_objective"] = r.dual_objective;
            d["duality_gap"] = r.duality_gap;
            d["max_violation"] = r.max_violation;
            d["iterations"] = r.iterations;
            return d;
        },
        py::arg("rows_total"), py::arg("cols_total"), py::arg("rows"), py::arg("cols"), py::arg("values"),
        py::arg("method") = "sdp", py::arg("tol") = 1e-8,
        "argmin ||X||_* s.t. X[rows[k], cols[k]] = values[k] (completion): method 'sdp' (DSDP, relative duality gap\n"
        "tol, sizes rows_total + cols_total up to ~200) or 'admm' (singular-value thresholding, tolerance tol).\n"
        "Returns {x, nuclear_norm, primal_objective, dual_objective, duality_gap, max_violation, iterations};\n"
        "raises when the solver does not converge (exact_dln.md 5.1, A2).");
    // Issue 12: the curvature-weighted spline g* and the Bregman projection of mirror descent.
    ref.def(
        "curvature_spline",
        [](const Vec& x, const Vec& y, const Vec& grid, const std::string& init, const std::vector<double>& shape) {
            const InitLaw law = init_law(init, shape);
            const refs::Zeta z{[law](double t) { return law.zeta(t); }, law.entry->kinks(law.sw, law.sb)};
            return Vec(refs::curvature_spline(x, y, z)(grid));
        },
        py::arg("x"), py::arg("y"), py::arg("grid"), py::arg("init") = "uniform", py::arg("shape") = std::vector<double>{},
        "g* = argmin int g''^2 / zeta s.t. g(x_j) = y_j with a free affine part (wide_relu_spline.md 2.1), zeta of the\n"
        "input-layer init law `init` (uniform | gaussian | binary; shape = [weight_scale, bias_scale] as model.shape),\n"
        "evaluated at `grid`. x sorted and distinct.");
    ref.def(
        "bregman_projection",
        [](const std::string& potential, const Mat& X, const Vec& y, const Vec& theta0, double beta, double scale) {
            return Vec(refs::bregman_projection(MirrorPotential(potential, beta, scale), X, y, theta0));
        },
        py::arg("potential"), py::arg("X"), py::arg("y"), py::arg("theta0"), py::arg("beta") = 1.0, py::arg("scale") = 1.0,
        "argmin D_Phi(theta, theta0) s.t. X theta = y (mirror_flow.md 1.1): the limit of mirror descent / flow with the\n"
        "separable potential `potential` (quadratic | hypentropy (beta) | quartic | cubic; scaled by `scale`), by\n"
        "damped Newton on the dual.");
    ref.def(
        "omp",
        [](const Mat& X, const Vec& y, double tol) {
            const refs::OmpResult r = refs::omp(X, y, tol);
            py::dict d;
            d["order"] = r.order;
            d["beta"] = r.beta;
            d["half_residual_sq"] = r.half_residual_sq;
            return d;
        },
        py::arg("X"), py::arg("y"), py::arg("tol") = 1e-4,
        "greedy OMP (gissin.md 3.5): {order, beta, half_residual_sq}");
    ref.def(
        "saddle_to_saddle",
        [](const Mat& X, const Vec& y, int max_iterations) {
            const refs::SaddleResult r = refs::saddle_to_saddle(X, y, max_iterations);
            py::list steps;
            for (const auto& s : r.steps) {
                py::dict d;
                d["t"] = s.t;
                d["beta"] = s.beta;
                d["active"] = s.active;
                d["signs"] = s.signs;
                d["support"] = s.support;
                d["loss"] = s.loss;
                steps.append(d);
            }
            py::dict out;
            out["steps"] = steps;
            out["converged"] = r.converged;
            return out;
        },
        py::arg("X"), py::arg("y"), py::arg("max_iterations") = 10000,
        "the saddle-to-saddle limit algorithm (Pesme & Flammarion 2023): {steps: [{t, beta, active, signs, support, loss}], converged}");
}
