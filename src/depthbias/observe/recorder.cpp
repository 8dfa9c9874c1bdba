#include "depthbias/observe/recorder.hpp"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <stdexcept>

#include "depthbias/core/error.hpp"
#include "depthbias/core/state_io.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/io/gnuplot.hpp"
#include "depthbias/observe/observer.hpp"

namespace depthbias {

Recorder::Recorder(const Objective& objective, RecordSchedule schedule, Index top_k, Vec theta0)
    : obj_(objective), schedule_(schedule), top_k_(top_k), theta0_(std::move(theta0)) {
    rows_.reserve(size_t(schedule_.capacity) + 1);
    const Task& task = obj_.task();
    if (const auto* b = dynamic_cast<const BatchedTestError*>(&task); b && task.cols() == 1) {
        Vec probe;
        if (b->test_errors(Mat(task.rows(), 0), probe)) batched_ = b;
    }
}

void Recorder::fill_pending_test_errors() const {
    if (pending_rows_.empty()) return;
    Mat betas(pending_betas_.front().size(), Index(pending_betas_.size()));
    for (size_t j = 0; j < pending_betas_.size(); ++j) betas.col(Index(j)) = pending_betas_[j];
    Vec errors;
    if (!batched_->test_errors(betas, errors) || errors.size() != betas.cols())
        throw std::logic_error("recorder: the task's batched test error failed after its probe succeeded");
    for (size_t j = 0; j < pending_rows_.size(); ++j) rows_[pending_rows_[j]].test_error = errors(Index(j));
}

void Recorder::complete_test_errors() {
    fill_pending_test_errors();
    pending_rows_.clear();
    pending_betas_.clear();
}

void Recorder::observe(const StepView& v) {
    if (v.time < next_due_ && !v.final) return;
    // A final view repeating the state just recorded (deliver_step after an observer's Stop; an implicit flow failure
    // ending at its last accepted step) is not a second row.
    if (v.final && !rows_.empty() && rows_.back().step == v.step && rows_.back().time == v.time) return;
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
    if (batched_ && v.predictor.offset == 0.0) {
        row.test_error = std::numeric_limits<double>::quiet_NaN();  // completed by complete_test_errors()
        pending_rows_.push_back(rows_.size());
        pending_betas_.push_back(v.predictor.beta.col(0));
        // (completed below, once the row is in rows_)
    } else {
        row.test_error = task.test_error(v.predictor);
    }
    const auto drift = obj_.model().invariant_drift(v.theta, theta0_);
    row.invariant_drift = drift ? *drift : std::numeric_limits<double>::quiet_NaN();
    if (drift) max_drift_ = std::max(max_drift_, *drift);
    row.offset = v.predictor.offset;
    row.spectrum = spectrum(v.predictor.beta, task.spectrum_kind(), top_k_);
    rows_.push_back(std::move(row));
    if (pending_rows_.size() >= kTestErrorBatch) complete_test_errors();
    next_due_ = schedule_.next_after(v.time);
    if (long(rows_.size()) >= schedule_.capacity) {  // thin: keep rows 0, 2, 4, ... and the newest
        complete_test_errors();  // (the pending rows' indices change below)
        std::vector<RecordRow> kept;
        kept.reserve(size_t(schedule_.capacity) + 1);
        for (size_t i = 0; i < rows_.size(); i += 2) kept.push_back(std::move(rows_[i]));
        if (rows_.size() % 2 == 0) kept.push_back(std::move(rows_.back()));
        rows_.swap(kept);
        schedule_.coarsen();
        next_due_ = schedule_.next_after(v.time);
    }
}

nlohmann::json Recorder::save_state() const {
    // The pending batch is stored, not completed: completing it here would move a batch boundary to a wall-clock
    // driven point and change the summation order of the later products (the rows' pending values are NaN or a
    // read's partial values; the next completion overwrites them).
    // Rows as columns of doubles (exact): step, time, loss, log10_loss, reconstruction, test_error, drift, offset,
    // then the spectrum and metric lengths and values, concatenated.
    std::vector<double> fixed, spectra, metrics;
    std::vector<double> spectrum_len, metrics_len;
    for (const auto& r : rows_) {
        fixed.insert(fixed.end(), {double(r.step), r.time, r.loss, r.log10_loss, r.reconstruction, r.test_error,
                                   r.invariant_drift, r.offset});
        spectrum_len.push_back(double(r.spectrum.size()));
        metrics_len.push_back(double(r.metrics.size()));
        spectra.insert(spectra.end(), r.spectrum.begin(), r.spectrum.end());
        metrics.insert(metrics.end(), r.metrics.begin(), r.metrics.end());
    }
    std::vector<double> pending_rows, pending_betas;
    for (size_t j = 0; j < pending_rows_.size(); ++j) {
        pending_rows.push_back(double(pending_rows_[j]));
        pending_betas.insert(pending_betas.end(), pending_betas_[j].data(),
                             pending_betas_[j].data() + pending_betas_[j].size());
    }
    return {{"rows", rows_.size()},
            {"pending_rows", state::of(pending_rows)},
            {"pending_betas", state::of(pending_betas)},
            {"fixed", state::of(fixed)},
            {"spectrum_len", state::of(spectrum_len)},
            {"metrics_len", state::of(metrics_len)},
            {"spectra", state::of(spectra)},
            {"metrics", state::of(metrics)},
            {"points_per_decade", schedule_.points_per_decade},
            {"interval", schedule_.interval},
            {"next_due", next_due_},
            {"max_drift", max_drift_}};
}

void Recorder::restore_state(const nlohmann::json& s) {
    pending_rows_.clear();
    pending_betas_.clear();
    const long n = state::integer(s, "rows");
    const auto fixed = state::vector_of<double>(s, "fixed");
    const auto slen = state::vector_of<double>(s, "spectrum_len"), mlen = state::vector_of<double>(s, "metrics_len");
    const auto spectra = state::vector_of<double>(s, "spectra"), metrics = state::vector_of<double>(s, "metrics");
    if (n < 0 || n > schedule_.capacity || fixed.size() != size_t(n) * 8 || slen.size() != size_t(n) ||
        mlen.size() != size_t(n))
        throw IoError("checkpoint: the recorder's rows are inconsistent");
    rows_.clear();
    size_t si = 0, mi = 0;
    for (long i = 0; i < n; ++i) {
        const double* f = fixed.data() + 8 * i;
        RecordRow r{long(f[0]), f[1], f[2], f[3], f[4], f[5], f[6], f[7], {}, {}};
        const size_t ns = size_t(slen[size_t(i)]), nm = size_t(mlen[size_t(i)]);
        if (si + ns > spectra.size() || mi + nm > metrics.size()) throw IoError("checkpoint: the recorder's rows are inconsistent");
        r.spectrum.assign(spectra.begin() + long(si), spectra.begin() + long(si + ns));
        r.metrics.assign(metrics.begin() + long(mi), metrics.begin() + long(mi + nm));
        si += ns;
        mi += nm;
        rows_.push_back(std::move(r));
    }
    if (s.contains("pending_rows")) {  // (checkpoints written before batching had none pending)
        const auto prow = state::vector_of<double>(s, "pending_rows"), pbeta = state::vector_of<double>(s, "pending_betas");
        const size_t d = prow.empty() ? 0 : pbeta.size() / prow.size();
        if (!batched_ && !prow.empty()) throw IoError("checkpoint: the recorder has pending test errors but the task no batched form");
        if (prow.size() > kTestErrorBatch || pbeta.size() != d * prow.size() ||
            (batched_ && !prow.empty() && Index(d) != obj_.task().rows()))
            throw IoError("checkpoint: the recorder's pending test errors are inconsistent");
        for (size_t j = 0; j < prow.size(); ++j) {
            if (!(prow[j] >= 0) || !(prow[j] < double(n))) throw IoError("checkpoint: the recorder's pending test errors are inconsistent");
            pending_rows_.push_back(size_t(prow[j]));
            pending_betas_.push_back(Eigen::Map<const Vec>(pbeta.data() + j * d, Index(d)));
        }
    }
    schedule_.points_per_decade = state::number(s, "points_per_decade");
    schedule_.interval = state::number(s, "interval");
    next_due_ = state::number(s, "next_due");
    max_drift_ = state::number(s, "max_drift");
}

void Recorder::write_csv(const std::string& path) const {
    fill_pending_test_errors();
    AtomicOutputFile f(path);
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
    f.commit();
}

}  // namespace depthbias

