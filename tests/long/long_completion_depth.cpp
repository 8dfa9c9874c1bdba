// The completion-depth preset (Arora et al. 2019 completion at n = 100, rank 5, 2000 / 5000 entries; exact_dln.md
// A2-A6) reproduces with every check passing, and every run's summary carries the minimum-nuclear-norm reference's
// diagnostics (nuclear norm, residual), its test error and the run's own nuclear norm. Label `long` (~10 s).
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "depthbias/run/experiment.hpp"
#include "depthbias/run/presets.hpp"
#include "support/preset_runner.hpp"

using namespace depthbias;
namespace fs = std::filesystem;

TEST(LongCompletionDepth, ChecksPass) {
    const auto r = test_support::reproduce_preset("completion-depth");
    ASSERT_GE(r["checks"].size(), 12u);
    for (const auto& c : r["checks"]) EXPECT_TRUE(c["pass"].get<bool>()) << c["name"] << ": " << c["detail"];
    for (const auto& run : r["runs"]) {
        const auto& f = run["summary"]["final"];
        for (const char* k : {"nuclear_norm", "min_nuclear_norm_admm_nuclear_norm", "min_nuclear_norm_admm_residual",
                              "test_error_of_min_nuclear_norm_admm"})
            EXPECT_TRUE(f.contains(k)) << run["label"] << " has no final." << k;
    }
}
