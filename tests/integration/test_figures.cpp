// Figures: one gnuplot process per experiment (io/gnuplot.hpp, FigureBatch). A `gnuplot` shim first in PATH logs
// each invocation and runs the real one; `reproduce fig1b` (2 runs: 2 run figures + the experiment's) must start
// exactly one rendering gnuplot and leave every PNG/SVG. A batch with a broken figure names that figure and still
// renders the others. --no-figures starts none.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "depthbias/io/gnuplot.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using depthbias::test_support::read_text;
using depthbias::test_support::run_cli;
using depthbias::test_support::TempDir;

namespace {
int count_lines(const std::string& s, const std::string& containing) {
    std::istringstream in(s);
    int n = 0;
    for (std::string line; std::getline(in, line);)
        if (line.find(containing) != std::string::npos) ++n;
    return n;
}
}  // namespace

TEST(Figures, AnExperimentStartsOneGnuplotForAllItsFigures) {
    if (!depthbias::gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed";
    TempDir dir("figures-one-process");
    const fs::path bin = dir / "bin", log = dir / "gnuplot.log";
    fs::create_directories(bin);
    {
        std::ofstream shim(bin / "gnuplot");
        shim << "#!/bin/sh\necho \"gnuplot $*\" >> '" << log.string() << "'\nexec /usr/bin/gnuplot \"$@\"\n";
    }
    fs::permissions(bin / "gnuplot", fs::perms::owner_all);
    const fs::path out = dir / "out";
    const auto r = run_cli("reproduce fig1b --out " + out.string(), "PATH=" + bin.string() + ":$PATH ");
    ASSERT_EQ(r.code, 0) << r.output;
    const std::string calls = read_text(log);
    EXPECT_EQ(count_lines(calls, "gnuplot --version"), 1) << calls;
    EXPECT_EQ(count_lines(calls, "gnuplot") - count_lines(calls, "--version"), 1) << "rendering processes:\n" << calls;
    for (const char* f : {"figure.png", "figure.svg", "with-bias/spectrum.png", "with-bias/spectrum.svg",
                          "without-bias/spectrum.png", "without-bias/spectrum.svg"})
        EXPECT_GT(fs::exists(out / f) ? fs::file_size(out / f) : 0, 1000u) << f;
    EXPECT_EQ(r.output.find("gnuplot failed"), std::string::npos) << r.output;
}

// --no-figures starts no gnuplot at all, not even `gnuplot --version` for the manifests (a process start, ~10% of
// fig1b's CPU time, issue 10); the manifests say gnuplot was not used.
TEST(Figures, NoFiguresStartsNoGnuplot) {
    TempDir dir("figures-none");
    const fs::path bin = dir / "bin", log = dir / "gnuplot.log";
    fs::create_directories(bin);
    {
        std::ofstream shim(bin / "gnuplot");
        shim << "#!/bin/sh\necho \"gnuplot $*\" >> '" << log.string() << "'\nexec /usr/bin/gnuplot \"$@\"\n";
    }
    fs::permissions(bin / "gnuplot", fs::perms::owner_all);
    const fs::path out = dir / "out";
    const auto r = run_cli("reproduce fig1b --no-figures --out " + out.string(), "PATH=" + bin.string() + ":$PATH ");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_FALSE(fs::exists(log)) << read_text(log);
    const std::string manifest = read_text(out / "with-bias" / "manifest.json");
    EXPECT_NE(manifest.find("\"gnuplot\": \"not used (figures off)\""), std::string::npos) << manifest;
}

TEST(Figures, ABatchWithABrokenFigureNamesItAndRendersTheOthers) {
    if (!depthbias::gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed";
    TempDir dir("figures-broken");
    {
        std::ofstream csv(dir / "d.csv");
        csv << "x,y\n1,1\n2,4\n3,9\n";
    }
    const auto figure = [](const std::string& extra) {
        depthbias::Figure f;
        f.title = "t";
        f.panels.push_back({"p", "x", "y", false, false, {{"d.csv", 1, 2, "y"}}, extra});
        return f;
    };
    std::string err;
    depthbias::FigureBatch batch;
    EXPECT_TRUE(depthbias::render(figure(""), dir.path().string(), "good1", &err));
    EXPECT_TRUE(depthbias::render(figure("this is not a gnuplot command"), dir.path().string(), "broken", &err));
    {
        depthbias::FigureBatch inner;  // joins the outer batch: renders nothing when it closes
        EXPECT_TRUE(depthbias::render(figure(""), dir.path().string(), "good2", &err));
        EXPECT_TRUE(inner.close(&err));
        EXPECT_FALSE(fs::exists(dir / "good2.png"));
    }
    EXPECT_FALSE(batch.close(&err));
    EXPECT_NE(err.find("broken.gp"), std::string::npos) << err;
    EXPECT_EQ(err.find("good"), std::string::npos) << err;
    EXPECT_TRUE(fs::exists(dir / "good1.png"));
    EXPECT_TRUE(fs::exists(dir / "good2.svg"));
    EXPECT_TRUE(fs::exists(dir / "broken.gp.log"));
}