namespace depthbias {
namespace {

// timeseries.csv (with a dist_<reference> column per tracked reference), final.max_invariant_drift and the
// run's figure spectrum.png/.svg (top-k spectrum; loss and errors).
class RecorderObserver final : public Observer {
public:
    RecorderObserver(const ObserverContext& c)
        : rec_(c.objective, recording_schedule(c), c.observe.top_k, c.theta0), name_(c.run_name) {
        for (const auto& r : c.references)  // function-space references: the function_space observer's
            if (!r.function_space) references_.push_back(r);
        if (!references_.empty()) {
            std::vector<std::string> names;
            for (const auto& r : references_) names.push_back("dist_" + r.name);
            rec_.add_metrics(names, [this](const Predictor& p) {
                std::vector<double> d;
                for (const auto& r : references_) d.push_back(direction_distance(Eigen::Map<const Vec>(p.beta.data(), p.beta.size()), r.direction));
                return d;
            });
        }
    }
    StepAction observe(const StepView& v) override {
        rec_.observe(v);
        return StepAction::Continue;
    }
    bool resumable() const override { return true; }
    nlohmann::json save_state() const override { return rec_.save_state(); }
    void restore_state(const nlohmann::json& s) override { rec_.restore_state(s); }
    void finish(const ObserverReport& r) override {
        rec_.write_csv(r.dir + "/timeseries.csv");
        if (r.finished && r.summary.final) r.summary.final->values["max_invariant_drift"] = rec_.max_invariant_drift();
        if (r.figures) render_figure(r);
    }

private:
    void render_figure(const ObserverReport& r) const {
        Figure fig;
        fig.title = name_;
        fig.cols = 2;
        fig.width_px = 1400;
        fig.height_px = 600;
        Panel spec{"top-" + std::to_string(rec_.top_k()) + " spectrum", "time t (GD: step x lr)", spectrum_label_, false,
                   false, {}, ""};
        for (Index i = 0; i < rec_.top_k(); ++i)
            spec.curves.push_back({"timeseries.csv", kColumnTime, int(kColumnFirstSpectrum + i), "s" + std::to_string(i + 1),
                                   "lines lw 2"});
        Panel loss{"loss and errors", "time t", "", false, true, {}, ""};
        loss.curves.push_back({"timeseries.csv", kColumnTime, kColumnLoss, "training loss", "lines lw 2"});
        loss.curves.push_back({"timeseries.csv", kColumnTime, kColumnReconstruction, "reconstruction error", "lines"});
        loss.curves.push_back({"timeseries.csv", kColumnTime, kColumnTestError, "test error", "lines dt 2"});
        fig.panels = {spec, loss};
        std::string err;
        if (!render(fig, r.dir, "spectrum", &err)) r.summary.figure_warning = err;
    }

public:
    std::string spectrum_label_ = "singular value";

private:
    Recorder rec_;
    std::vector<NamedReference> references_;
    std::string name_;
};

const Registrar<ObserverEntry> registration{{
    .name = "recorder",
    .doc = "the time series (timeseries.csv) on the observe.schedule, bounded by observe.max_records; top "
           "observe.top_k spectrum values, errors, invariant drift, task metrics, distances to references",
    .build = [](const ObserverContext& c) -> std::unique_ptr<Observer> {
        auto o = std::make_unique<RecorderObserver>(c);
        if (c.objective.task().spectrum_kind() == SpectrumKind::Coordinates) o->spectrum_label_ = "coordinate";
        return o;
    },
}};

}  // namespace
}  // namespace depthbias
