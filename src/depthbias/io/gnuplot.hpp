// Figures through gnuplot: a Figure is a grid of panels, each a set of curves read from CSV files.
// render() writes <stem>.gp next to the data and runs gnuplot twice (pngcairo -> <stem>.png, svg -> <stem>.svg).
// Returns false (with a message) when gnuplot is missing or fails; the data files are written regardless.
// Inside a FigureBatch (below) render() only writes and queues the script: one gnuplot process per experiment.
#pragma once
#include <string>
#include <vector>

namespace depthbias {

struct Curve {
    std::string file;     // CSV with a header line, path relative to the figure's directory
    int x_column;         // 1-based; negative: plot minus that column
    int y_column;         // 1-based
    std::string title;
    std::string style = "lines";  // gnuplot "with" clause: lines, points, linespoints, "lines dt 2", image
    int z_column = 0;             // third "using" column (image / pm3d), 0: none
};

struct Panel {
    std::string title, xlabel, ylabel;
    bool logx = false, logy = false;
    std::vector<Curve> curves{};
    std::string extra{};  // raw gnuplot commands for this panel (e.g. "set yrange [0:*]")
};

struct Figure {
    std::string title;
    int rows = 1, cols = 1;
    int width_px = 1200, height_px = 800;
    std::vector<Panel> panels;
};

bool gnuplot_available();
std::string gnuplot_version();
bool render(const Figure& fig, const std::string& dir, const std::string& stem, std::string* error);

// One gnuplot process for many figures (an experiment's per-run figures and its own). While a batch is open in this
// process, render() writes the figure's .gp script, queues it and returns true (false only when gnuplot is
// missing); close() runs ONE gnuplot that loads every queued script from its own directory (cd, load,
// reset session), so each .gp stays re-renderable on its own. If that process fails, the queued figures are
// rendered again one by one to name the failing ones (their .gp.log kept). Batches nest: an inner batch joins the
// outermost, which renders everything when it closes. Thread-safe: runs on the job pool's threads may render
// while a batch is open. The destructor closes a batch that was not closed (errors then go unreported).
class FigureBatch {
public:
    FigureBatch();
    ~FigureBatch();
    FigureBatch(const FigureBatch&) = delete;
    FigureBatch& operator=(const FigureBatch&) = delete;
    // Renders the queued figures (outermost batch; an inner one returns true). False with a message naming the
    // figures gnuplot failed on.
    bool close(std::string* error);

private:
    bool outermost_ = false, closed_ = false;
};

}  // namespace depthbias
