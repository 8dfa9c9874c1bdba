// Observers and the incremental analysis on synthetic trajectories whose answers are known by construction.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "depthbias/core/rng.hpp"
#include "depthbias/tasks/fourier.hpp"
#include <algorithm>
#include <functional>
#include "depthbias/observe/incremental.hpp"
#include "depthbias/models/diagonal_network.hpp"
#include "depthbias/observe/learning_events.hpp"
#include "depthbias/core/state_io.hpp"
#include "depthbias/observe/recorder.hpp"
#include "depthbias/tasks/sparse_regression.hpp"
#include "depthbias/tasks/toy_task.hpp"
#include "depthbias/dynamics/dynamics.hpp"
#include "depthbias/run/experiment.hpp"
#include "depthbias/run/factory.hpp"
#include "depthbias/run/presets.hpp"
#include "depthbias/run/run_executor.hpp"
#include "depthbias/analysis/exact_dln.hpp"
#include "support/temp_dir.hpp"

using namespace depthbias;

namespace {

// Feeds a scripted trajectory beta(t) (toy task: coordinates) to the observers through StepViews.
struct Script {
    ToyTask task;
    DiagonalNetwork model;
    Objective obj;
    explicit Script(std::vector<double> targets)
        : task(targets), model(Index(targets.size()), 1, DiagonalForm::Power, 1.0), obj(model, task) {}
};

}  // namespace

TEST(Observers, LearningEventsAreInterpolatedBetweenChecks) {
    Script s({2.0});
    LearningEventDetector det(s.obj, {0.05, 0.5, 0.95}, 1);
    Vec theta(1);
    Predictor p{Mat::Zero(1, 1), 0};
    for (int k = 0; k <= 100; ++k) {
        p.beta(0, 0) = 0.02 * k;  // sigma(t) = 2 t on t = k / 100: crosses alpha * 2 at t = alpha
        det.observe(StepView{k, k / 100.0, 0.0, theta, p, 0, k == 100});
    }
    EXPECT_NEAR(det.time_of(0, 0.05), 0.05, 1e-12);
    EXPECT_NEAR(det.time_of(0, 0.5), 0.5, 1e-12);
    EXPECT_NEAR(det.time_of(0, 0.95), 0.95, 1e-12);
}

TEST(Observers, IncrementalVerdicts) {
    // Two components rising linearly over [a_i, a_i + 1] to their targets. Separated: incremental; overlapping:
    // not incremental; second never finishing: incomplete.
    auto verdict = [](double start2, double end_scale2) {
        Script s({4.0, 2.0});
        LearningEventDetector det(s.obj, {0.05, 0.5, 0.95}, 1);
        Vec theta(2);
        Predictor p{Mat::Zero(2, 1), 0};
        for (int k = 0; k <= 400; ++k) {
            const double t = k / 100.0;
            p.beta(0, 0) = 4.0 * std::clamp(t - 0.5, 0.0, 1.0);
            p.beta(1, 0) = 2.0 * end_scale2 * std::clamp(t - start2, 0.0, 1.0);
            det.observe(StepView{k, t, 0.0, theta, p, 0, k == 400});
        }
        return analyze_incremental(det, 0.05);
    };
    const auto sep = verdict(2.0, 1.0);
    EXPECT_EQ(sep.verdict, "incremental");
    EXPECT_TRUE(sep.largest_first);
    EXPECT_NEAR(sep.pairs[0].t_first_done, 1.45, 1e-9);
    EXPECT_NEAR(sep.pairs[0].t_second_start, 2.05, 1e-9);
    EXPECT_EQ(verdict(0.6, 1.0).verdict, "not incremental");
    EXPECT_EQ(verdict(2.0, 0.7).verdict, "incomplete");
    EXPECT_FALSE(verdict(0.0, 1.0).largest_first);  // the second starts first and finishes first
}

