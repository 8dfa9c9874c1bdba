#include "depthbias/io/gnuplot.hpp"

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unistd.h>
#include <utility>
#include <vector>

namespace depthbias {
namespace fs = std::filesystem;

namespace {
std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

// A title or label: quoted, with '&' escaped (the terminals' enhanced text reads '&' as an operator and dropped it;
// the other enhanced-text characters, ^ _ { }, stay: titles use them for exponents and subscripts).
std::string label(const std::string& s) {
    std::string e;
    for (char c : s) e += c == '&' ? std::string("\\&") : std::string(1, c);
    return quote(e);
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string capture(const std::string& cmd) {
    std::array<char, 256> buf{};
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return out;
    while (fgets(buf.data(), int(buf.size()), p)) out += buf.data();
    pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

// The open batch, if any (process-wide; FigureBatch).
struct BatchState {
    std::mutex mutex;
    int depth = 0;
    std::vector<std::pair<std::string, std::string>> queued;  // (absolute directory, stem)
};
BatchState& batch_state() {
    static BatchState s;
    return s;
}

// gnuplot on one script, from its directory; its stderr to <stem>.gp.log, removed on success.
bool run_one(const std::string& dir, const std::string& stem, std::string* error) {
    const std::string cmd = "cd " + shell_quote(dir) + " && gnuplot " + shell_quote(stem + ".gp") + " 2>" +
                            shell_quote(stem + ".gp.log");
    if (std::system(cmd.c_str()) != 0) {
        if (error) *error = "gnuplot failed on " + (fs::path(dir) / (stem + ".gp")).string() + " (see " + stem + ".gp.log)";
        return false;
    }
    fs::remove(fs::path(dir) / (stem + ".gp.log"));
    return true;
}

std::string body(const Figure& fig) {
    std::ostringstream s;
    s << "set datafile separator ','\nset key top left font ',9'\nset grid\n";
    s << "set multiplot layout " << fig.rows << "," << fig.cols << " title " << label(fig.title) << "\n";
    for (const auto& p : fig.panels) {
        s << "unset logscale\nset autoscale\n";
        if (p.logx) s << "set logscale x\n";
        if (p.logy) s << "set logscale y\n";
        s << "set title " << label(p.title) << "\nset xlabel " << label(p.xlabel) << "\nset ylabel " << label(p.ylabel)
          << "\n" << p.extra << "\n";
        s << "plot ";
        for (size_t i = 0; i < p.curves.size(); ++i) {
            const auto& c = p.curves[i];
            const std::string x = c.x_column < 0 ? "(-$" + std::to_string(-c.x_column) + ")" : std::to_string(c.x_column);
            s << (i ? ", \\\n     " : "") << quote(c.file) << " skip 1 using " << x << ":" << c.y_column;
            if (c.z_column > 0) s << ":" << c.z_column;
            s << " with " << c.style << " title " << label(c.title);
        }
        s << "\n";
    }
    s << "unset multiplot\n";
    return s.str();
}
}  // namespace

std::string gnuplot_version() {  // asked once per process: every run's manifest records it
    static const std::string v = capture("gnuplot --version 2>/dev/null");
    return v;
}
bool gnuplot_available() { return !gnuplot_version().empty(); }

bool render(const Figure& fig, const std::string& dir, const std::string& stem, std::string* error) {
    const std::string gp = (fs::path(dir) / (stem + ".gp")).string();
    {
        std::ofstream f(gp);
        f << "# depthbias figure; re-render with: gnuplot " << stem << ".gp (from this directory)\n";
        f << "set terminal pngcairo size " << fig.width_px << "," << fig.height_px << " font ',10'\n";
        f << "set output " << quote(stem + ".png") << "\n" << body(fig);
        f << "set terminal svg size " << fig.width_px << "," << fig.height_px << " dynamic font ',10'\n";
        f << "set output " << quote(stem + ".svg") << "\n" << body(fig) << "unset output\n";
        if (!f) {
            if (error) *error = "cannot write " + gp;
            return false;
        }
    }
    if (!gnuplot_available()) {
        if (error) *error = "gnuplot not found (install gnuplot-nox); figure script left at " + gp;
        return false;
    }
    {
        BatchState& b = batch_state();
        std::lock_guard lock(b.mutex);
        if (b.depth > 0) {
            b.queued.emplace_back(fs::absolute(dir).string(), stem);
            return true;
        }
    }
    return run_one(dir, stem, error);
}

FigureBatch::FigureBatch() {
    BatchState& b = batch_state();
    std::lock_guard lock(b.mutex);
    outermost_ = b.depth++ == 0;
}

FigureBatch::~FigureBatch() {
    if (!closed_) {
        try {
            close(nullptr);
        } catch (...) {  // a destructor reports nothing
        }
    }
}

bool FigureBatch::close(std::string* error) {
    if (closed_) return true;
    closed_ = true;
    std::vector<std::pair<std::string, std::string>> figures;
    {
        BatchState& b = batch_state();
        std::lock_guard lock(b.mutex);
        --b.depth;
        if (!outermost_) return true;
        figures.swap(b.queued);
    }
    if (figures.empty()) return true;
    // The driver goes to a file (not a pipe: a gnuplot that stops early must not SIGPIPE this process).
    static std::atomic<int> counter{0};
    const std::string tag = "depthbias-gnuplot-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
    const fs::path driver = fs::temp_directory_path() / (tag + ".gp"), log = fs::temp_directory_path() / (tag + ".log");
    bool ok = false;
    {
        std::ofstream f(driver);
        for (const auto& [dir, stem] : figures)
            f << "cd " << quote(dir) << "\nload " << quote(stem + ".gp") << "\nreset session\n";
        f.close();
        ok = f && std::system(("gnuplot " + shell_quote(driver.string()) + " 2>" + shell_quote(log.string())).c_str()) == 0;
    }
    std::error_code ec;
    fs::remove(driver, ec);
    fs::remove(log, ec);
    if (ok) return true;
    // Which ones: each again on its own (their logs kept).
    std::string failed;
    for (const auto& [dir, stem] : figures) {
        std::string e;
        if (!run_one(dir, stem, &e)) failed += (failed.empty() ? "" : "; ") + e;
    }
    if (failed.empty()) return true;  // the batch failed but each figure renders alone
    if (error) *error = failed;
    return false;
}

}  // namespace depthbias
