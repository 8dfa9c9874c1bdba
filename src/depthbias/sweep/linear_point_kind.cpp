// The "linear" sweep point kind (point_kind.hpp): a run config of run/config.hpp, run in the worker process by
// run/run_executor.hpp (point_runner.hpp). The fallback kind: it claims every sweep file, so sweep files and
// stores written before point kinds existed are linear, with the same point identities.
#include <toml++/toml.h>

#include "depthbias/run/config.hpp"
#include "depthbias/sweep/point_kind.hpp"
#include "depthbias/sweep/point_runner.hpp"
#include "depthbias/sweep/sweep_report.hpp"
#include "depthbias/sweep/sweep_spec.hpp"

namespace depthbias {
namespace {

RunConfig& cfg(std::any& a) { return std::any_cast<RunConfig&>(a); }
const RunConfig& cfg(const std::any& a) { return std::any_cast<const RunConfig&>(a); }

const Registrar<PointKindEntry> linear_kind{{
    .name = kDefaultPointKind,
    .doc = "a run config (run/config.hpp: [run] [task] [model] [dynamics] [observe] [analysis]), run in-process",
    .claims = [](const std::vector<std::string>&) { return true; },
    .make_default = [] { return std::any(RunConfig{}); },
    .apply_toml = [](std::any& c, const toml::table& doc,
                     const std::vector<std::string>& ignored) { apply_toml(cfg(c), doc, ignored); },
    .apply_override = [](std::any& c, const std::string& a) { apply_override(cfg(c), a); },
    .validate = [](const std::any& c) { validate(cfg(c)); },
    .to_toml = [](const std::any& c) { return to_toml(cfg(c)); },
    .non_default_toml = [](const std::any& c) { return non_default_toml(cfg(c)); },
    .seed = [](std::any& c) -> std::int64_t& { return cfg(c).run.seed; },
    .run_name = [](const std::any& c) { return cfg(c).run.name; },
    .summary_keys = summary_keys(),
    .run = run_point,
    .result_from_summary =
        [](const nlohmann::json& j, const std::string& origin, const std::vector<std::string>& metrics) {
            return result_from_summary(RunSummary::from_json(j, origin), metrics);
        },
    .report =
        [](const std::vector<PointRow>& rows, SweepReport& rep, const std::string& rdir, bool figures) {
            write_linear_diagrams(rows, rep, rdir, figures);
        },
}};

}  // namespace
}  // namespace depthbias
