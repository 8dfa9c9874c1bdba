#include "depthbias/sweep/sweep_report.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "depthbias/analysis/depth_separation.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/results/run_summary.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/io/gnuplot.hpp"
#include "depthbias/sweep/sweep_spec.hpp"
#include "depthbias/sweep/point_kind.hpp"
#include "depthbias/sweep/sweep_store.hpp"

namespace depthbias {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string o = "\"";
    for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
}

// Numbers in their shortest round-trip form (nlohmann's), so equal doubles print equally everywhere.
std::string num(double v) { return std::isfinite(v) ? json(v).dump() : ""; }
std::string num(const std::optional<double>& v) { return v ? num(*v) : ""; }
std::string value_text(const json& v) {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

// Text for gnuplot's enhanced mode: _ ^ { } @ & ~ would be markup.
std::string gp_text(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '_' || c == '^' || c == '{' || c == '}' || c == '@' || c == '&' || c == '~') o += '\\';
        o += c;
    }
    return o;
}

std::string join_row(const std::vector<std::string>& f) {
    std::string s;
    for (size_t i = 0; i < f.size(); ++i) {
        if (i) s += ',';
        s += csv_field(f[i]);
    }
    s += '\n';
    return s;
}

struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
};

Table build_table(const std::vector<PointRow>& rows, const std::vector<std::string>& swept,
                  const std::vector<std::string>& metrics) {
    size_t k = 0;
    for (const auto& r : rows)
        if (r.result.learning_times.is_array()) k = std::max(k, r.result.learning_times.size());
    Table t;
    t.header = {"id", "hash"};
    for (const auto& s : swept) t.header.push_back(s);
    for (const char* c : {"status", "run_status", "stop_reason", "steps", "flow_time", "final_loss",
                          "reconstruction_error", "test_error", "verdict", "largest_first", "learning_order"})
        t.header.push_back(c);
    for (size_t i = 1; i <= k; ++i) t.header.push_back("t_half_" + std::to_string(i));
    for (const auto& m : metrics) t.header.push_back(m);
    t.header.push_back("error");
    for (const auto& c : sweep_timing_columns()) t.header.push_back(c);

    for (const auto& p : rows) {
        const auto& r = p.result;
        const bool finished = p.status == "done" || p.status == "diverged" || p.status == "failed";
        std::vector<std::string> f = {std::to_string(p.id), p.hash};
        for (const auto& s : swept) f.push_back(p.params.contains(s) ? value_text(p.params[s]) : "");
        std::string order;
        if (r.learning_order.is_array())
            for (const auto& o : r.learning_order) {
                if (!order.empty()) order += ' ';
                order += o.dump();
            }
        f.push_back(p.status);
        if (!finished) {  // nothing measured yet
            f.resize(t.header.size() - sweep_timing_columns().size(), "");
        } else {
            f.push_back(r.run_status);
            f.push_back(r.stop_reason);
            f.push_back(r.steps ? std::to_string(*r.steps) : "");
            f.push_back(num(r.flow_time));
            f.push_back(num(r.final_loss));
            f.push_back(num(r.reconstruction_error));
            f.push_back(num(r.test_error));
            f.push_back(r.verdict);
            f.push_back(r.largest_first ? (*r.largest_first ? "true" : "false") : "");
            f.push_back(order);
            for (size_t i = 0; i < k; ++i) {
                const bool has = r.learning_times.is_array() && i < r.learning_times.size() &&
                                 r.learning_times[i].contains("t_half") && r.learning_times[i]["t_half"].is_number();
                f.push_back(has ? num(r.learning_times[i]["t_half"].get<double>()) : "");
            }
            for (const auto& m : metrics) f.push_back(r.extra.contains(m) ? value_text(r.extra[m]) : "");
            f.push_back(r.error);
        }
        f.push_back(std::to_string(p.attempts));
        f.push_back(p.owner);
        f.push_back(finished ? num(r.wall_seconds) : "");
        f.push_back(finished ? num(p.overhead_seconds) : "");
        t.rows.push_back(std::move(f));
    }
    return t;
}

