// Reliability of the deep-net module (issue 11): the same experiment with --jobs 1 and --jobs 2 writes
// byte-identical summary.json files apart from their timing fields (wall_seconds, epoch_seconds_mean,
// metric_seconds, metric_seconds_mean: the keys with "seconds" in their name); a valid but enormous run ends with
// the wall-clock budget's status and resumes; sizes and values the fuzzer found crashing are errors naming the key.
// Synthetic data (gaussian-mixture), tiny nets.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <regex>

#include "depthbias/core/error.hpp"
#include "depthbias/deepnets/deep_config.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

TEST(DeepnetsReliability, JobsOneAndTwoWriteByteIdenticalSummaries) {
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

TEST(DeepnetsReliability, AWallClockBudgetStopsAnEnormousRunResumably) {
    const depthbias::test_support::TempDir dir("dn-budget");
    const std::string sets = " --set data.dataset=gaussian-mixture --set model.width=8 --set model.depth=2"
                             " --set data.train_per_class=10 --set data.test_per_class=5 --set metrics.every=0";
    const std::string out = (dir / "run").string();
    auto r = depthbias::test_support::run_cli("deepnets train" + sets + " --set train.epochs=1099511627776"
                                              " --max-wall-seconds 0.5 --no-figures --quiet --out " + out, "timeout 60 ");
    ASSERT_EQ(r.code, 5) << r.output;  // was: ran until killed
    EXPECT_NE(r.out.find("wall_budget_exhausted"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(fs::path(out) / "summary.json"));  // not a finished run
    EXPECT_TRUE(fs::exists(fs::path(out) / "checkpoint.pt"));
    r = depthbias::test_support::run_cli("deepnets train" + sets + " --set train.epochs=1099511627776 --resume"
                                         " --max-wall-seconds 0.3 --no-figures --quiet --out " + out, "timeout 60 ");
    EXPECT_EQ(r.code, 5) << r.output;
    r = depthbias::test_support::run_cli("deepnets train" + sets + " --max-wall-seconds nan --out " + out + "-nan");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.err.find("--max-wall-seconds"), std::string::npos) << r.err;
}

TEST(DeepnetsReliability, SizesAndValuesBeyondRangeNameTheKey) {
    using namespace depthbias::deepnets;
    auto key = [](const std::string& assignment) {
        DeepConfig c;
        apply_override(c, "data.dataset=gaussian-mixture");
        apply_override(c, "data.test_per_class=5");
        apply_override(c, assignment);
        try {
            validate(c);
        } catch (const depthbias::ConfigError& e) {
            return e.key();
        }
        return std::string();
    };
    // Each ended in std::bad_alloc, a LibTorch error or a float conversion error (exit 1) before.
    EXPECT_EQ(key("data.train_per_class=1099511627776"), "data.train_per_class");
    EXPECT_EQ(key("data.mixture_side=1099511627776"), "data.mixture_side");
    EXPECT_EQ(key("data.mixture_classes=1099511627776"), "data.mixture_classes");
    EXPECT_EQ(key("run.threads=1099511627776"), "run.threads");
    EXPECT_EQ(key("train.lr=1e300"), "train.lr");
    EXPECT_EQ(key("train.weight_decay=1e300"), "train.weight_decay");
    EXPECT_EQ(key("data.mixture_noise=1e300"), "data.mixture_noise");
    EXPECT_EQ(key("data.mixture_separation=1e300"), "data.mixture_separation");
    EXPECT_EQ(key("train.lr=0.1"), "");
}
