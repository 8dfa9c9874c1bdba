#include "depthbias/sweep/html_report.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "depthbias/core/error.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/io/html_page.hpp"
#include "depthbias/sweep/sweep_report.hpp"
#include "depthbias/sweep/sweep_store.hpp"
#include "depthbias/results/run_summary.hpp"
#include "depthbias/run/check_result.hpp"
#include "depthbias/run/experiment_result.hpp"
#include "depthbias/version.hpp"

namespace depthbias {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const auto& esc = html_escape;
const auto& url = html_url;

std::string read_text(const fs::path& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string num(const json& v) {
    if (v.is_null()) return "";
    if (v.is_number_float()) {
        char b[32];
        std::snprintf(b, sizeof b, "%.4g", v.get<double>());
        return b;
    }
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}
std::string num(const std::optional<double>& v) { return v ? num(json(*v)) : ""; }

void sweep_page(const fs::path& dir, HtmlPage& pg) {
    const SweepReport rep = write_sweep_report(dir.string(), true);
    SweepStore store(store_path(dir.string()));
    const auto rows = store.rows();
    auto& s = pg.out();
    s << "<p>Sweep <b>" << esc(store.meta("name")) << "</b>: " << rows.size() << " points over "
      << esc(json(rep.swept_keys).dump()) << ". Tidy table: <a href=\"report/sweep.csv\">report/sweep.csv</a> "
      << "(result digest <code>" << esc(rep.digest) << "</code>); store: <code>sweep.db</code>.</p>\n";
    s << "<h2>Status</h2>\n<table><tr>";
    for (const auto& [k, v] : rep.counts) s << "<th>" << esc(k) << "</th>";
    s << "</tr><tr>";
    for (const auto& [k, v] : rep.counts) s << "<td>" << v << "</td>";
    s << "</tr></table>\n";
    if (!rep.notes.empty()) {
        s << "<ul>\n";
        for (const auto& n : rep.notes) s << "<li>" << esc(n) << "</li>\n";
        s << "</ul>\n";
    }
    if (rep.has_phase) {
        const auto& ph = rep.phase;
        s << "<h2>Phase diagram: depth &times; init scale &rarr; incremental</h2>\n";
        for (const auto& f : rep.figures)
            if (f.png == "report/phase_incremental.png") pg.figure(dir, f.png, f.caption);
        s << "<table><tr><th>depth \\ init scale</th>";
        for (double x : ph.scales) s << "<th>" << num(json(x)) << "</th>";
        s << "<th>toy-flow threshold</th></tr>\n";
        for (size_t i = 0; i < ph.depths.size(); ++i) {
            s << "<tr><th>" << ph.depths[i] << "</th>";
            for (size_t j = 0; j < ph.scales.size(); ++j) {
                if (ph.points[i][j] == 0)
                    s << "<td class=\"muted\">-</td>";
                else
                    s << "<td>" << num(json(ph.fraction[i][j])) << " <span class=\"muted\">(" << ph.points[i][j]
                      << ")</span></td>";
            }
            auto it = ph.threshold.find(ph.depths[i]);
            s << "<td>" << (it == ph.threshold.end() ? std::string("-") : num(json(it->second))) << "</td></tr>\n";
        }
        s << "</table>\n<p class=\"muted\">Cells: fraction incremental (finished points). Threshold: "
          << esc(ph.threshold_note) << ".</p>\n";
    }
    bool more = false;
    for (const auto& f : rep.figures) {
        if (f.png == "report/phase_incremental.png") continue;
        if (!more) s << "<h2>Diagrams</h2>\n";
        more = true;
        pg.figure(dir, f.png, f.caption);
        const std::string data = fs::path(f.png).replace_extension(".csv").string();
        if (fs::exists(dir / data)) s << "<p>Data: <a href=\"" << url(data) << "\">" << esc(data) << "</a></p>\n";
    }
    s << "<h2>Points</h2>\n<table><tr><th>id</th>";
    for (const auto& k : rep.swept_keys) s << "<th>" << esc(k) << "</th>";
    s << "<th>status</th><th>run status</th><th>verdict</th><th>final loss</th><th>reconstruction error</th>"
         "<th>test error</th><th>steps</th><th>wall s</th><th class=\"l\">error</th></tr>\n";
    for (const auto& p : rows) {
        const auto& r = p.result;
        s << "<tr><td><a href=\"" << url("points/" + p.hash + "/") << "\">" << p.id << "</a></td>";
        for (const auto& k : rep.swept_keys) s << "<td>" << esc(p.params.contains(k) ? num(json::parse(p.params[k].dump())) : "") << "</td>";
        s << "<td class=\"status-" << esc(p.status) << "\">" << esc(p.status) << "</td><td>" << esc(r.run_status)
          << "</td><td>" << esc(r.verdict) << "</td><td>" << num(r.final_loss) << "</td><td>"
          << num(r.reconstruction_error) << "</td><td>" << num(r.test_error) << "</td><td>"
          << (r.steps ? std::to_string(*r.steps) : "") << "</td><td>" << num(r.wall_seconds) << "</td><td class=\"l\">"
          << esc(r.error) << "</td></tr>\n";
    }
    s << "</table>\n<h2>Configs</h2>\n";
    pg.details("sweep definition (sweep.toml)", store.meta("definition"));
    for (const auto& p : rows) pg.details(std::string("#") + std::to_string(p.id) + " " + p.label + " [" + p.hash + "]", p.config);
}

void run_rows(std::ostringstream& s, const std::vector<ExperimentRun>& runs) {
    s << "<table><tr><th class=\"l\">run</th><th>status</th><th>steps</th><th>time</th><th>final loss</th>"
         "<th>reconstruction error</th><th>test error</th><th>verdict</th><th>wall s</th></tr>\n";
    for (const auto& run : runs) {
        const RunSummary& sm = run.summary;
        const std::string status = to_string(sm.status);
        s << "<tr><td class=\"l\">" << esc(run.label) << "</td><td class=\"status-" << esc(status) << "\">" << esc(status)
          << "</td><td>" << num(json(sm.steps)) << "</td><td>" << num(json(sm.time)) << "</td><td>"
          << num(sm.final_value("loss")) << "</td><td>" << num(sm.final_value("reconstruction_error")) << "</td><td>"
          << num(sm.final_value("test_error")) << "</td><td>" << (sm.incremental ? esc(sm.incremental->verdict) : "")
          << "</td><td>" << num(json(sm.wall_seconds)) << "</td></tr>\n";
    }
    s << "</table>\n";
}

ExperimentResult read_experiment(const fs::path& dir) {
    const fs::path p = dir / "experiment.json";
    try {
        return ExperimentResult::from_json(json::parse(read_text(p)), p.string());
    } catch (const json::parse_error& e) {
        throw IoError(p.string() + ": not valid JSON (" + e.what() + ")");
    }
}

RunSummary read_summary(const fs::path& dir) {
    const fs::path p = dir / "summary.json";
    try {
        return RunSummary::from_json(json::parse(read_text(p)), p.string());
    } catch (const json::parse_error& e) {
        throw IoError(p.string() + ": not valid JSON (" + e.what() + ")");
    }
}

void experiment_page(const fs::path& dir, HtmlPage& pg) {
    const ExperimentResult e = read_experiment(dir);
    auto& s = pg.out();
    s << "<p>Experiment <b>" << esc(e.name) << "</b>.</p>\n";
    if (e.figure_warning) s << "<p class=\"fail\">" << esc(*e.figure_warning) << "</p>\n";
    s << "<h2>Figure</h2>\n";
    pg.figure(dir, "figure.png", e.title);
    if (!e.checks.empty()) {
        s << "<h2>Checks</h2>\n<table><tr><th class=\"l\">check</th><th>result</th><th class=\"l\">detail</th></tr>\n";
        for (const auto& c : e.checks) {
            const std::string status = to_string(c.status);
            s << "<tr><td class=\"l\">" << esc(c.name) << "</td><td class=\"" << (status == "pass" ? "pass" : "fail")
              << "\">" << esc(check_status_label(status)) << "</td><td class=\"l\">" << esc(c.detail) << "</td></tr>\n";
        }
        s << "</table>\n";
    }
    s << "<h2>Runs</h2>\n";
    run_rows(s, e.runs);
    s << "<div class=\"grid\">\n";
    for (const auto& run : e.runs) pg.figure(dir, run.directory + "/spectrum.png", run.label);
    s << "</div>\n";
    if (!e.analysis.empty()) pg.details("analysis (experiment.json)", e.analysis.dump(2));
    s << "<h2>Configs</h2>\n";
    for (const auto& run : e.runs) {
        const fs::path cfg = dir / run.directory / "config.resolved.toml";
        if (fs::exists(cfg)) pg.details(run.label + " (" + run.directory + ")", read_text(cfg));
    }
    if (!e.manifest.empty()) pg.details("manifest", e.manifest.dump(2));
}

void run_page(const fs::path& dir, HtmlPage& pg) {
    const RunSummary sm = read_summary(dir);
    run_rows(pg.out(), {ExperimentRun{sm.name, ".", sm}});
    pg.figure(dir, "spectrum.png", "spectrum and loss");
    if (fs::exists(dir / "config.resolved.toml")) pg.details("config", read_text(dir / "config.resolved.toml"));
    pg.details("summary.json", sm.to_json().dump(2));
}

}  // namespace

HtmlReport write_html_report(const std::string& dir_in) {
    const fs::path dir = fs::absolute(dir_in).lexically_normal();
    HtmlReport r;
    if (!fs::is_directory(dir)) throw ConfigError("DIR", "'" + dir_in + "' is not a directory");
    std::string title;
    if (fs::exists(dir / "sweep.db")) {
        r.kind = "sweep";
        SweepStore store(store_path(dir.string()));
        title = "Sweep " + store.meta("name");
    } else if (fs::exists(dir / "experiment.json")) {
        r.kind = "experiment";
        title = read_experiment(dir).title;
    } else if (fs::exists(dir / "summary.json")) {
        r.kind = "run";
        title = "Run " + read_summary(dir).name;
    } else {
        throw ConfigError("DIR", "'" + dir_in + "' holds no sweep (sweep.db), experiment (experiment.json) or "
                                 "finished run (summary.json)");
    }
    HtmlPage pg(title);
    if (r.kind == "sweep")
        sweep_page(dir, pg);
    else if (r.kind == "experiment")
        experiment_page(dir, pg);
    else
        run_page(dir, pg);
    r.figures = pg.figures();
    r.path = (dir / "report.html").string();
    write_file_atomically(r.path, pg.finish());
    return r;
}

}  // namespace depthbias
