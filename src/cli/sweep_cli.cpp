#include "cli/sweep_cli.hpp"

#include "depthbias/run/experiment_kind.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <toml++/toml.h>

#include "depthbias/core/error.hpp"
#include "depthbias/run/presets.hpp"
#include "depthbias/sweep/html_report.hpp"
#include "depthbias/sweep/sweep_mpi.hpp"
#include "depthbias/sweep/sweep_report.hpp"
#include "depthbias/sweep/sweep_runner.hpp"

namespace depthbias {
namespace fs = std::filesystem;

namespace {

struct SweepArgs {
    std::string config, out, report_dir, html_dir;
    std::vector<std::string> sets;
    int workers = 0;
    bool retry_failed = false, quiet = false, dedicated = false, no_figures = false;
};

// Any preset with a [sweep] table: linear ones (experiments/*.toml) and those of other point kinds
// (experiments/sweeps/*.toml, e.g. deep-net sweeps; sweep/point_kind.hpp).
bool has_sweep_table(const Preset& p) {
    try {
        return toml::parse(p.toml, p.name).contains("sweep");
    } catch (const toml::parse_error&) {
        return false;
    }
}

// A sweep file, or the name of a shipped preset (experiments/NAME.toml) when no such file exists.
std::pair<std::string, std::string> read_sweep_source(const std::string& arg) {
    if (arg.empty()) throw ConfigError("CONFIG", "a sweep file is required (see depthbias sweep --help)");
    std::ifstream f(arg);
    if (f) {
        std::stringstream s;
        s << f.rdbuf();
        return {s.str(), arg};
    }
    if (const Preset* p = find_preset(arg)) return {p->toml, p->name};
    std::string sweeps;
    for (const auto& p : presets())
        if (has_sweep_table(p)) sweeps += (sweeps.empty() ? "" : ", ") + p.name;
    throw ConfigError("CONFIG", "cannot read sweep file '" + arg + "' (shipped sweep presets: " +
                                    (sweeps.empty() ? std::string("none") : sweeps) + ")");
}

// Sweep presets are listed by `reproduce --list`; reproducing one says which command runs it.
const Registrar<ExperimentKindEntry> sweep_presets{{
    .name = "sweep",
    .doc = "sweep presets ([sweep] table): run with `depthbias sweep NAME`",
    .owns = has_sweep_table,
    .title = [](const Preset& p) { return "a sweep: run it with `depthbias sweep " + p.name + "`"; },
    .reproduce = [](const Preset& p, const ReproduceRequest&) -> int {
        throw ConfigError("NAME", "'" + p.name + "' is a sweep preset: run it with `depthbias sweep " + p.name + "`");
    },
    .external = {},
}};

int run_sweep_command(const SweepArgs& a) {
    MpiSession mpi;
    if (MpiSession::launched_by_mpi() && !mpi.active())
        std::cerr << "note: one MPI rank: the sweep runs its process pool and does not initialize MPI\n";
    if (mpi.active() && mpi.size() > 1 && mpi.rank() > 0) return run_mpi_worker(mpi);
    try {
        if (a.workers < 0) throw ConfigError("--workers", "must be >= 0 (0: one per core), got " + std::to_string(a.workers));
        const auto [text, origin] = read_sweep_source(a.config);
        const SweepSpec spec = parse_sweep(text, origin, a.sets);
        SweepOptions opt;
        opt.out = a.out.empty() ? default_sweep_out(spec) : a.out;
        opt.workers = a.workers;
        opt.retry_failed = a.retry_failed;
        opt.quiet = a.quiet;
        opt.dedicated_coordinator = a.dedicated;
        if (mpi.active() && mpi.size() > 1 && a.workers > 0)
            std::cout << "note: --workers is ignored under MPI (one point at a time per rank)\n";
        const int code = run_sweep(spec, opt, mpi);
        stop_mpi_workers(mpi);
        return code;
    } catch (...) {
        stop_mpi_workers(mpi);  // every rank must reach MPI_Finalize
        throw;
    }
}

int sweep_report_command(const SweepArgs& a, bool figures) {
    const SweepReport rep = write_sweep_report(a.report_dir, figures);
    std::cout << "table: " << rep.csv << " (result digest " << rep.digest << ")\n";
    for (const auto& f : rep.figures) std::cout << "figure: " << (fs::path(rep.dir) / f.png).string() << "\n";
    for (const auto& n : rep.notes) std::cout << "note: " << n << "\n";
    return 0;
}

}  // namespace

void add_sweep_commands(CLI::App& app, std::vector<CliCommand>& out) {
    auto a = std::make_shared<SweepArgs>();

    auto* sweep = app.add_subcommand(
        "sweep", "Run or resume a sweep (grid x zip x seeds over config keys; docs/SWEEPS.md) with one worker per "
                 "core, or over MPI ranks under mpirun; results in an SQLite store");
    sweep->add_option("CONFIG", a->config, "sweep file: a run config plus a [sweep] table (or a sweep preset name)");
    sweep->add_option("--out", a->out, "sweep directory (default sweeps/NAME); rerunning resumes it");
    sweep->add_option("--workers,-j", a->workers, "worker processes (default: one per usable core; ignored under MPI)");
    sweep->add_option("--set", a->sets, "override a key of the base config: section.key=value (repeatable)");
    sweep->add_flag("--retry-failed", a->retry_failed, "run failed points again");
    sweep->add_flag("--quiet,-q", a->quiet, "no line per finished point");
    sweep->add_flag("--dedicated-coordinator", a->dedicated, "MPI: rank 0 only coordinates (default: it also runs points)");

    auto* report = sweep->add_subcommand("report", "Write the tidy CSV and phase diagrams of a sweep into DIR/report/");
    report->add_option("DIR", a->report_dir, "sweep directory")->required();
    report->add_flag("--no-figures", a->no_figures, "tables only (no gnuplot)");

    auto* html = app.add_subcommand("report", "Write DIR/report.html: figures, tables and configs of a sweep, "
                                              "experiment or run directory (static, offline)");
    html->add_option("DIR", a->html_dir, "sweep, experiment or run directory")->required();

    // Leaves before parents: `sweep report` must not be taken for `sweep`.
    out.push_back({report, [a]() { return sweep_report_command(*a, !a->no_figures); }});
    out.push_back({sweep, [a]() { return run_sweep_command(*a); }});
    out.push_back({html, [a]() {
                       const HtmlReport r = write_html_report(a->html_dir);
                       std::cout << "report: " << r.path << " (" << r.kind << ", " << r.figures << " figure"
                                 << (r.figures == 1 ? "" : "s") << ")\n";
                       return 0;
                   }});
}

}  // namespace depthbias