std::string digest_of(const Table& t) {
    const size_t n = t.header.size() - sweep_timing_columns().size();
    std::string s;
    auto add = [&](const std::vector<std::string>& f) {
        s += join_row(std::vector<std::string>(f.begin(), f.begin() + long(n)));
    };
    add(t.header);
    for (const auto& r : t.rows) add(r);
    return point_hash(s);
}

// The toy-flow threshold per depth for the targets of the points in the diagram (gissin.md 2.2): every
// consecutive pair of targets must be eps-incremental, so the threshold is the smallest over the pairs.
void theory_overlay(const std::vector<PointRow>& rows, PhaseDiagram& ph) {
    std::set<std::vector<double>> targets;
    std::set<double> eps;
    std::set<std::string> kinds;
    for (const auto& p : rows) {
        if (p.status != "done" && p.status != "diverged") continue;
        const RunConfig c = config_from_toml(p.config, "point " + p.hash);
        targets.insert(c.task.target);
        eps.insert(c.analysis.epsilon);
        kinds.insert(c.task.kind + "/" + c.model.kind);
    }
    if (targets.size() != 1 || eps.size() != 1) {
        ph.threshold_note = "no theory overlay: the targets or analysis.epsilon differ between points";
        return;
    }
    std::vector<double> t = *targets.begin();
    std::sort(t.rbegin(), t.rend());
    ph.epsilon = *eps.begin();
    if (t.size() < 2) {
        ph.threshold_note = "no theory overlay: a single target has nothing to learn incrementally";
        return;
    }
    for (size_t i = 0; i + 1 < t.size(); ++i)
        if (!(t[i] > t[i + 1])) {
            ph.threshold_note = "no theory overlay: two targets are equal (never eps-incremental)";
            return;
        }
    for (auto n : ph.depths) {
        if (n < 2) continue;  // depth 1 is never incremental (threshold 0)
        double th = INFINITY;
        for (size_t i = 0; i + 1 < t.size(); ++i)
            th = std::min(th, theory::threshold_sigma0(int(n), t[i], t[i + 1], ph.epsilon));
        if (th > 0 && std::isfinite(th)) ph.threshold[n] = th;
    }
    // The toy task with every component started at sigma0 (balanced product, or u^N) is the threshold's own flow.
    const bool toy = kinds.size() == 1 && (*kinds.begin() == "toy/diagonal_product" ||
                                           *kinds.begin() == "toy/diagonal_power");
    ph.threshold_note = toy ? "exact for this sweep (the toy task's decoupled flow; GD at a small step approximates it)"
                            : "the toy-flow prediction (decoupled components started at sigma0); for matrix models "
                              "the init scale only plays the role of sigma0, so read it as a guide";
}


struct PointConfig {
    std::int64_t depth;
    double init_scale;
    std::int64_t n;
    std::string model;
};

PointConfig point_config(const PointRow& p) {
    const RunConfig c = config_from_toml(p.config, "point " + p.hash);
    return {c.model.depth, c.model.init_scale, c.task.measurements, c.model.kind};
}

// "init 0.0001 (alpha = 0.01, D = 2)": diagonal networks use init_scale = alpha^D (u+-(0) = alpha).
std::string scale_label(const PointConfig& c) {
    std::string s = "init " + num(c.init_scale);
    if (c.model.rfind("diagonal", 0) == 0) {
        char b[64];
        std::snprintf(b, sizeof b, " (alpha = %.3g, D = %lld)", std::pow(c.init_scale, 1.0 / double(c.depth)),
                      static_cast<long long>(c.depth));
        s += b;
    } else {
        s += ", depth " + std::to_string(c.depth);
    }
    return s;
}

