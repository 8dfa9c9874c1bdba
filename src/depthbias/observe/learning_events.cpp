#include "depthbias/observe/learning_events.hpp"

#include <fstream>
#include <iomanip>

#include "depthbias/core/error.hpp"

namespace depthbias {

LearningEventDetector::LearningEventDetector(const Objective& objective, std::vector<double> fractions, long every)
    : obj_(objective), fractions_(std::move(fractions)), targets_(objective.task().target_spectrum()),
      every_(std::max(1L, every)) {
    crossed_.assign(targets_.size(), std::vector<bool>(fractions_.size(), false));
}

void LearningEventDetector::observe(const StepView& v) {
    if (v.step % every_ != 0 && !v.final) return;
    const auto s = spectrum(v.predictor.beta, obj_.task().spectrum_kind(), Index(targets_.size()));
    for (size_t i = 0; i < targets_.size() && i < s.size(); ++i) {
        for (size_t a = 0; a < fractions_.size(); ++a) {
            if (crossed_[i][a]) continue;
            const double level = fractions_[a] * targets_[i];
            if (s[i] < level) continue;
            crossed_[i][a] = true;
            double t = v.time;
            if (!prev_.empty() && s[i] > prev_[i] && prev_[i] < level)
                t = prev_time_ + (v.time - prev_time_) * (level - prev_[i]) / (s[i] - prev_[i]);
            events_.push_back({int(i), fractions_[a], t, v.step});
        }
    }
    prev_ = s;
    prev_time_ = v.time;
}

double LearningEventDetector::time_of(int component, double fraction) const {
    for (const auto& e : events_)
        if (e.component == component && e.fraction == fraction) return e.time;
    return std::numeric_limits<double>::infinity();
}

void LearningEventDetector::write_csv(const std::string& path) const {
    std::ofstream f(path);
    if (!f) throw IoError("cannot write " + path);
    f << "component,target,fraction,time,step\n" << std::setprecision(12);
    for (const auto& e : events_)
        f << (e.component + 1) << ',' << targets_[size_t(e.component)] << ',' << e.fraction << ',' << e.time << ','
          << e.step << "\n";
    if (!f) throw IoError("failed writing " + path);
}

}  // namespace depthbias
