// HtmlPage: one static, offline HTML page (no scripts or styles fetched from anywhere): a title, free HTML
// through out(), figures (<img> with relative, percent-encoded links; the SVG sibling linked when it exists),
// <details> blocks, and a footer with the version. An inline script sets data-figures-total / -loaded / -failed
// on <body> once loaded, so a headless browser can check every figure. Used by `depthbias report`
// (sweep/html_report.cpp) and any other page the tool writes.
#pragma once
#include <filesystem>
#include <sstream>
#include <string>

namespace depthbias {

std::string html_escape(const std::string& s);
std::string html_url(const std::string& relative_path);  // each byte outside [A-Za-z0-9/._~-] percent-encoded

class HtmlPage {
public:
    explicit HtmlPage(const std::string& title);
    std::ostringstream& out() { return s_; }
    // An <img> for rel (relative to dir, the page's directory) when the file exists.
    void figure(const std::filesystem::path& dir, const std::string& rel, const std::string& caption);
    void details(const std::string& summary, const std::string& pre);
    int figures() const { return figures_; }
    std::string finish();  // the whole page

private:
    std::ostringstream s_;
    int figures_ = 0;
};

}  // namespace depthbias
