#include "depthbias/sweep/point_runner.hpp"

#include <chrono>
#include <cmath>
#include <unistd.h>

#include "depthbias/io/atomic_file.hpp"
#include "depthbias/run/run_executor.hpp"

namespace depthbias {
using nlohmann::json;

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

PointResult result_from_summary(const RunSummary& s, const std::vector<std::string>& metrics) {
    PointResult r;
    r.run_status = to_string(s.status);
    r.status = s.diverged() ? "diverged" : "done";
    r.stop_reason = s.stop_reason;
    r.steps = s.steps;
    if (std::isfinite(s.time)) r.flow_time = s.time;
    if (std::isfinite(s.wall_seconds)) r.wall_seconds = s.wall_seconds;
    if (s.final) {
        r.final_loss = s.final->get("loss");
        r.reconstruction_error = s.final->get("reconstruction_error");
        r.test_error = s.final->get("test_error");
    }
    const json doc = s.to_json();
    if (s.incremental) {
        r.verdict = s.incremental->verdict;
        r.largest_first = s.incremental->largest_first;
        r.learning_times = doc.at("incremental").at("components");
        r.learning_order = doc.at("incremental").at("learning_order");
    }
    for (const auto& m : metrics) r.extra[m] = json_at_path(doc, m);
    r.summary = doc.dump();
    return r;
}

PointResult run_point(const std::string& config_toml, const std::string& dir, const std::vector<std::string>& metrics,
                      bool figures) {
    return guarded_point([&] {
        const RunConfig cfg = config_from_toml(config_toml, dir + "/config.resolved.toml");
        prepare_output_directory(dir, "--out", true);
        RunOptions ro;
        ro.figures = figures;
        ro.progress = false;
        return result_from_summary(run_in_directory(cfg, dir, ro), metrics);
    });
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