bool swept(const SweepReport& rep, const char* key) {
    return std::find(rep.swept_keys.begin(), rep.swept_keys.end(), key) != rep.swept_keys.end();
}

bool draw(const Figure& fig, const fs::path& rdir, const std::string& stem, const std::string& caption,
          SweepReport& rep) {
    std::string err;
    if (render(fig, rdir.string(), stem, &err)) {
        rep.figures.push_back({"report/" + stem + ".png", caption});
        return true;
    }
    rep.notes.push_back(stem + " not drawn: " + err);
    return false;
}

// alpha x n -> test error: one curve per (depth, n) against the init scale, mean over the other swept keys.
void kernel_rich_diagram(const std::vector<PointRow>& rows, SweepReport& rep, const fs::path& rdir, bool figures) {
    if (!swept(rep, "model.init_scale") || !swept(rep, "task.measurements")) {
        rep.notes.push_back("no alpha x n -> test error diagram: the sweep does not sweep both model.init_scale and "
                            "task.measurements");
        return;
    }
    // (depth, n) -> init scale -> (sum, count)
    std::map<std::pair<std::int64_t, std::int64_t>, std::map<double, std::pair<double, int>>> acc;
    std::map<std::pair<std::int64_t, std::int64_t>, std::string> model_of;
    for (const auto& p : rows) {
        if (p.status != "done" || !p.result.test_error) continue;
        const PointConfig c = point_config(p);
        auto& cell = acc[{c.depth, c.n}][c.init_scale];
        cell.first += *p.result.test_error;
        cell.second += 1;
        model_of[{c.depth, c.n}] = c.model;
    }
    if (acc.empty()) {
        rep.notes.push_back("no alpha x n -> test error diagram: no finished point reported a test error");
        return;
    }
    std::string data = "depth,measurements,init_scale,alpha,points,mean_test_error\n";
    Panel p{"test error against the init scale, one curve per n", gp_text("init scale (model.init_scale)"),
            "test error (mean over seeds)", true, true, {}, "set key outside right top"};
    int i = 0;
    for (const auto& [dn, curve] : acc) {
        const auto [depth, n] = dn;
        const bool diag = model_of[dn].rfind("diagonal", 0) == 0;
        std::string rowsf = "init_scale,mean_test_error\n";
        for (const auto& [s, sc] : curve) {
            const double mean = sc.first / sc.second;
            data += std::to_string(depth) + "," + std::to_string(n) + "," + num(s) + "," +
                    num(std::pow(s, 1.0 / double(depth))) + "," + std::to_string(sc.second) + "," + num(mean) + "\n";
            rowsf += num(s) + "," + num(mean) + "\n";
        }
        const std::string file = "kernel_rich_" + std::to_string(i++) + ".csv";
        write_file_atomically((rdir / file).string(), rowsf);
        p.curves.push_back({file, 1, 2, "n = " + std::to_string(n) + (diag ? ", D = " : ", depth ") +
                                            std::to_string(depth), "linespoints lw 2 pt 7"});
    }
    write_file_atomically((rdir / "kernel_rich.csv").string(), data);
    if (!figures) return;
    Figure fig;
    fig.title = "Kernel vs rich: init scale x n -> test error (" + gp_text(rep.name) + ")";
    fig.width_px = 1100;
    fig.height_px = 650;
    fig.panels = {p};
    draw(fig, rdir, "kernel_rich",
         "Test error against the init scale (diagonal networks: init_scale = alpha^D), one curve per number of "
         "samples n: small init (rich) to large init (kernel)", rep);
}

// The summary a finished point stored (summary.json's text), validated: IoError naming the point and the field.
RunSummary stored_summary(const PointRow& p) {
    const std::string origin = "sweep point #" + std::to_string(p.id) + " (" + p.hash + ") summary";
    json j;
    try {
        j = json::parse(p.result.summary);
    } catch (const json::parse_error& e) {
        throw IoError(origin + ": not valid JSON (" + e.what() + ")");
    }
    return RunSummary::from_json(j, origin);
}

