#include "depthbias/run/run_checkpoint.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "depthbias/core/error.hpp"
#include "depthbias/core/fault_injection.hpp"
#include "depthbias/core/state_io.hpp"

namespace depthbias {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFormat = "depthbias-run-checkpoint";
constexpr int kVersion = 1;

}  // namespace

std::string checkpoint_path(const std::string& run_dir) { return (fs::path(run_dir) / "checkpoint.cbor").string(); }

void write_checkpoint(const std::string& run_dir, const RunCheckpoint& c) {
    const json j = {{"format", kFormat},         {"version", kVersion},           {"config", c.config},
                    {"step", c.step},            {"theta", state::of(c.theta)},   {"dynamics", c.dynamics},
                    {"observers", c.observers},  {"wall_seconds", c.wall_seconds}, {"resumes", c.resumes}};
    const std::vector<std::uint8_t> bytes = json::to_cbor(j);
    const std::string path = checkpoint_path(run_dir), tmp = path + ".partial";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw IoError("cannot write " + tmp);
        f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        f.flush();
        if (!f) throw IoError("failed writing " + tmp);
    }
    kill_point_in_checkpoint();  // (tests: core/fault_injection.hpp)
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw IoError("cannot rename " + tmp + " to " + path + ": " + ec.message());
}

std::optional<RunCheckpoint> read_checkpoint(const std::string& run_dir) {
    const std::string path = checkpoint_path(run_dir);
    std::ifstream f(path, std::ios::binary);
    if (!f) return std::nullopt;
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    json j;
    try {
        j = json::from_cbor(bytes);
    } catch (const json::exception& e) {
        throw IoError("checkpoint " + path + " is corrupt (" + e.what() + "); remove it to start the run again");
    }
    try {
        if (!j.is_object() || j.value("format", "") != kFormat)
            throw IoError("not a depthbias run checkpoint");
        if (state::integer(j, "version") != kVersion)
            throw IoError("checkpoint format version " + std::to_string(state::integer(j, "version")) +
                          " (this version reads " + std::to_string(kVersion) + ")");
        RunCheckpoint c;
        const json& config = state::field(j, "config");
        if (!config.is_string()) throw IoError("checkpoint: field 'config' is not a string");
        c.config = config.get<std::string>();
        c.step = state::integer(j, "step");
        c.theta = state::vec(j, "theta");
        c.dynamics = state::field(j, "dynamics");
        c.observers = state::field(j, "observers");
        c.wall_seconds = state::number(j, "wall_seconds");
        c.resumes = int(state::integer(j, "resumes"));
        return c;
    } catch (const IoError& e) {
        throw IoError("checkpoint " + path + ": " + e.what() + "; remove it to start the run again");
    }
}

void remove_checkpoint(const std::string& run_dir) {
    std::error_code ec;
    fs::remove(checkpoint_path(run_dir), ec);
    fs::remove(checkpoint_path(run_dir) + ".partial", ec);
}

}  // namespace depthbias
