#include "depthbias/observe/learning_events.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <iomanip>

#include "depthbias/core/error.hpp"
#include "depthbias/observe/incremental.hpp"
#include "depthbias/observe/observer.hpp"

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

namespace depthbias {
namespace {

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json incremental_json(const IncrementalReport& r, const std::vector<double>& targets) {
    using nlohmann::json;
    json comps = json::array();
    for (size_t i = 0; i < targets.size(); ++i)
        comps.push_back({{"target", targets[i]},
                         {"t_eps", finite_or_null(r.t_start[i])},
                         {"t_half", finite_or_null(r.t_half[i])},
                         {"t_one_minus_eps", finite_or_null(r.t_done[i])}});
    json pairs = json::array();
    for (const auto& p : r.pairs)
        pairs.push_back({{"components", {p.first + 1, p.second + 1}},
                         {"t_first_done", finite_or_null(p.t_first_done)},
                         {"t_second_start", finite_or_null(p.t_second_start)},
                         {"incremental", p.incremental}});
    json order = json::array();
    for (int o : r.order) order.push_back(o + 1);
    return {{"epsilon", r.epsilon},     {"components", comps},           {"pairs", pairs},
            {"learning_order", order}, {"largest_first", r.largest_first}, {"verdict", r.verdict}};
}

// events.csv and the summary's "incremental" block (the eps-incremental test at analysis.epsilon).
class LearningEventsObserver final : public Observer {
public:
    LearningEventsObserver(const Objective& obj, double eps, long every)
        : eps_(eps), events_(obj, {eps, 0.5, 1 - eps}, every) {}
    StepAction observe(const StepView& v) override {
        events_.observe(v);
        return StepAction::Continue;
    }
    void finish(const ObserverReport& r) override {
        events_.write_csv(r.dir + "/events.csv");
        if (r.finished && !events_.targets().empty())
            r.summary["incremental"] = incremental_json(analyze_incremental(events_, eps_), events_.targets());
    }

private:
    double eps_;
    LearningEventDetector events_;
};

const Registrar<ObserverEntry> registration{{
    .name = "learning_events",
    .doc = "times t_i(alpha) at which spectrum component i reaches alpha = eps, 1/2, 1 - eps of its target "
           "(events.csv) and the eps-incremental verdict (summary: incremental); every observe.event_every steps",
    .build = [](const ObserverContext& c) -> std::unique_ptr<Observer> {
        return std::make_unique<LearningEventsObserver>(c.objective, c.analysis.epsilon, long(c.observe.event_every));
    },
}};

}  // namespace
}  // namespace depthbias
