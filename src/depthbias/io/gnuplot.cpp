#include "depthbias/io/gnuplot.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace depthbias {
namespace fs = std::filesystem;

namespace {
std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
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

std::string body(const Figure& fig) {
    std::ostringstream s;
    s << "set datafile separator ','\nset key top left font ',9'\nset grid\n";
    s << "set multiplot layout " << fig.rows << "," << fig.cols << " title " << quote(fig.title) << "\n";
    for (const auto& p : fig.panels) {
        s << "unset logscale\nset autoscale\n";
        if (p.logx) s << "set logscale x\n";
        if (p.logy) s << "set logscale y\n";
        s << "set title " << quote(p.title) << "\nset xlabel " << quote(p.xlabel) << "\nset ylabel " << quote(p.ylabel)
          << "\n" << p.extra << "\n";
        s << "plot ";
        for (size_t i = 0; i < p.curves.size(); ++i) {
            const auto& c = p.curves[i];
            const std::string x = c.x_column < 0 ? "(-$" + std::to_string(-c.x_column) + ")" : std::to_string(c.x_column);
            s << (i ? ", \\\n     " : "") << quote(c.file) << " skip 1 using " << x << ":" << c.y_column;
            if (c.z_column > 0) s << ":" << c.z_column;
            s << " with " << c.style << " title " << quote(c.title);
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
    const std::string cmd = "cd " + shell_quote(dir) + " && gnuplot " + shell_quote(stem + ".gp") + " 2>" +
                            shell_quote(stem + ".gp.log");
    if (std::system(cmd.c_str()) != 0) {
        if (error) *error = "gnuplot failed on " + gp + " (see " + stem + ".gp.log)";
        return false;
    }
    fs::remove(fs::path(dir) / (stem + ".gp.log"));
    return true;
}

}  // namespace depthbias
