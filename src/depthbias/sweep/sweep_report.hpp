// The aggregation of a sweep directory (`depthbias sweep report DIR`), written under DIR/report/:
//   sweep.csv               tidy table, one row per point: id, hash, swept keys, status and metrics, then the
//                           timing columns (attempts, worker, wall_seconds, overhead_seconds) that legitimately
//                           differ between executions; every column before them is deterministic
//   phase_incremental.*     depth x init scale -> fraction of finished points learned incrementally (over seeds
//                           and any other swept key), with the toy-flow threshold sigma0_max(N) overlaid
//                           (analysis/depth_separation.hpp); drawn when model.depth and model.init_scale are swept
//   kernel_rich.*           init scale (alpha) x n -> test error (mean over the other swept keys): one curve per
//                           n and depth against the init scale; drawn when model.init_scale and task.measurements
//                           are swept and the points report a test error (kernel-rich regression)
//   l1_direction.*          alpha x log(1/eps) -> distance of the normalized predictor to the l1 max-margin
//                           direction: one curve per init scale and depth along the margin checkpoints; drawn when
//                           the points recorded margin_checkpoints with a dist_l1* distance (dual_flow runs with
//                           analysis.references naming the l1 max-margin reference)
// Those three are the linear point kind's diagrams (write_linear_diagrams); the deepnets kind draws
//   effective_depth.*       model.depth x data.corruption -> mean effective depth (src/cli/deep_sweep_kind.cpp)
// with write_grid_diagram. Files are written atomically; figures need gnuplot (a note says so when it is missing).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace depthbias {

struct PhaseDiagram {
    std::vector<std::int64_t> depths;
    std::vector<double> scales;
    // fraction[i][j]: depth i, scale j (-1 where no finished point); points[i][j]: how many
    std::vector<std::vector<double>> fraction;
    std::vector<std::vector<std::int64_t>> points;
    std::map<std::int64_t, double> threshold;  // depth -> toy-flow sigma0_max (absent: none / not comparable)
    std::string threshold_note;                // why there is no overlay, or its caveat
    double epsilon = 0;
};

struct SweepReport {
    std::string dir;                      // the sweep directory
    std::string name;                     // the sweep's name
    std::string csv;                      // absolute path of report/sweep.csv
    struct Fig {
        std::string png;      // path relative to the sweep directory (an SVG sits beside it)
        std::string caption;
    };
    std::vector<Fig> figures;
    std::vector<std::string> notes;       // skipped diagrams and why, missing gnuplot, unfinished points
    std::string digest;                   // point_hash of the deterministic part of sweep.csv
    std::map<std::string, std::int64_t> counts;  // status -> points
    std::vector<std::string> swept_keys;
    bool has_phase = false;
    PhaseDiagram phase;
};

// Reads DIR/sweep.db (ConfigError on "DIR" when it is not a sweep directory) and writes DIR/report/.
SweepReport write_sweep_report(const std::string& dir, bool figures);

struct PointRow;

// The linear point kind's diagrams (phase_incremental, kernel_rich, l1_direction) into report_dir.
void write_linear_diagrams(const std::vector<PointRow>& rows, SweepReport& rep, const std::string& report_dir,
                           bool figures);

// A two-key phase diagram: per (x, y) cell of two swept keys, the mean of `value` over the finished ('done')
// points of the cell whose value exists (other swept keys, seeds, averaged). Written as report_dir/<stem>.csv
// (x_key, y_key, points, valued, mean) and drawn as coloured squares (one colour scale). When a key is not
// swept, or no point has a value, a note says why and nothing is written.
struct GridDiagram {
    std::string x_key, y_key, stem, value_label, title, caption;
    std::function<std::optional<double>(const PointRow&)> value;
};
void write_grid_diagram(const std::vector<PointRow>& rows, SweepReport& rep, const std::string& report_dir,
                        bool figures, const GridDiagram& d);

// The columns of sweep.csv that depend on the execution, not on the results (excluded from the digest).
const std::vector<std::string>& sweep_timing_columns();

}  // namespace depthbias
