// The completion-depth preset (Arora et al. 2019 completion at n = 100, rank 5, 2000 / 5000 entries; exact_dln.md
// A2-A6) reproduces with every check passing, and every run's summary carries the minimum-nuclear-norm reference's
// diagnostics (nuclear norm, residual), its test error and the run's own nuclear norm. Label `long` (~10 s).
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "depthbias/run/experiment.hpp"
#include "depthbias/run/presets.hpp"

using namespace depthbias;
namespace fs = std::filesystem;

TEST(LongCompletionDepth, ChecksPass) {
    Experiment e = parse_experiment(find_preset("completion-depth")->toml, "completion-depth");
    const fs::path out = fs::temp_directory_path() / ("depthbias-completion-depth-" + std::to_string(getpid()));
    fs::remove_all(out);
    ExperimentOptions opt;
    opt.figures = false;
    const auto r = run_experiment(e, out.string(), opt).to_json();
    fs::remove_all(out);
    ASSERT_GE(r["checks"].size(), 12u);
    for (const auto& c : r["checks"]) EXPECT_TRUE(c["pass"].get<bool>()) << c["name"] << ": " << c["detail"];
    for (const auto& run : r["runs"]) {
        const auto& f = run["summary"]["final"];
        for (const char* k : {"nuclear_norm", "min_nuclear_norm_admm_nuclear_norm", "min_nuclear_norm_admm_residual",
                              "test_error_of_min_nuclear_norm_admm"})
            EXPECT_TRUE(f.contains(k)) << run["label"] << " has no final." << k;
    }
}
