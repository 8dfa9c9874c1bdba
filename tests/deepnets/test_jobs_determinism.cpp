// Determinism of deep-net experiments: the same experiment with --jobs 1 and --jobs 2 writes byte-identical
// summary.json files apart from their timing fields (wall_seconds, epoch_seconds_mean, metric_seconds,
// metric_seconds_mean: the keys with "seconds" in their name). Synthetic data (gaussian-mixture), tiny nets.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <regex>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

TEST(DeepnetsDeterminism, JobsOneAndTwoWriteByteIdenticalSummaries) {
    const depthbias::test_support::TempDir dir("dn-jobs");
    const std::string sets = " --set data.dataset=gaussian-mixture --set train.epochs=2 --set model.width=16"
                             " --set data.train_per_class=20 --set data.test_per_class=10 --set metrics.every=1";
    for (int jobs : {1, 2}) {
        const auto r = depthbias::test_support::run_cli("deepnets reproduce effective-depth-quick" + sets +
                                                        " --no-figures --quiet --jobs " + std::to_string(jobs) +
                                                        " --out " + (dir / std::to_string(jobs)).string());
        ASSERT_TRUE(r.code == 0 || r.code == 4) << r.output;  // 4: two epochs do not pass the preset's checks
    }
    const std::regex timing("\n *\"[a-z_]*seconds[a-z_]*\": [^\n]*");
    int compared = 0;
    for (const auto& f : fs::recursive_directory_iterator(dir / "1")) {
        if (f.path().filename() != "summary.json") continue;
        const fs::path other = dir / "2" / fs::relative(f.path(), dir / "1");
        const std::string a = depthbias::test_support::read_text(f.path()), b = depthbias::test_support::read_text(other);
        ASSERT_NE(a.find("\"wall_seconds\""), std::string::npos) << f.path();
        const std::string a0 = std::regex_replace(a, timing, ""), b0 = std::regex_replace(b, timing, "");
        EXPECT_EQ(a0.find("seconds"), std::string::npos) << a0;
        EXPECT_NE(a0.find("\"final\""), std::string::npos) << a0;
        EXPECT_EQ(a0, b0) << fs::relative(f.path(), dir / "1");
        ++compared;
    }
    EXPECT_GE(compared, 4);
    std::printf("%d deep-net summary.json files compared\n", compared);
}