// alpha x log(1/eps) -> distance to the l1 max-margin direction, from each point's margin checkpoints.
void l1_direction_diagram(const std::vector<PointRow>& rows, SweepReport& rep, const fs::path& rdir, bool figures) {
    // (depth, init scale) -> checkpoint index -> (sum x, sum y, count)
    std::map<std::pair<std::int64_t, double>, std::vector<std::array<double, 3>>> acc;
    std::map<std::pair<std::int64_t, double>, PointConfig> cfg_of;
    std::string dist_key;
    for (const auto& p : rows) {
        if (p.status != "done" || p.result.summary.empty()) continue;
        const RunSummary s = stored_summary(p);
        if (!s.margin_checkpoints) continue;
        const PointConfig c = point_config(p);
        auto& v = acc[{c.depth, c.init_scale}];
        cfg_of[{c.depth, c.init_scale}] = c;
        size_t k = 0;
        for (const auto& cp : *s.margin_checkpoints) {
            if (dist_key.empty())
                for (const auto& [key, val] : cp.distances)
                    if (key.rfind("dist_l1", 0) == 0) dist_key = key;
            const auto d = cp.distances.find(dist_key);
            if (dist_key.empty() || d == cp.distances.end() || std::isnan(d->second) || std::isnan(cp.log10_inv_eps))
                continue;  // (NaN: null in summary.json)
            if (v.size() <= k) v.push_back({0, 0, 0});
            v[k][0] += cp.log10_inv_eps;
            v[k][1] += d->second;
            v[k][2] += 1;
            ++k;
        }
    }
    if (dist_key.empty()) {
        rep.notes.push_back("no alpha x log(1/eps) -> distance-to-l1 diagram: no point recorded margin checkpoints "
                            "with an l1 distance (dynamics.kind = \"dual_flow\" with analysis.references including "
                            "l1_max_margin)");
        return;
    }
    std::string data = "depth,init_scale,log10_inv_eps,distance\n";
    Panel p{"distance of w/||w|| to the l1 max-margin direction (" + gp_text(dist_key) + ")",
            "log10(1/eps) (training loss eps)", "distance", true, true, {},
            "set key outside right top\nset format x '10^{%L}'\nset format y '10^{%L}'"};
    int i = 0;
    for (const auto& [ds, v] : acc) {
        if (v.empty()) continue;
        std::string rowsf = "log10_inv_eps,distance\n";
        for (const auto& c : v) {
            const double x = c[0] / c[2], y = c[1] / c[2];
            data += std::to_string(ds.first) + "," + num(ds.second) + "," + num(x) + "," + num(y) + "\n";
            rowsf += num(x) + "," + num(y) + "\n";
        }
        const std::string file = "l1_direction_" + std::to_string(i++) + ".csv";
        write_file_atomically((rdir / file).string(), rowsf);
        p.curves.push_back({file, 1, 2, scale_label(cfg_of[ds]), "linespoints lw 2 pt 7"});
    }
    write_file_atomically((rdir / "l1_direction.csv").string(), data);
    if (!figures || p.curves.empty()) return;
    Figure fig;
    fig.title = "Init scale vs training accuracy: distance to the l1 direction (" + gp_text(rep.name) + ")";
    fig.width_px = 1100;
    fig.height_px = 650;
    fig.panels = {p};
    draw(fig, rdir, "l1_direction",
         "Distance of the normalized predictor to the l1 max-margin direction along log(1/eps), one curve per init "
         "scale (Moroshko et al.): smaller init or higher accuracy gets closer to l1", rep);
}
}  // namespace

