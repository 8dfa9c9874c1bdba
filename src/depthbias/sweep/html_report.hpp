// `depthbias report DIR`: one static, offline HTML page, DIR/report.html, for a sweep directory (sweep.db: the
// aggregation of sweep_report.hpp is regenerated first), an experiment directory (experiment.json) or a single
// run directory (summary.json). Figures are <img> with relative links to PNG files (the SVG is linked beside
// each), tables are inline, every run's resolved config is in a <details> block; no scripts or styles are
// fetched from anywhere. An inline script sets data-figures-total / -loaded / -failed on <body> once the page
// has loaded (a figure "loaded" when its naturalWidth > 0), so a headless browser can check every figure.
// Written atomically. ConfigError on "DIR" when the directory is none of the three.
#pragma once
#include <string>

namespace depthbias {

struct HtmlReport {
    std::string path;  // absolute path of report.html
    int figures = 0;   // <img> elements on the page
    std::string kind;  // sweep | experiment | run
};

HtmlReport write_html_report(const std::string& dir);

}  // namespace depthbias