TEST(Observers, RecorderStaysWithinCapacityAndSpansTheRun) {
    Script s({1.0});
    RecordSchedule sched;
    sched.log_spaced = false;
    sched.interval = 1e-3;
    sched.capacity = 64;
    Vec theta(1);
    theta << 0.5;
    Recorder rec(s.obj, sched, 1, theta);
    Vec g(1);
    const long n = 100000;
    for (long k = 0; k <= n; ++k) {
        s.obj.value_and_gradient(theta, g);
        rec.observe(StepView{k, k * 1e-3, 0.0, theta, s.obj.predictor(), 0, k == n});
    }
    EXPECT_LE(long(rec.rows().size()), sched.capacity);
    EXPECT_GE(long(rec.rows().size()), sched.capacity / 4);
    EXPECT_EQ(rec.rows().front().step, 0);
    EXPECT_EQ(rec.rows().back().step, n);  // the final state is always kept
    for (size_t i = 1; i < rec.rows().size(); ++i) EXPECT_GT(rec.rows()[i].time, rec.rows()[i - 1].time);
}

TEST(Observers, RecorderKeepsOneRowForARepeatedFinalState) {
    // deliver_step (an observer's Stop) and the implicit flow's CVODE failure deliver the last state again as final,
    // with the same step and time: the timeseries keeps one row of it.
    Script s({1.0});
    RecordSchedule sched;
    sched.log_spaced = false;
    sched.interval = 1e-3;  // every step is due
    Vec theta(1);
    theta << 0.5;
    Recorder rec(s.obj, sched, 1, theta);
    Vec g(1);
    s.obj.value_and_gradient(theta, g);
    for (long k = 0; k <= 3; ++k) rec.observe(StepView{k, k * 0.25, 0.0, theta, s.obj.predictor(), 0, false});
    rec.observe(StepView{3, 0.75, 0.0, theta, s.obj.predictor(), 0, true});
    ASSERT_EQ(rec.rows().size(), 4u);
    EXPECT_EQ(rec.rows().back().step, 3);
    // a final state at a new step is recorded even when it is not due
    rec.observe(StepView{4, 0.75 + 1e-9, 0.0, theta, s.obj.predictor(), 0, true});
    EXPECT_EQ(rec.rows().size(), 5u);
}

// Issue 10's batched test error (tasks/batched_test_error.hpp): SparseRegression's test errors of many betas by one
// product equal its one-by-one test_error to 1e-14 relative (only the products' summation order differs); user data
// without a test set has no batched form. The recorder, which completes its rows' test errors lazily through it,
// records the same values as task.test_error at the recorded betas (1e-14), also across a thinning (capacity 8).
TEST(Observers, BatchedTestErrorsEqualOneByOne) {
    SparseRegressionSpec spec;
    spec.d = 60;
    spec.samples = 20;
    spec.test_samples = 300;
    const SparseRegression task(spec, 3);
    Rng rng(5);
    const Mat betas = rng.normal_matrix(60, 7);
    Vec out;
    ASSERT_TRUE(task.test_errors(betas, out));
    ASSERT_EQ(out.size(), 7);
    for (Index j = 0; j < 7; ++j) {
        const double one = task.test_error(Predictor{betas.col(j), 0.0});
        EXPECT_NEAR(out(j), one, 1e-14 * one) << j;
    }
    const SparseRegression user(rng.normal_matrix(20, 60), rng.normal_matrix(20, 1).col(0));
    EXPECT_FALSE(user.test_errors(betas, out));

    DiagonalNetwork model(60, 2, DiagonalForm::PowerPm, 0.1);
    Objective obj(model, task);
    RecordSchedule sched;
    sched.log_spaced = false;
    sched.interval = 1.0;
    sched.capacity = 8;
    Vec theta = Vec::Constant(model.num_params(), 0.1);
    Recorder rec(obj, sched, 1, theta);
    std::vector<Vec> seen;
    std::vector<double> direct;
    Vec g(theta.size());
    for (long k = 0; k <= 20; ++k) {
        theta = rng.normal_matrix(theta.size(), 1).col(0);
        obj.value_and_gradient(theta, g);
        rec.observe(StepView{k, double(k), 0.0, theta, obj.predictor(), 0, k == 20});
        seen.push_back(obj.predictor().beta.col(0));
        direct.push_back(task.test_error(obj.predictor()));
    }
    ASSERT_GE(rec.rows().size(), 2u);
    for (const auto& r : rec.rows()) {
        ASSERT_TRUE(std::isfinite(r.test_error));
        EXPECT_NEAR(r.test_error, direct[size_t(r.step)], 1e-14 * direct[size_t(r.step)]) << r.step;
    }

    // Batches of kTestErrorBatch: 100 records (no thinning) complete three full batches and leave 4 pending; every
    // value equals the one-by-one test error to 1e-14. A recorder restored from a checkpoint taken mid-batch (after
    // 45 records: 13 pending, stored with their betas, and after a read that must not end the batch) and fed the
    // same records stores exactly the same doubles as the uninterrupted one: the boundaries depend only on the
    // record sequence.
    sched.capacity = 1000;
    Recorder whole(obj, sched, 1, theta), first(obj, sched, 1, theta), second(obj, sched, 1, theta);
    std::vector<double> one_by_one;
    nlohmann::json saved;
    for (long k = 0; k < 100; ++k) {
        theta = rng.normal_matrix(theta.size(), 1).col(0);
        obj.value_and_gradient(theta, g);
        const StepView v{k, double(k), 0.0, theta, obj.predictor(), 0, k == 99};
        whole.observe(v);
        one_by_one.push_back(task.test_error(obj.predictor()));
        if (k < 45) {
            first.observe(v);
            if (k == 44) {
                ASSERT_EQ(first.rows().size(), 45u);  // a read in the middle of a batch
                saved = nlohmann::json::from_cbor(nlohmann::json::to_cbor(first.save_state()));  // as on disk
                ASSERT_EQ(state::vector_of<double>(saved, "pending_rows").size(), 45u % kTestErrorBatch);
                second.restore_state(saved);
            }
        } else {
            second.observe(v);
        }
    }
    ASSERT_EQ(whole.rows().size(), 100u);
    ASSERT_EQ(second.rows().size(), 100u);
    for (size_t i = 0; i < 100; ++i) {
        EXPECT_NEAR(whole.rows()[i].test_error, one_by_one[i], 1e-14 * one_by_one[i]) << i;
        EXPECT_EQ(std::memcmp(&whole.rows()[i].test_error, &second.rows()[i].test_error, sizeof(double)), 0) << i;
    }
}

