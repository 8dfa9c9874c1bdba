#include "depthbias/observe/recorder.hpp"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>

#include "depthbias/core/error.hpp"

namespace depthbias {

Recorder::Recorder(const Objective& objective, RecordSchedule schedule, Index top_k, Vec theta0)
    : obj_(objective), schedule_(schedule), top_k_(top_k), theta0_(std::move(theta0)) {
    rows_.reserve(size_t(schedule_.capacity) + 1);
}

void Recorder::observe(const StepView& v) {
    if (v.time < next_due_ && !v.final) return;
    const Task& task = obj_.task();
    RecordRow row;
    row.step = v.step;
    row.time = v.time;
    row.loss = v.loss;
    row.log10_loss = std::isfinite(v.log10_loss) ? v.log10_loss : std::log10(v.loss);
    row.reconstruction = task.reconstruction_error(v.predictor);
    row.metrics = task.metrics(v.predictor);
    if (extra_) {
        const auto more = extra_(v.predictor);
        row.metrics.insert(row.metrics.end(), more.begin(), more.end());
    }
    row.test_error = task.test_error(v.predictor);
    const auto drift = obj_.model().invariant_drift(v.theta, theta0_);
    row.invariant_drift = drift ? *drift : std::numeric_limits<double>::quiet_NaN();
    if (drift) max_drift_ = std::max(max_drift_, *drift);
    row.offset = v.predictor.offset;
    row.spectrum = spectrum(v.predictor.beta, task.spectrum_kind(), top_k_);
    rows_.push_back(std::move(row));
    next_due_ = schedule_.next_after(v.time);
    if (long(rows_.size()) >= schedule_.capacity) {  // thin: keep rows 0, 2, 4, ... and the newest
        std::vector<RecordRow> kept;
        kept.reserve(size_t(schedule_.capacity) + 1);
        for (size_t i = 0; i < rows_.size(); i += 2) kept.push_back(std::move(rows_[i]));
        if (rows_.size() % 2 == 0) kept.push_back(std::move(rows_.back()));
        rows_.swap(kept);
        schedule_.coarsen();
        next_due_ = schedule_.next_after(v.time);
    }
}

void Recorder::write_csv(const std::string& path) const {
    std::ofstream f(path);
    if (!f) throw IoError("cannot write " + path);
    f << "step,time,loss,log10_loss,reconstruction_error,test_error,invariant_drift,offset";
    for (Index i = 0; i < top_k_; ++i) f << ",s" << (i + 1);
    for (const auto& name : obj_.task().metric_names()) f << "," << name;
    for (const auto& name : extra_names_) f << "," << name;
    f << "\n" << std::setprecision(12);
    for (const auto& r : rows_) {
        f << r.step << ',' << r.time << ',' << r.loss << ',' << r.log10_loss << ',' << r.reconstruction << ',' << r.test_error << ','
          << r.invariant_drift << ',' << r.offset;
        for (Index i = 0; i < top_k_; ++i)  // fixed width: NaN where the spectrum is shorter than top_k
            f << ',' << (i < Index(r.spectrum.size()) ? r.spectrum[size_t(i)] : std::numeric_limits<double>::quiet_NaN());
        for (double m : r.metrics) f << ',' << m;
        f << "\n";
    }
    if (!f) throw IoError("failed writing " + path);
}

}  // namespace depthbias