void write_linear_diagrams(const std::vector<PointRow>& rows, SweepReport& rep, const std::string& rdir_text,
                           bool figures) {
    const fs::path rdir(rdir_text);
    // Phase diagram: depth x init scale -> fraction incremental.
    const bool has_axes = std::count(rep.swept_keys.begin(), rep.swept_keys.end(), "model.depth") &&
                          std::count(rep.swept_keys.begin(), rep.swept_keys.end(), "model.init_scale");
    const bool has_verdicts = std::any_of(rows.begin(), rows.end(), [](const PointRow& p) {
        return p.status == "done" && !p.result.verdict.empty();
    });
    if (!has_axes) {
        rep.notes.push_back("no depth x init-scale phase diagram: the sweep does not sweep both model.depth and "
                            "model.init_scale");
    } else if (!has_verdicts) {
        rep.notes.push_back("no depth x init-scale phase diagram: no finished point has an incremental-learning "
                            "verdict (runs whose task has no target spectrum)");
    } else {
        auto& ph = rep.phase;
        std::set<std::int64_t> ds;
        std::set<double> ss;
        for (const auto& p : rows) {
            ds.insert(p.params["model.depth"].get<std::int64_t>());
            ss.insert(p.params["model.init_scale"].get<double>());
        }
        ph.depths.assign(ds.begin(), ds.end());
        ph.scales.assign(ss.begin(), ss.end());
        std::vector<std::vector<std::int64_t>> inc(ph.depths.size(), std::vector<std::int64_t>(ph.scales.size(), 0));
        ph.points.assign(ph.depths.size(), std::vector<std::int64_t>(ph.scales.size(), 0));
        ph.fraction.assign(ph.depths.size(), std::vector<double>(ph.scales.size(), -1));
        for (const auto& p : rows) {
            if (p.status != "done" && p.status != "diverged") continue;
            const size_t i = size_t(std::find(ph.depths.begin(), ph.depths.end(),
                                              p.params["model.depth"].get<std::int64_t>()) - ph.depths.begin());
            const size_t j = size_t(std::find(ph.scales.begin(), ph.scales.end(),
                                              p.params["model.init_scale"].get<double>()) - ph.scales.begin());
            ++ph.points[i][j];
            if (p.result.verdict == "incremental") ++inc[i][j];
        }
        std::string data = "depth,init_scale,points,incremental,fraction\n";
        // Four classes of the fraction, one CSV (and one marker colour) each.
        struct Bucket {
            const char* file;
            const char* title;
            const char* colour;
            std::string rows;
        };
        std::vector<Bucket> buckets = {{"phase_none.csv", "none incremental", "#d73027", ""},
                                       {"phase_some.csv", "some (< 1/2)", "#fc8d59", ""},
                                       {"phase_most.csv", "most (>= 1/2)", "#91bfdb", ""},
                                       {"phase_all.csv", "all incremental", "#4575b4", ""}};
        for (size_t i = 0; i < ph.depths.size(); ++i)
            for (size_t j = 0; j < ph.scales.size(); ++j) {
                if (ph.points[i][j] == 0) continue;
                const double f = double(inc[i][j]) / double(ph.points[i][j]);
                ph.fraction[i][j] = f;
                data += std::to_string(ph.depths[i]) + "," + num(ph.scales[j]) + "," + std::to_string(ph.points[i][j]) +
                        "," + std::to_string(inc[i][j]) + "," + num(f) + "\n";
                const size_t b = inc[i][j] == 0 ? 0 : inc[i][j] == ph.points[i][j] ? 3 : f < 0.5 ? 1 : 2;
                buckets[b].rows += num(ph.scales[j]) + "," + std::to_string(ph.depths[i]) + "\n";
            }
        write_file_atomically((rdir / "phase_incremental.csv").string(), data);
        theory_overlay(rows, ph);
        std::string th = "depth,threshold_sigma0\n";
        for (const auto& [n, v] : ph.threshold) th += std::to_string(n) + "," + num(v) + "\n";
        write_file_atomically((rdir / "threshold.csv").string(), th);
        rep.has_phase = true;

        if (figures) {
            Figure fig;
            fig.title = "Incremental learning: depth x init scale (" + gp_text(rep.name) + ")";
            fig.width_px = 1100;
            fig.height_px = 650;
            Panel p{"fraction of points learned eps-incrementally (eps = " + num(ph.epsilon) + ")",
                    gp_text("init scale (model.init_scale)"), "depth N (model.depth)", true, false, {}, ""};
            std::ostringstream extra;
            extra << "set yrange [" << ph.depths.front() - 0.5 << ":" << ph.depths.back() + 0.5 << "]\n"
                  << "set ytics 1\nset xrange [" << ph.scales.front() / 3 << ":" << ph.scales.back() * 3 << "]\n"
                  << "set format x '10^{%L}'\nset key outside right top";
            p.extra = extra.str();
            for (auto& b : buckets) {
                if (b.rows.empty()) continue;
                write_file_atomically((rdir / b.file).string(), "init_scale,depth\n" + b.rows);
                p.curves.push_back({b.file, 1, 2, b.title,
                                    std::string("points pt 5 ps 3.5 lc rgb '") + b.colour + "'"});
            }
            if (!ph.threshold.empty())
                p.curves.push_back({"threshold.csv", 2, 1, "toy-flow threshold (largest eps-incremental init)",
                                    "linespoints lw 2 pt 7 ps 1.2 lc rgb 'black'"});
            fig.panels = {p};
            std::string err;
            if (render(fig, rdir.string(), "phase_incremental", &err))
                rep.figures.push_back({"report/phase_incremental.png",
                                       "Fraction of finished points learned eps-incrementally, by depth and init "
                                       "scale; black: toy-flow threshold (largest eps-incremental sigma0 per depth)"});
            else
                rep.notes.push_back("phase diagram not drawn: " + err);
        }
        if (ph.threshold.empty() || !ph.threshold_note.empty())
            rep.notes.push_back("theory threshold: " + (ph.threshold_note.empty() ? std::string("none for these depths")
                                                                                   : ph.threshold_note));
    }
    kernel_rich_diagram(rows, rep, rdir, figures);
    l1_direction_diagram(rows, rep, rdir, figures);
}