TEST(Observers, LogScheduleIsLogSpaced) {
    RecordSchedule s;
    s.points_per_decade = 10;
    s.t_min = 1e-3;
    double t = 0;
    int count = 0;
    while (t < 1.0) {
        t = s.next_after(t);
        ++count;
    }
    EXPECT_EQ(count, 1 + 30);  // t_min, then 10 per decade over three decades
}

// The spectrum (SpectrumWorkspace, which spectrum() and the per-step observers share) against independent
// computations: an SVD for singular values, sorted |coordinates| and |rfft| amplitudes; a reused workspace too.
TEST(Observers, SpectrumMatchesIndependentComputationsForEveryKind) {
    Rng rng(11);
    for (const SpectrumKind kind : {SpectrumKind::SingularValues, SpectrumKind::Coordinates,
                                    SpectrumKind::AbsCoordinates, SpectrumKind::FourierAmplitudes}) {
        const bool matrix = kind == SpectrumKind::SingularValues;
        SpectrumWorkspace ws(kind, 4);
        for (int round = 0; round < 3; ++round) {
            Mat beta(matrix ? 7 : 16, matrix ? 5 : 1);
            for (Index i = 0; i < beta.size(); ++i) beta.data()[i] = rng.normal();
            std::vector<double> expected;
            if (matrix) {
                const Vec sv = Eigen::JacobiSVD<Mat>(beta).singularValues();
                expected.assign(sv.data(), sv.data() + 4);
            } else if (kind == SpectrumKind::Coordinates) {
                expected.assign(beta.data(), beta.data() + 4);
            } else {
                std::vector<double> all = kind == SpectrumKind::AbsCoordinates
                                              ? std::vector<double>(beta.data(), beta.data() + beta.size())
                                              : fourier_amplitudes(beta);
                for (double& v : all) v = std::abs(v);
                std::sort(all.begin(), all.end(), std::greater<double>());
                expected.assign(all.begin(), all.begin() + 4);
            }
            const std::vector<double>& got = ws.compute(beta);
            ASSERT_EQ(got.size(), 4u);
            for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(got[i], expected[i], 1e-10 * (1 + std::abs(expected[0])));
            EXPECT_EQ(spectrum(beta, kind, 4), got) << int(kind);
        }
    }
}

