#include "depthbias/run/experiment.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <sstream>
#include <thread>
#include <toml++/toml.h>

#include "depthbias/core/error.hpp"
#include "depthbias/core/job_pool.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/run/check_spec.hpp"
#include "depthbias/run/experiment_analysis.hpp"
#include "depthbias/io/gnuplot.hpp"
#include "depthbias/run/experiment_figures.hpp"
#include "depthbias/run/run_executor.hpp"

namespace depthbias {
namespace fs = std::filesystem;

std::string slug(const std::string& label) {
    std::string s;
    for (char c : label) {
        if (std::isalnum(static_cast<unsigned char>(c)))
            s += char(std::tolower(static_cast<unsigned char>(c)));
        else if (!s.empty() && s.back() != '-')
            s += '-';
    }
    while (!s.empty() && s.back() == '-') s.pop_back();
    return s.empty() ? "run" : s;
}

Experiment parse_experiment(const std::string& text, const std::string& origin) {
    toml::table doc;
    try {
        doc = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        std::ostringstream s;
        s << e.description() << " (line " << e.source().begin.line << ", column " << e.source().begin.column << ")";
        throw ConfigError(origin, "not valid TOML: " + s.str());
    }
    Experiment e;
    toml::array checks;  // [[check]]: read once the base config is known (their select keys are checked against it)
    if (auto cs = doc["check"].as_array())
        checks = *cs;
    else if (doc.contains("check"))
        throw ConfigError("check", "must be an array of tables ([[check]])");
    doc.erase("check");
    if (auto ex = doc["experiment"].as_table()) {
        for (const auto& [k, v] : *ex) {
            const std::string key = "experiment." + std::string(k.str());
            auto str = v.as_string();
            if (!str) throw ConfigError(key, "expected a string");
            if (k.str() == "name")
                e.name = str->get();
            else if (k.str() == "title")
                e.title = str->get();
            else if (k.str() == "figure")
                e.figure = str->get();
            else if (k.str() == "description")
                e.description = str->get();
            else
                throw ConfigError(key, "unknown key (allowed in [experiment]: name, title, figure, description)");
        }
    } else if (doc.contains("experiment")) {
        throw ConfigError("experiment", "must be a table");
    }
    apply_toml(e.base, doc, {"experiment", "variant", "sweep"});
    if (e.name.empty()) e.name = e.base.run.name;
    if (e.title.empty()) e.title = e.name;
    if (e.figure.empty()) e.figure = "spectrum_panels";
    const AnalysisStepEntry& kind = AnalysisStepRegistry::instance().get("experiment.figure", e.figure);
    if (auto vs = doc["variant"].as_array()) {
        int i = 0;
        for (const auto& node : *vs) {
            ++i;
            auto t = node.as_table();
            if (!t) throw ConfigError("variant", "each [[variant]] must be a table");
            Variant v;
            for (const auto& [k, val] : *t) {
                if (k.str() == "label") {
                    if (!val.as_string()) throw ConfigError("variant.label", "expected a string");
                    v.label = val.as_string()->get();
                    continue;
                }
                std::ostringstream s;
                s << toml::toml_formatter{val};  // a TOML value, parsed back by apply_override
                if (val.is_string()) {
                    s.str("");
                    s << toml::value<std::string>(val.as_string()->get());
                }
                v.overrides.push_back(std::string(k.str()) + "=" + s.str());
            }
            if (v.label.empty()) v.label = "variant " + std::to_string(i);
            e.variants.push_back(v);
        }
    } else if (doc.contains("variant")) {
        throw ConfigError("variant", "must be an array of tables ([[variant]])");
    }
    if (e.variants.empty() && kind.has_variants) e.variants.push_back({e.base.run.name, {}});
    for (size_t i = 0; i < e.variants.size(); ++i)  // each variant writes out/<slug of its label>
        for (size_t j = 0; j < i; ++j)
            if (slug(e.variants[i].label) == slug(e.variants[j].label))
                throw ConfigError("variant", "labels '" + e.variants[j].label + "' and '" + e.variants[i].label +
                                                 "' name the same run directory '" + slug(e.variants[i].label) + "'");
    for (const auto& v : e.variants) (void)variant_config(e, v);  // validate everything before running anything
    if (e.variants.empty()) validate(e.base);  // an experiment of references only still reads its base config
    e.checks = parse_checks(checks, e.base);
    return e;
}

void apply_overrides(Experiment& e, const std::vector<std::string>& overrides) {
    for (const auto& o : overrides) apply_override(e.base, o);
    for (const auto& v : e.variants) (void)variant_config(e, v);
    if (e.variants.empty()) validate(e.base);
}

RunConfig variant_config(const Experiment& e, const Variant& v) {
    RunConfig c = e.base;
    for (const auto& o : v.overrides) apply_override(c, o);
    if (e.variants.size() > 1 || v.label != e.base.run.name) c.run.name = e.name + " / " + v.label;
    validate(c);
    return c;
}

void require_one_run(const Experiment& e, const std::string& option) {
    if (e.variants.size() != 1)
        throw ConfigError(option, "the flat layout holds one run; '" + e.name + "' has " +
                                      std::to_string(e.variants.size()) +
                                      " runs ([[variant]]s); use the default layout (one directory per run)");
    if (!e.checks.empty())
        throw ConfigError(option, "the flat layout writes no experiment.json, where the " +
                                      std::to_string(e.checks.size()) + " [[check]]s of '" + e.name +
                                      "' are reported; use the default layout");
    if (AnalysisStepRegistry::instance().get("experiment.figure", e.figure).analyze)
        throw ConfigError(option, "the flat layout writes no experiment.json, where the analysis of experiment.figure = '" +
                                      e.figure + "' is reported; use the default layout");
}

void require_resumable_layout(const std::string& out, bool flat, bool resume) {
    if (!resume) return;
    const fs::path stored = fs::path(out) / "experiment.json";
    if (flat && fs::exists(stored))
        throw ConfigError("--flat", "'" + out + "' holds an experiment in the default layout (experiment.json); "
                                    "resume it without --flat");
    if (!flat && fs::exists(fs::path(out) / "summary.json") && !fs::exists(stored))
        throw ConfigError("--resume", "'" + out + "' holds a run in the flat layout (summary.json, no experiment.json); "
                                      "resume it with --flat");
}

namespace {

// The flat layout: the one run's files directly in `out`, nothing else (see run_experiment's header).
ExperimentResult run_flat(const Experiment& e, const std::string& out, const ExperimentOptions& opt,
                          ExperimentResult result) {
    require_one_run(e, "--flat");
    const Variant& v = e.variants.front();
    const RunConfig config = variant_config(e, v);
    prepare_output_directory(out, "--out", true, opt.resume);
    std::error_code stale;
    fs::remove(fs::path(out) / "experiment.json", stale);  // a nested experiment overwritten (--force) by this run
    RunOptions ro;
    ro.progress = opt.progress;
    ro.figures = opt.figures;
    ro.progress_label = e.name + ": " + v.label;
    ro.max_wall_seconds = opt.max_wall_seconds;
    ro.checkpoint_seconds = opt.checkpoint_seconds;
    ro.resume = opt.resume;
    ro.monitor = opt.monitor;
    RunSummary summary = run_in_directory(config, out, ro);  // (interrupted: throws Cancelled, no summary.json)
    result.runs.push_back({v.label, ".", std::move(summary)});
    return result;
}

}  // namespace

ExperimentResult run_experiment(const Experiment& e, const std::string& out, const ExperimentOptions& opt) {
    ExperimentResult result;
    result.name = e.name;
    result.title = e.title;
    result.manifest = manifest_json(e.base, opt.figures);
    require_resumable_layout(out, opt.flat, opt.resume);
    if (opt.flat) return run_flat(e, out, opt, std::move(result));
    prepare_output_directory(out, "--out", true, opt.resume);
    std::error_code stale;
    fs::remove(fs::path(out) / "experiment.json", stale);  // not finished until written again at the end
    const size_t n = e.variants.size();
    const int jobs = resolve_jobs(opt.jobs, n);
    std::vector<RunConfig> configs;
    std::vector<std::string> dirs;
    for (const auto& v : e.variants) {
        configs.push_back(variant_config(e, v));
        dirs.push_back((fs::path(out) / slug(v.label)).string());
        prepare_output_directory(dirs.back(), "--out", true, opt.resume);
    }
    std::vector<RunSummary> summaries(n);
    // Start order (results keep the variants' order): deepest model first, then the smallest init scale (longer
    // plateaus), since these are what usually make a run long here; longest-first keeps the parallel wall time
    // near that of the longest run.
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    if (jobs > 1)
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            if (configs[a].model.depth != configs[b].model.depth) return configs[a].model.depth > configs[b].model.depth;
            return configs[a].model.init_scale < configs[b].model.init_scale;
        });
    if (jobs > 1) Eigen::setNbThreads(1);  // parallel across runs, never inside one
    FigureBatch figures;  // every run's figure and the experiment's in one gnuplot process (io/gnuplot.hpp)
    run_jobs(n, jobs, order, [&](size_t i) {
        RunOptions ro;
        ro.progress = opt.progress && jobs == 1;
        ro.figures = opt.figures;
        ro.progress_label = e.name + ": " + e.variants[i].label;
        ro.max_wall_seconds = opt.max_wall_seconds;
        ro.checkpoint_seconds = opt.checkpoint_seconds;
        ro.resume = opt.resume;
        ro.monitor = opt.monitor;
        summaries[i] = run_in_directory(configs[i], dirs[i], ro);
    });
    // Interrupted after the last run: stop before the analysis (nothing looks finished; --resume redoes it).
    if (opt.monitor && opt.monitor->cancel.load()) throw Cancelled();
    std::vector<VariantRun> done;
    for (size_t i = 0; i < n; ++i) {
        const auto& v = e.variants[i];
        result.runs.push_back({v.label, slug(v.label), summaries[i]});
        done.emplace_back(v, summaries[i]);
    }
    // A solver that fails on the runs' data (e.g. a reference program out of double range) leaves the analysis
    // without that section: the checks that need it are not evaluated and the error is recorded. Bad input found
    // by the analysis (a ConfigError naming the key) is still an error of the command.
    ExperimentAnalysis analysis;
    try {
        analysis = analyze_experiment(e, out, done);
    } catch (const ConfigError&) {
        throw;
    } catch (const std::exception& ex) {
        result.analysis_error = ex.what();
    }
    std::string warning;
    try {
        if (!draw_experiment(e, out, done, analysis, opt.figures, &warning)) result.figure_warning = warning;
    } catch (const ConfigError&) {
        throw;
    } catch (const std::exception& ex) {
        if (!result.analysis_error) throw;  // drawing failed on a complete analysis: a real error
        result.figure_warning = std::string("no figure: ") + ex.what();
    }
    if (std::string err; !figures.close(&err))
        result.figure_warning = result.figure_warning ? *result.figure_warning + "; " + err : err;
    result.analysis = analysis.to_json();
    result.checks = evaluate_checks(e, done, analysis);
    write_file_atomically((fs::path(out) / "experiment.json").string(), result.to_json().dump(2) + "\n");
    return result;
}

int experiment_exit_code(const ExperimentResult& r) { return r.exit_code(); }

}  // namespace depthbias
