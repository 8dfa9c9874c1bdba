#include "depthbias/sweep/point_runner.hpp"

#include <chrono>
#include <cmath>
#include <unistd.h>

#include "depthbias/io/atomic_file.hpp"
#include "depthbias/run/run_executor.hpp"

namespace depthbias {
using nlohmann::json;

namespace {

std::optional<double> number_at(const json& j, const char* key) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nullopt;
    const double v = j[key].get<double>();
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

}  // namespace

json json_at_path(const json& doc, const std::string& path) {
    const json* cur = &doc;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t dot = path.find('.', start);
        const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (cur->is_object()) {
            if (!cur->contains(part)) return nullptr;
            cur = &(*cur)[part];
        } else if (cur->is_array()) {
            if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) return nullptr;
            const size_t i = std::stoul(part);
            if (i >= cur->size()) return nullptr;
            cur = &(*cur)[i];
        } else {
            return nullptr;
        }
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return *cur;
}

PointResult result_from_summary(const json& s, const std::vector<std::string>& metrics) {
    PointResult r;
    r.run_status = s.value("status", "");
    r.status = r.run_status == "diverged" ? "diverged" : "done";
    r.stop_reason = s.value("stop_reason", "");
    if (s.contains("steps") && s["steps"].is_number_integer()) r.steps = s["steps"].get<std::int64_t>();
    r.flow_time = number_at(s, "time");
    r.wall_seconds = number_at(s, "timing.wall_seconds");
    if (s.contains("final")) {
        const auto& f = s["final"];
        r.final_loss = number_at(f, "loss");
        r.reconstruction_error = number_at(f, "reconstruction_error");
        r.test_error = number_at(f, "test_error");
    }
    if (s.contains("incremental")) {
        const auto& inc = s["incremental"];
        r.verdict = inc.value("verdict", "");
        if (inc.contains("largest_first") && inc["largest_first"].is_boolean())
            r.largest_first = inc["largest_first"].get<bool>();
        if (inc.contains("components")) r.learning_times = inc["components"];
        if (inc.contains("learning_order")) r.learning_order = inc["learning_order"];
    }
    for (const auto& m : metrics) r.extra[m] = json_at_path(s, m);
    r.summary = s.dump();
    return r;
}

PointResult run_point(const std::string& config_toml, const std::string& dir, const std::vector<std::string>& metrics,
                      bool figures) {
    try {
        const RunConfig cfg = config_from_toml(config_toml, dir + "/config.resolved.toml");
        prepare_output_directory(dir, "--out", true);
        RunOptions ro;
        ro.figures = figures;
        ro.progress = false;
        return result_from_summary(execute_run(cfg, dir, ro), metrics);
    } catch (const std::exception& e) {
        PointResult r;
        r.status = "failed";
        r.error = e.what();
        return r;
    } catch (...) {
        PointResult r;
        r.status = "failed";
        r.error = "unknown exception";
        return r;
    }
}

std::string process_owner(int mpi_rank) {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    std::string o = std::string(host) + ":" + std::to_string(getpid());
    if (mpi_rank >= 0) o += "/rank " + std::to_string(mpi_rank);
    return o;
}

double unix_time() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace depthbias
