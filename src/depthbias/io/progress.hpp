// A one-line progress display on stderr, only when stderr is a terminal (quiet in logs and CI);
// redrawn at most every 0.2 s.
#pragma once
#include <chrono>
#include <string>

namespace depthbias {

class ProgressLine {
public:
    ProgressLine(bool enabled, std::string label);
    void update(long step, double time, double loss, bool final);

private:
    bool enabled_;
    std::string label_;
    std::chrono::steady_clock::time_point last_;
};

bool stderr_is_terminal();

}  // namespace depthbias