void write_grid_diagram(const std::vector<PointRow>& rows, SweepReport& rep, const std::string& rdir_text,
                        bool figures, const GridDiagram& d) {
    const fs::path rdir(rdir_text);
    if (!swept(rep, d.x_key.c_str()) || !swept(rep, d.y_key.c_str())) {
        rep.notes.push_back("no " + d.stem + " diagram: the sweep does not sweep both " + d.x_key + " and " + d.y_key);
        return;
    }
    auto param = [](const PointRow& p, const std::string& k) {
        return p.params.contains(k) && p.params.at(k).is_number() ? p.params.at(k).get<double>() : std::nan("");
    };
    struct Cell {
        std::int64_t points = 0, valued = 0;
        double sum = 0;
    };
    std::map<std::pair<double, double>, Cell> cells;
    for (const auto& p : rows) {
        if (p.status != "done") continue;
        const double x = param(p, d.x_key), y = param(p, d.y_key);
        if (std::isnan(x) || std::isnan(y)) continue;
        Cell& c = cells[{x, y}];
        ++c.points;
        if (const auto v = d.value(p); v && std::isfinite(*v)) {
            ++c.valued;
            c.sum += *v;
        }
    }
    std::int64_t valued = 0;
    for (const auto& [k, c] : cells) valued += c.valued;
    if (valued == 0) {
        rep.notes.push_back("no " + d.stem + " diagram: no finished point has a " + d.value_label);
        return;
    }
    std::string data = d.x_key + "," + d.y_key + ",points,valued,mean\n", plotted = "x,y,mean\n";
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (const auto& [k, c] : cells) {
        const std::string mean = c.valued ? num(c.sum / double(c.valued)) : "";
        data += num(k.first) + "," + num(k.second) + "," + std::to_string(c.points) + "," + std::to_string(c.valued) +
                "," + mean + "\n";
        if (!c.valued) continue;
        plotted += num(k.first) + "," + num(k.second) + "," + mean + "\n";
        xmin = std::min(xmin, k.first), xmax = std::max(xmax, k.first);
        ymin = std::min(ymin, k.second), ymax = std::max(ymax, k.second);
    }
    write_file_atomically((rdir / (d.stem + ".csv")).string(), data);
    if (!figures) return;
    write_file_atomically((rdir / (d.stem + "_cells.csv")).string(), plotted);
    const double xpad = xmax > xmin ? 0.1 * (xmax - xmin) : 0.5, ypad = ymax > ymin ? 0.1 * (ymax - ymin) : 0.5;
    std::ostringstream extra;
    extra << "set xrange [" << xmin - xpad << ":" << xmax + xpad << "]\nset yrange [" << ymin - ypad << ":"
          << ymax + ypad << "]\nset cblabel '" << gp_text(d.value_label) << "'\nset palette rgb 33,13,10\nset key off";
    bool integer_y = true;
    for (const auto& [k, c] : cells) integer_y = integer_y && k.second == std::floor(k.second);
    if (integer_y && ymax - ymin <= 40) extra << "\nset ytics 1";
    Panel p{gp_text(d.value_label), gp_text(d.x_key), gp_text(d.y_key), false, false, {}, extra.str()};
    Curve c{d.stem + "_cells.csv", 1, 2, gp_text(d.value_label), "points pt 5 ps 4 lc palette", 3};
    p.curves.push_back(c);
    Figure fig;
    fig.title = gp_text(d.title + " (" + rep.name + ")");
    fig.width_px = 1000;
    fig.height_px = 650;
    fig.panels = {p};
    draw(fig, rdir, d.stem, d.caption, rep);
}

