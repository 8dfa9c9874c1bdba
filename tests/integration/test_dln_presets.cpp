// The deep-linear-network presets (experiments/dln-geometry.toml, lambda-balanced.toml, completion-kernel-rich.toml)
// reproduce with every check passing, and the `theory saxe | lambda-balanced | single-neuron | metric` commands print
// the digests' values and refuse bad options naming them (exit 2, no partial CSV).
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <unistd.h>

#include "depthbias/run/experiment.hpp"
#include "depthbias/run/presets.hpp"
#include "support/cli_runner.hpp"
#include "support/preset_runner.hpp"

using namespace depthbias;
namespace fs = std::filesystem;

namespace {

nlohmann::json reproduce(const std::string& preset) { return test_support::reproduce_preset(preset); }

test_support::CliResult run(const std::string& args) { return test_support::run_cli(args); }

// The last CSV row's columns.
std::vector<double> last_row(const std::string& csv) {
    std::istringstream in(csv);
    std::string line, last;
    while (std::getline(in, line))
        if (!line.empty()) last = line;
    std::vector<double> out;
    std::stringstream row(last);
    for (std::string cell; std::getline(row, cell, ',');) out.push_back(std::stod(cell));
    return out;
}

}  // namespace

TEST(DlnPresets, DlnGeometryChecksPass) {
    const auto r = reproduce("dln-geometry");
    ASSERT_GE(r["checks"].size(), 13u);
    for (const auto& c : r["checks"]) EXPECT_TRUE(c["pass"].get<bool>()) << c["name"] << ": " << c["detail"];
}

TEST(DlnPresets, LambdaBalancedChecksPass) {
    const auto r = reproduce("lambda-balanced");
    ASSERT_GE(r["checks"].size(), 14u);
    for (const auto& c : r["checks"]) EXPECT_TRUE(c["pass"].get<bool>()) << c["name"] << ": " << c["detail"];
}

// moroshko_woodworth.md claim 8 (Woodworth et al. Fig. 3a with uv_factorization; ~0.3 s). completion-depth (~10 s) is
// checked by the long test LongCompletionDepth.ChecksPass.
TEST(DlnPresets, CompletionKernelRichChecksPass) {
    const auto r = reproduce("completion-kernel-rich");
    ASSERT_GE(r["checks"].size(), 7u);
    for (const auto& c : r["checks"]) EXPECT_TRUE(c["pass"].get<bool>()) << c["name"] << ": " << c["detail"];
}

TEST(DlnTheory, SaxeCurveAndInfiniteDepthTime) {
    // S1: the depth-2 mode at t = 2 (s = 1, u0 = 1e-3): s e^{2st} / (e^{2st} - 1 + s/u0) = 0.051768...
    const auto r = run("theory saxe --depth 2 --target 1 --u0 1e-3 --t-max 2 --points 3");
    ASSERT_EQ(r.code, 0) << r.output;
    const double e4 = std::exp(4.0);
    EXPECT_NEAR(last_row(r.out)[1], e4 / (e4 - 1 + 1000), 1e-10) << r.out;
    // S4: eq. 17 for s = 1, u0 = 0.05, uf = 0.9 is 24.031
    const auto t = run("theory saxe --target 1 --u0 0.05 --uf 0.9");
    ASSERT_EQ(t.code, 0) << t.output;
    EXPECT_NE(t.out.find("24.03"), std::string::npos) << t.out;
    const auto bad = run("theory saxe --target 1 --u0 2");
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("'--u0'"), std::string::npos) << bad.err;
    EXPECT_TRUE(bad.out.empty());
}

TEST(DlnTheory, LambdaBalancedModeAndSingleNeuron) {
    // L6: at lambda = 100 the mode is a ~ s + (a0 - s) e^{-|lambda| t}: at t = 0.02301 it is at 0.9 s (s = 1).
    const auto r = run("theory lambda-balanced --lambda 100 --target 1 --a0 1e-3 --t-max 0.02301 --points 2");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NEAR(last_row(r.out)[1], 0.9, 1e-3) << r.out;
    // K4/K5: delta = 0 gives kernel distance 0.170 at t = 200 for every tau (beta* = (1, 0.25), w0 || (0.6, -0.8)).
    for (const char* tau : {"0.03", "1"}) {
        const auto s = run(std::string("theory single-neuron --beta-star 1,0.25 --w-dir 0.6,-0.8 --delta 0 --t-max 200 "
                                       "--points 2 --tau ") + tau);
        ASSERT_EQ(s.code, 0) << s.output;
        const auto row = last_row(s.out);  // time, a, w1, w2, delta, kernel_distance
        ASSERT_EQ(row.size(), 6u) << s.out;
        EXPECT_NEAR(row[5], 0.170, 1e-3) << s.out;
        EXPECT_NEAR(row[4], 0.0, 1e-10) << s.out;
    }
    const auto bad = run("theory single-neuron --beta-star 1,0.25 --w-dir 1,0,0");
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("'--w-dir'"), std::string::npos) << bad.err;
    EXPECT_EQ(run("theory lambda-balanced --a0 -1").code, 2);
}

TEST(DlnTheory, MetricEigenvaluesAndLog10Volume) {
    // dln_geometry.md 3.2: lambda_12 / N -> 2.164043 for sigma = (2, 1); A_inf's off-diagonal eigenvalue is it.
    const auto r = run("theory metric --sigma 2,1 --infinite");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.out.find("2.16404"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("log10 volume density"), std::string::npos) << r.out;
    // Eigenvalues below double range (sigma ~ 1e-250, N = 4: lambda ~ 1e-375) are printed as log10, never as 0.
    const auto tiny = run("theory metric --sigma 1e-250,2e-250 --depth 4");
    ASSERT_EQ(tiny.code, 0) << tiny.output;
    EXPECT_NE(tiny.out.find("log10 of the eigenvalues"), std::string::npos) << tiny.out;
    EXPECT_NE(tiny.out.find("-374.39"), std::string::npos) << tiny.out;  // log10(4 * 1e-375) = -374.398
    EXPECT_EQ(tiny.out.find("inf"), std::string::npos) << tiny.out;
    const auto bad = run("theory metric --sigma 1,0");
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("'--sigma'"), std::string::npos) << bad.err;
}
