#include "depthbias/io/html_page.hpp"

#include <cstdio>

#include "depthbias/version.hpp"

namespace depthbias {
namespace fs = std::filesystem;

std::string html_escape(const std::string& s) {
    std::string o;
    o.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': o += "&amp;"; break;
            case '<': o += "&lt;"; break;
            case '>': o += "&gt;"; break;
            case '"': o += "&quot;"; break;
            case '\'': o += "&#39;"; break;
            default: o += c;
        }
    }
    return o;
}

// A relative URL: each path segment percent-encoded where needed.
std::string html_url(const std::string& rel) {
    std::string o;
    for (unsigned char c : rel) {
        if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_' || c == '~')
            o += char(c);
        else {
            char b[4];
            std::snprintf(b, sizeof b, "%%%02X", c);
            o += b;
        }
    }
    return o;
}

namespace {

constexpr const char* kHead = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%TITLE%</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1200px;
       padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
th { background: #f0f0f0; } td.l, th.l { text-align: left; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
details { margin: 0.2em 0; } summary { cursor: pointer; }
.pass { color: #1a7f37; font-weight: bold; } .fail { color: #c62828; font-weight: bold; }
.status-failed { color: #c62828; } .status-diverged { color: #b26a00; } .muted { color: #777; }
.grid { display: flex; flex-wrap: wrap; gap: 1em; } .grid figure { flex: 1 1 45%; }
</style>
<script>
// Marks the page once every figure has either loaded (naturalWidth > 0) or failed, for headless checks.
window.addEventListener('load', function () {
  var imgs = document.images, ok = 0, bad = 0, i;
  for (i = 0; i < imgs.length; i++) {
    if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++; else bad++;
  }
  document.body.setAttribute('data-figures-total', String(imgs.length));
  document.body.setAttribute('data-figures-loaded', String(ok));
  document.body.setAttribute('data-figures-failed', String(bad));
  document.body.setAttribute('data-report-ready', 'true');
});
</script>
</head>
<body>
)html";

}  // namespace

HtmlPage::HtmlPage(const std::string& title) {
    std::string h = kHead;
    h.replace(h.find("%TITLE%"), 7, html_escape(title));
    s_ << h << "<h1>" << html_escape(title) << "</h1>\n";
}

void HtmlPage::figure(const fs::path& dir, const std::string& rel, const std::string& caption) {
    if (!fs::exists(dir / rel)) return;
    ++figures_;
    s_ << "<figure><img src=\"" << html_url(rel) << "\" alt=\"" << html_escape(caption) << "\"><figcaption>"
       << html_escape(caption);
    const std::string svg = fs::path(rel).replace_extension(".svg").string();
    if (fs::exists(dir / svg)) s_ << " (<a href=\"" << html_url(svg) << "\">SVG</a>)";
    s_ << "</figcaption></figure>\n";
}

void HtmlPage::details(const std::string& summary, const std::string& pre) {
    s_ << "<details><summary>" << html_escape(summary) << "</summary><pre>" << html_escape(pre) << "</pre></details>\n";
}

std::string HtmlPage::finish() {
    s_ << "<p class=\"muted\">Written by depthbias " << html_escape(kVersion) << " (" << html_escape(kGitCommit)
       << "). Static page: every figure and file is linked relative to this directory.</p>\n</body>\n</html>\n";
    return s_.str();
}

}  // namespace depthbias