// The detector skips the spectrum where no event can fire (Weyl's bound, learning_events.hpp); the events must be
// those of computing it at every check, bit for bit, on real GD trajectories of the presets that check every step
// (fig1b: eigendecompositions of W^T W; toy: coordinates) or every 10 steps (fig1a at a smaller d), and the skip
// must actually save most of the spectra.
TEST(Observers, SkippingImpossibleChecksGivesTheSameEventsBitForBit) {
    struct Case {
        std::string preset;
        std::vector<std::string> sets;
        int variant;
        double min_saving;  // checks / spectra computed at least this (measured: fig1b 17x and 21x, fig1a 2.2x, toy 10x)
    };
    const std::vector<Case> cases = {
        {"fig1b", {}, 1, 5},                                   // with bias (incremental)
        {"fig1b", {}, 0, 5},                                   // without bias
        {"fig1a", {"task.d=20", "task.measurements=400"}, 1, 1.5},  // depth 2 of the depth variants
        {"toy", {}, 0, 5},
    };
    for (const auto& c : cases) {
        Experiment e = parse_experiment(find_preset(c.preset)->toml, c.preset);
        apply_overrides(e, c.sets);
        const RunConfig cfg = variant_config(e, e.variants.at(size_t(c.variant)));
        auto task = make_task(cfg);
        auto model = make_model(cfg, *task);
        auto dynamics = make_dynamics(cfg);
        Rng rng = Rng::stream(std::uint64_t(cfg.run.seed), kStreamInit);
        Vec theta = model->initialize(rng, *task);
        Objective obj(*model, *task);
        const std::vector<double> fractions = {cfg.analysis.epsilon, 0.5, 1 - cfg.analysis.epsilon};
        LearningEventDetector skipping(obj, fractions, long(cfg.observe.event_every));
        LearningEventDetector exact(obj, fractions, long(cfg.observe.event_every), true);
        dynamics->run(obj, theta, stop_rules_of(cfg.dynamics), [&](const StepView& v) {
            skipping.observe(v);
            exact.observe(v);
            return StepAction::Continue;
        });
        const std::string label = c.preset + " variant " + std::to_string(c.variant);
        ASSERT_EQ(skipping.events().size(), exact.events().size()) << label;
        EXPECT_GE(exact.events().size(), 3u) << label << ": too few events to compare";
        for (size_t i = 0; i < exact.events().size(); ++i) {
            const auto &a = skipping.events()[i], &b = exact.events()[i];
            EXPECT_EQ(a.component, b.component) << label;
            EXPECT_EQ(a.fraction, b.fraction) << label;
            EXPECT_EQ(a.time, b.time) << label << " event " << i;  // bit for bit
            EXPECT_EQ(a.step, b.step) << label;
        }
        EXPECT_EQ(exact.spectra_computed(), exact.checks());
        EXPECT_LT(double(skipping.spectra_computed()) * c.min_saving, double(skipping.checks()))
            << label << ": the skip saved too little";
        std::cout << label << ": " << skipping.checks() << " checks, spectrum computed at " << skipping.spectra_computed()
                  << ", " << exact.events().size() << " events\n";
    }
}

// The generic tangent-kernel observer (observe.kernel_every) through the model's pull-back equals the closed-form
// kernel distance of the lambda-balanced two-layer net on whitened inputs (exact_dln.md L7, observer
// lambda_balanced_reference) to 1e-8, falls with |lambda| (rich to lazy), and the alignment with the target's
// singular vectors ends near 1 where the flow fits the task.
TEST(Observers, TangentKernelDistanceEqualsTheLambdaBalancedClosedForm) {
    Experiment e = parse_experiment(find_preset("lambda-balanced")->toml, "lambda-balanced");
    apply_overrides(e, {"observe.kernel_every=1000000000"});
    double previous = INFINITY;
    for (const std::string label : {"lambda 0", "lambda 10", "lambda 100"}) {
        const auto v = std::find_if(e.variants.begin(), e.variants.end(), [&](const Variant& x) { return x.label == label; });
        ASSERT_NE(v, e.variants.end()) << label;
        test_support::TempDir dir("kernel");
        RunOptions opt;
        opt.figures = false;
        const RunSummary s = run_in_directory(variant_config(e, *v), dir.string(), opt);
        ASSERT_TRUE(s.final) << label;
        const double ours = *s.final->values.at("tangent_kernel_distance");
        const double closed = *s.final->values.at("kernel_distance");
        RecordProperty(label, std::to_string(ours));
        EXPECT_NEAR(ours, closed, 1e-8 * std::max(1.0, std::abs(closed)) + 1e-12) << label;
        EXPECT_LT(ours, previous) << label;
        previous = ours;
        EXPECT_GT(*s.final->values.at("target_alignment_min"), 0.99) << label;
    }
}

