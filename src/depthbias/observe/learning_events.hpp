// Learning events: the time t_i(alpha) at which spectrum component i first reaches alpha * target_i
// (gissin.md 2.2), for each alpha in `fractions`. Matrix tasks compare the i-th largest singular value with the
// i-th largest target singular value; the toy task compares coordinate i with target i.
// Checked every `every` steps (and at the final step); the crossing time is interpolated linearly between the
// last two checks, and the step is the first checked step at or above the level.
// Cost: the spectrum (an eigendecomposition for matrix tasks) is computed only at checks where an event is possible.
// By Weyl's inequality |s_i(B) - s_i(A)| <= ||B - A||_2 <= ||B - A||_F (singular values; for sorted |coordinates|
// and coordinates the max-norm bounds the change), so a check at which every level not yet reached is above
// s_i(last exact check) + ||beta - beta_last|| (+ a rounding margin) cannot fire and is skipped; when a check may
// fire, the previous check's spectrum is recomputed from its saved beta, so the events are bit for bit those of
// computing the spectrum at every check (test Observers.SkippingImpossibleChecksGivesTheSameEventsBitForBit).
// Fourier amplitudes are always computed (their FFT is cheap). Not thread-safe (one detector per run).
#pragma once
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "depthbias/dynamics/objective.hpp"
#include "depthbias/dynamics/trajectory.hpp"

namespace depthbias {

struct LearningEvent {
    int component;   // 0-based
    double fraction; // alpha
    double time;     // interpolated crossing time
    long step;       // first checked step with s_i >= alpha * target_i
};

class LearningEventDetector {
public:
    // exact_every_check: compute the spectrum at every check (no skipping; for tests and comparisons).
    LearningEventDetector(const Objective& objective, std::vector<double> fractions, long every,
                          bool exact_every_check = false);
    void observe(const StepView& v);
    const std::vector<LearningEvent>& events() const { return events_; }
    const std::vector<double>& targets() const { return targets_; }
    const std::vector<double>& fractions() const { return fractions_; }
    // Time of (component, fraction), or +infinity if it never happened.
    double time_of(int component, double fraction) const;
    void write_csv(const std::string& path) const;
    long checks() const { return checks_; }              // checks made (every `every` steps and the final one)
    long spectra_computed() const { return spectra_; }   // spectra computed (the rest were skipped as impossible)
    // Checkpoints: the events so far, which levels were crossed, and the last check.
    nlohmann::json save_state() const;
    void restore_state(const nlohmann::json& s);

private:
    const Objective& obj_;
    std::vector<double> fractions_, targets_;
    long every_;
    bool needs_spectrum(const Mat& beta) const;
    double distance(const Mat& a, const Mat& b) const;  // bounds the change of every spectrum component

    bool bound_applies_;           // false: the spectrum at every check
    double prev_time_ = 0;
    std::vector<double> prev_;     // the spectrum at the previous check, when prev_exact_
    bool has_prev_ = false, prev_exact_ = false;
    Mat prev_beta_;                // beta at the previous check (to compute prev_ when a later check may fire)
    std::vector<double> last_;     // the spectrum at the last check where it was computed, at beta_last_
    Mat last_beta_;
    bool has_last_ = false;
    long checks_ = 0, spectra_ = 0;
    std::vector<std::vector<bool>> crossed_;
    std::vector<LearningEvent> events_;  // reserved for every (component, fraction): no allocation per step
    SpectrumWorkspace spectrum_;
};

}  // namespace depthbias
