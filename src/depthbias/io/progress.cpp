#include "depthbias/io/progress.hpp"

#include <cstdio>
#include <unistd.h>

namespace depthbias {

bool stderr_is_terminal() { return isatty(fileno(stderr)) != 0; }

ProgressLine::ProgressLine(bool enabled, std::string label)
    : enabled_(enabled && stderr_is_terminal()), label_(std::move(label)), last_() {}

void ProgressLine::update(long step, double time, double loss, bool final) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!final && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    std::fprintf(stderr, "\r\033[K[%s] step %ld  t = %.4g  loss = %.4e%s", label_.c_str(), step, time, loss,
                 final ? "\n" : "");
    std::fflush(stderr);
}

}  // namespace depthbias