// Runs the lambda-balanced preset's variant `label` (with overrides) in a fresh directory, without figures.
static RunSummary run_lambda_balanced_variant(const std::string& label, const std::vector<std::string>& overrides) {
    static const Experiment e = parse_experiment(find_preset("lambda-balanced")->toml, "lambda-balanced");
    const auto v = std::find_if(e.variants.begin(), e.variants.end(), [&](const Variant& x) { return x.label == label; });
    if (v == e.variants.end()) throw std::runtime_error("no variant '" + label + "' in lambda-balanced");
    RunConfig c = variant_config(e, *v);
    for (const auto& o : overrides) apply_override(c, o);
    test_support::TempDir dir("oracle");
    RunOptions opt;
    opt.figures = false;
    return run_in_directory(c, dir.string(), opt);
}

TEST(Observers, SaxeReferenceFollowsAlignedBalancedRunsAndStaysOffOtherwise) {
    const auto run = [](const std::vector<std::string>& o) { return run_lambda_balanced_variant("Saxe modes N=3", o); };
    // Aligned and balanced: the flow follows every mode's closed form (the modes rise from a small u0 to their
    // targets 3, 2, 1.5, 1, 0.5 within t = 15, so the comparison spans the whole sigmoid).
    const RunSummary aligned = run({});
    ASSERT_TRUE(aligned.final);
    EXPECT_LT(*aligned.final->values.at("saxe_max_error"), 1e-7);
    EXPECT_GT(*aligned.final->values.at("saxe_compared"), 10.0);
    EXPECT_LT(aligned.final->values.at("reconstruction_error").value(), 1e-8);
    // The observer sees real discrepancies: GD at lr = 1e-3 is off the flow's closed form by O(lr) (exact_dln S1),
    // far above the flow's 1e-7, and within 5 lr.
    const RunSummary gd = run({"dynamics.kind=gd", "dynamics.lr=1e-3", "dynamics.max_steps=15000"});
    ASSERT_TRUE(gd.final);
    EXPECT_GT(*gd.final->values.at("saxe_max_error"), 1e-5);
    EXPECT_LT(*gd.final->values.at("saxe_max_error"), 5e-3);
    // Not aligned (random target basis) or not balanced (unequal layer scales): the observer is not built.
    for (const std::vector<std::string>& o : {std::vector<std::string>{"task.target_basis=random"},
                                              std::vector<std::string>{"model.layer_scales=[1.3, 0.7692307692307692, 1.0]"}}) {
        const RunSummary s = run(o);
        ASSERT_TRUE(s.final) << o[0];
        EXPECT_EQ(s.final->values.count("saxe_max_error"), 0u) << o[0];
    }
}

TEST(Observers, SingleNeuronReferenceFollowsTheOneHiddenUnitNetAndSeesGdsFirstOrderGap) {
    const auto run = [](const std::vector<std::string>& o) {
        return run_lambda_balanced_variant("single neuron lambda 0.5", o);
    };
    const RunSummary flow = run({});
    ASSERT_TRUE(flow.final);
    EXPECT_LE(*flow.final->values.at("single_neuron_max_error"), 1e-9);  // exact_dln K2
    EXPECT_NEAR(*flow.final->values.at("single_neuron_delta"), 0.5, 1e-9);  // the init's lambda
    // Cross-check with the other closed form (lambda-balanced, section 3) on the same run.
    EXPECT_LT(*flow.final->values.at("closed_form_max_error"), 1e-7);
    // GD at lr = 1e-2 is off the flow by O(lr): the observer sees it.
    const RunSummary gd = run({"dynamics.kind=gd", "dynamics.lr=1e-2", "dynamics.max_steps=1500"});
    ASSERT_TRUE(gd.final);
    EXPECT_GT(*gd.final->values.at("single_neuron_max_error"), 1e-4);
    EXPECT_LT(*gd.final->values.at("single_neuron_max_error"), 5e-2);
    // Two hidden units: not a single neuron, the observer is not built.
    const RunSummary wide = run({"model.widths=[2.0]", "model.lambda=-0.5"});
    ASSERT_TRUE(wide.final);
    EXPECT_EQ(wide.final->values.count("single_neuron_max_error"), 0u);
}
