#include "depthbias/observe/learning_events.hpp"

#include <cmath>
#include <fstream>
#include <iomanip>

#include "depthbias/core/error.hpp"
#include "depthbias/core/state_io.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/observe/incremental.hpp"
#include "depthbias/observe/observer.hpp"

namespace depthbias {

LearningEventDetector::LearningEventDetector(const Objective& objective, std::vector<double> fractions, long every,
                                             bool exact_every_check)
    : obj_(objective), fractions_(std::move(fractions)), targets_(objective.task().target_spectrum()),
      every_(std::max(1L, every)),
      bound_applies_(!exact_every_check && objective.task().spectrum_kind() != SpectrumKind::FourierAmplitudes),
      spectrum_(objective.task().spectrum_kind(), Index(targets_.size())) {
    crossed_.assign(targets_.size(), std::vector<bool>(fractions_.size(), false));
    events_.reserve(targets_.size() * fractions_.size());
    prev_.reserve(targets_.size());
    last_.reserve(targets_.size());
    // Sized once: the assignments per check then copy without allocating.
    prev_beta_.resize(objective.task().rows(), objective.task().cols());
    last_beta_.resize(objective.task().rows(), objective.task().cols());
}

double LearningEventDetector::distance(const Mat& a, const Mat& b) const {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return std::numeric_limits<double>::infinity();
    if (obj_.task().spectrum_kind() == SpectrumKind::SingularValues) return (a - b).norm();  // >= ||a - b||_2
    return (a - b).cwiseAbs().maxCoeff();  // sorted |coordinates| and coordinates move by at most this
}

// True unless every level not yet reached is provably out of reach at this check (NaN anywhere: true).
bool LearningEventDetector::needs_spectrum(const Mat& beta) const {
    if (!bound_applies_ || !has_last_) return true;
    const double d = distance(beta, last_beta_);
    const double scale = last_beta_.norm();
    for (size_t i = 0; i < last_.size() && i < targets_.size(); ++i)
        for (size_t a = 0; a < fractions_.size(); ++a) {
            if (crossed_[i][a]) continue;
            const double level = fractions_[a] * targets_[i];
            if (!(level > 0)) return true;
            // Rounding of the computed spectrum (singular values from a Gram eigendecomposition: relative error
            // ~ n eps ||beta||^2 / s near s = level), with a margin of several hundred times.
            const double margin = 1e-10 * (scale + scale * scale / level);
            if (!(last_[i] + d + margin < level)) return true;
        }
    return false;
}

void LearningEventDetector::observe(const StepView& v) {
    if (v.step % every_ != 0 && !v.final) return;
    ++checks_;
    const Mat& beta = v.predictor.beta;
    if (!needs_spectrum(beta)) {  // no event can fire here; keep beta in case the next check may
        prev_beta_ = beta;
        prev_exact_ = false;
        has_prev_ = true;
        prev_time_ = v.time;
        return;
    }
    if (has_prev_ && !prev_exact_) {
        prev_ = spectrum_.compute(prev_beta_);
        ++spectra_;
    }
    const std::vector<double>& s = spectrum_.compute(beta);
    ++spectra_;
    for (size_t i = 0; i < targets_.size() && i < s.size(); ++i) {
        for (size_t a = 0; a < fractions_.size(); ++a) {
            if (crossed_[i][a]) continue;
            const double level = fractions_[a] * targets_[i];
            if (s[i] < level) continue;
            crossed_[i][a] = true;
            double t = v.time;
            if (has_prev_ && i < prev_.size() && s[i] > prev_[i] && prev_[i] < level)
                t = prev_time_ + (v.time - prev_time_) * (level - prev_[i]) / (s[i] - prev_[i]);
            events_.push_back({int(i), fractions_[a], t, v.step});
        }
    }
    prev_ = s;
    prev_exact_ = has_prev_ = true;
    prev_time_ = v.time;
    if (bound_applies_) {
        prev_beta_ = beta;
        last_ = s;
        last_beta_ = beta;
        has_last_ = true;
    }
}

nlohmann::json LearningEventDetector::save_state() const {
    std::vector<double> crossed, events;
    for (const auto& row : crossed_)
        for (bool c : row) crossed.push_back(c ? 1.0 : 0.0);
    for (const auto& e : events_) events.insert(events.end(), {double(e.component), e.fraction, e.time, double(e.step)});
    // "prev" is the previous check's spectrum (empty before the first check): computed here when that check was
    // skipped, so the state is the same whether or not checks were skipped.
    std::vector<double> prev;
    if (has_prev_) prev = prev_exact_ ? prev_ : spectrum(prev_beta_, obj_.task().spectrum_kind(), Index(targets_.size()));
    return {{"prev_time", prev_time_}, {"prev", state::of(prev)}, {"crossed", state::of(crossed)},
            {"events", state::of(events)}};
}

void LearningEventDetector::restore_state(const nlohmann::json& s) {
    prev_time_ = state::number(s, "prev_time");
    prev_ = state::vector_of<double>(s, "prev");
    has_prev_ = prev_exact_ = !prev_.empty();
    has_last_ = false;  // the next check computes the spectrum (beta_last is not saved)
    const auto crossed = state::vector_of<double>(s, "crossed"), events = state::vector_of<double>(s, "events");
    if (crossed.size() != targets_.size() * fractions_.size() || events.size() % 4 != 0 ||
        (!prev_.empty() && prev_.size() > targets_.size()))
        throw IoError("checkpoint: the learning events do not match this run's targets");
    for (size_t i = 0; i < targets_.size(); ++i)
        for (size_t a = 0; a < fractions_.size(); ++a) crossed_[i][a] = crossed[i * fractions_.size() + a] != 0;
    events_.clear();
    for (size_t i = 0; i < events.size(); i += 4) {
        const int c = int(events[i]);
        if (c < 0 || size_t(c) >= targets_.size()) throw IoError("checkpoint: a learning event's component is out of range");
        events_.push_back({c, events[i + 1], events[i + 2], long(events[i + 3])});
    }
}

double LearningEventDetector::time_of(int component, double fraction) const {
    for (const auto& e : events_)
        if (e.component == component && e.fraction == fraction) return e.time;
    return std::numeric_limits<double>::infinity();
}

void LearningEventDetector::write_csv(const std::string& path) const {
    AtomicOutputFile f(path);
    f << "component,target,fraction,time,step\n" << std::setprecision(12);
    for (const auto& e : events_)
        f << (e.component + 1) << ',' << targets_[size_t(e.component)] << ',' << e.fraction << ',' << e.time << ','
          << e.step << "\n";
    f.commit();
}

}  // namespace depthbias

namespace depthbias {
namespace {

std::optional<double> finite(double v) { return std::isfinite(v) ? std::optional<double>(v) : std::nullopt; }

IncrementalSummary incremental_summary(const IncrementalReport& r, const std::vector<double>& targets) {
    IncrementalSummary m;
    m.epsilon = r.epsilon;
    for (size_t i = 0; i < targets.size(); ++i)
        m.components.push_back({targets[i], finite(r.t_start[i]), finite(r.t_half[i]), finite(r.t_done[i])});
    for (const auto& p : r.pairs)
        m.pairs.push_back({p.first + 1, p.second + 1, finite(p.t_first_done), finite(p.t_second_start), p.incremental});
    for (int o : r.order) m.learning_order.push_back(o + 1);
    m.largest_first = r.largest_first;
    m.verdict = r.verdict;
    return m;
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
    bool resumable() const override { return true; }
    nlohmann::json save_state() const override { return events_.save_state(); }
    void restore_state(const nlohmann::json& s) override { events_.restore_state(s); }
    void finish(const ObserverReport& r) override {
        events_.write_csv(r.dir + "/events.csv");
        if (r.finished && !events_.targets().empty())
            r.summary.incremental = incremental_summary(analyze_incremental(events_, eps_), events_.targets());
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