const std::vector<std::string>& sweep_timing_columns() {
    static const std::vector<std::string> c = {"attempts", "worker", "wall_seconds", "overhead_seconds"};
    return c;
}

SweepReport write_sweep_report(const std::string& dir_in, bool figures) {
    SweepReport rep;
    rep.dir = fs::absolute(dir_in).lexically_normal().string();
    const std::string db = store_path(rep.dir);
    if (!fs::exists(db)) throw ConfigError("DIR", "'" + dir_in + "' is not a sweep directory (no sweep.db)");
    SweepStore store(db);
    rep.counts = store.counts();
    rep.swept_keys = json::parse(store.meta("swept_keys")).get<std::vector<std::string>>();
    rep.name = store.meta("name");
    const auto metrics = json::parse(store.meta("metrics")).get<std::vector<std::string>>();
    const auto rows = store.rows();

    const fs::path rdir = fs::path(rep.dir) / "report";
    fs::create_directories(rdir);
    FigureBatch batch;  // the report's figures in one gnuplot process
    const Table t = build_table(rows, rep.swept_keys, metrics);
    std::string csv = join_row(t.header);
    for (const auto& r : t.rows) csv += join_row(r);
    rep.csv = (rdir / "sweep.csv").string();
    write_file_atomically(rep.csv, csv);
    rep.digest = digest_of(t);
    const auto unfinished = rep.counts["pending"] + rep.counts["running"];
    if (unfinished > 0)
        rep.notes.push_back(std::to_string(unfinished) + " point(s) have not finished: the tables and figures show "
                            "the finished ones only");
    if (rep.counts["failed"] > 0)
        rep.notes.push_back(std::to_string(rep.counts["failed"]) + " point(s) failed (see the error column); they are "
                            "left out of the phase diagram");

    const PointKindEntry& kind = point_kind(store.point_kind_name(), "point_kind of " + db);
    if (kind.report) kind.report(rows, rep, rdir.string(), figures);
    if (std::string err; !batch.close(&err)) rep.notes.push_back("figures not drawn: " + err);
    return rep;
}

}  // namespace depthbias
