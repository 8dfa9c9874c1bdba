// One BLAS thread per process (src/depthbias/core/blas.hpp), through the real binary: `depthbias info` reports the
// BLAS the process loaded (CLP brings Debian's libblas.so.3: OpenBLAS once libopenblas0-pthread is installed, as
// scripts/install-deps.sh does) and its threads. OpenBLAS alone would start one thread per core; the engine sets
// it to 1 unless the user chose a count in the environment; a deep-net run gives it run.threads.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

using depthbias::test_support::CliResult;
using depthbias::test_support::run_cli;
using depthbias::test_support::TempDir;

namespace {

const std::string kNoThreadVariables = "env -u OPENBLAS_NUM_THREADS -u GOTO_NUM_THREADS -u OMP_NUM_THREADS ";

std::string blas_line(const CliResult& r) {
    const auto at = r.out.find("BLAS: ");
    if (at == std::string::npos) return "";
    return r.out.substr(at, r.out.find('\n', at) - at);
}

}  // namespace

TEST(BlasThreads, OneThreadUnlessTheUserSetsTheCount) {
    const CliResult r = run_cli("info", kNoThreadVariables);
    ASSERT_EQ(r.code, 0) << r.output;
    const std::string line = blas_line(r);
    ASSERT_FALSE(line.empty()) << r.out;
    EXPECT_NE(line.find(", 1 thread"), std::string::npos) << line;
    EXPECT_EQ(line.find("set in the environment"), std::string::npos) << line;
    if (line.find("OpenBLAS") == std::string::npos)
        GTEST_SKIP() << "not OpenBLAS (" << line << "): scripts/install-deps.sh installs libopenblas0-pthread";

    const CliResult user = run_cli("info", kNoThreadVariables + "OPENBLAS_NUM_THREADS=2 ");
    ASSERT_EQ(user.code, 0) << user.output;
    EXPECT_NE(blas_line(user).find(", 2 threads (set in the environment)"), std::string::npos) << user.out;
}

TEST(BlasThreads, ADeepNetRunGivesOpenBlasItsThreads) {
#ifndef DEPTHBIAS_HAVE_TORCH
    GTEST_SKIP() << "built without LibTorch: no plugin";
#else
    TempDir dir("blas-deep");
    const CliResult r = run_cli(
        "deepnets train --quiet --no-figures --set run.threads=2 --set data.dataset=gaussian-mixture "
        "--set data.train_per_class=6 --set data.test_per_class=4 --set data.mixture_side=4 --set model.width=8 "
        "--set model.depth=2 --set train.epochs=1 --set train.batch_size=8 --set 'train.milestones=[]' --out " +
            (dir / "run").string(),
        kNoThreadVariables);
    ASSERT_EQ(r.code, 0) << r.output;
    const auto manifest = nlohmann::json::parse(depthbias::test_support::read_text(dir / "run" / "manifest.json"));
    const std::string blas = manifest["libraries"]["blas"].get<std::string>();
    if (blas.find("OpenBLAS") == std::string::npos) GTEST_SKIP() << "not OpenBLAS: " << blas;
    EXPECT_NE(blas.find(", 2 threads"), std::string::npos) << blas;
#endif
}
