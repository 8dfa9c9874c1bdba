// The analysis and the checks of an experiment do not depend on drawing: with figures off (--no-figures) the
// experiment.json "analysis" and "checks" equal those with figures on, for the presets whose analysis is computed
// beside their figure (toy overlay, separation map, Moroshko distance map, saddle-to-saddle) and a plain one.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/preset_runner.hpp"

using namespace depthbias;
namespace fs = std::filesystem;

namespace {

nlohmann::json reproduce(const std::string& preset, const std::vector<std::string>& sets, bool figures) {
    return test_support::reproduce_preset(preset, sets, 2, figures);
}

}  // namespace

TEST(CheckNoFigures, AnalysisAndChecksAreTheSameWithoutFigures) {
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {"toy", {}},
        {"separation", {}},
        {"fig1b", {"task.d=10", "task.measurements=60"}},
        {"moroshko", {"dynamics.max_margin=1e3"}},
        {"saddle-to-saddle", {"task.d=20", "task.measurements=10", "dynamics.max_steps=20000"}},
    };
    for (const auto& [name, sets] : cases) {
        const auto a = reproduce(name, sets, true);
        const auto b = reproduce(name, sets, false);
        ASSERT_FALSE(b["checks"].empty()) << name;
        EXPECT_EQ(a.value("analysis", nlohmann::json()), b.value("analysis", nlohmann::json())) << name;
        EXPECT_EQ(a["checks"], b["checks"]) << name;
    }
}
