// Training end to end: a short real Fashion-MNIST run learns (test accuracy well above chance) and its NCC
// train accuracy rises with the layer; an interrupted-and-resumed run equals an uninterrupted one bit for bit
// (MLP and conv net); the Eigen GEMM path trains like LibTorch's own Linear; a NaN run is reported as
// diverged; the CLI's run directory, exit codes and error messages (bad key, non-finite value, missing data).
// The real-data test needs Debian's dataset-fashion-mnist (the README installs it); without it, it fails
// with the loader's message naming the file and the package.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

#include "depthbias/core/error.hpp"
#include "depthbias/deepnets/experiments.hpp"
#include "depthbias/deepnets/trainer.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace depthbias::deepnets;
using nlohmann::json;

namespace {

using depthbias::test_support::CliResult;
using depthbias::test_support::TempDir;

TempDir fresh_dir(const std::string& name) { return TempDir("dntrain-" + name); }

std::string slurp(const fs::path& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

CliResult cli(const std::string& args, const std::string& env = "") {
    return depthbias::test_support::run_cli(args, env);
}

DeepConfig mixture_config() {
    DeepConfig c;
    c.name = "mixture";
    c.dataset = "gaussian-mixture";
    c.train_per_class = 30;
    c.test_per_class = 20;
    c.mixture_classes = 4;
    c.mixture_side = 8;
    c.mixture_noise = 1.5;
    c.arch = "mlp";
    c.depth = 3;
    c.width = 32;
    c.epochs = 4;
    c.batch_size = 16;
    c.lr = 0.05;
    c.milestones = {3};
    c.every = 1;
    c.metric_batch = 37;  // not a divisor of the sizes: partial batches in the metric passes
    return c;
}

}  // namespace

TEST(Training, RealFashionMnistLearnsAndNccRisesWithTheLayer) {
    const auto t0 = std::chrono::steady_clock::now();
    DeepConfig c;
    c.name = "fmnist-short";
    c.train_per_class = 100;
    c.test_per_class = 100;
    c.depth = 4;
    c.width = 128;
    c.epochs = 3;
    c.batch_size = 32;
    c.lr = 0.01;
    c.milestones = {};
    const auto dir = fresh_dir("fmnist");
    TrainOptions o;
    o.figures = false;
    const DataSplit data = load_data(c);  // throws the loader's error (file + package) without the dataset
    ASSERT_EQ(data.train.size(), 1000);
    ASSERT_EQ(data.test.size(), 1000);
    const json s = train_network(c, data, dir.string(), o);
    ASSERT_EQ(s["status"], "completed") << s.dump(2);
    const json& f = s["final"];
    EXPECT_GT(f["network_test_acc"].get<double>(), 0.6);  // chance is 0.1
    const auto& layers = f["layers"];
    ASSERT_EQ(layers.size(), 4u);
    const double first = layers[0]["ncc_train_acc"], last = layers[3]["ncc_train_acc"];
    EXPECT_GT(last, first + 0.05) << "NCC train accuracy per layer: " << layers.dump();
    for (size_t i = 1; i < 4; ++i)
        EXPECT_GE(layers[i]["ncc_train_acc"].get<double>(), layers[i - 1]["ncc_train_acc"].get<double>() - 0.02);
    EXPECT_LT(layers[3]["cdnv_train"].get<double>(), layers[0]["cdnv_train"].get<double>());
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(secs, 60.0);
    fs::remove_all(dir);
}

TEST(Training, ResumedRunEqualsUninterruptedRunBitForBit) {
    for (const std::string arch : {"mlp", "conv"}) {
        DeepConfig c = mixture_config();
        c.arch = arch;
        if (arch == "conv") c.width = 4;
        const DataSplit data = load_data(c);
        const auto a = fresh_dir("full-" + arch), b = fresh_dir("resumed-" + arch);
        TrainOptions o;
        o.figures = false;
        const json full = train_network(c, data, a.string(), o);
        ASSERT_EQ(full["status"], "completed");
        o.stop_after_epochs = 2;
        const json stopped = train_network(c, data, b.string(), o);
        EXPECT_EQ(stopped["status"], "stopped");
        EXPECT_FALSE(fs::exists(b / "summary.json"));  // a stopped run does not look finished
        o.stop_after_epochs = 0;
        o.resume = true;
        const json resumed = train_network(c, data, b.string(), o);
        ASSERT_EQ(resumed["status"], "completed");
        EXPECT_EQ(resumed["resumed_from_epoch"], 2);
        EXPECT_EQ(resumed["final"]["parameter_digest"], full["final"]["parameter_digest"]) << arch;
        EXPECT_EQ(slurp(b / "metrics.csv"), slurp(a / "metrics.csv")) << arch;
        // training.csv differs only in the epoch times: compare the loss columns.
        auto losses = [&](const fs::path& p) {
            std::istringstream in(slurp(p));
            std::string line, out;
            while (std::getline(in, line)) out += line.substr(0, line.rfind(',')) + "\n";
            return out;
        };
        EXPECT_EQ(losses(b / "training.csv"), losses(a / "training.csv")) << arch;
        // The metrics were measured after every epoch: 4 measurements x 3 layers + header.
        const std::string metrics = slurp(a / "metrics.csv");
        EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 1 + 4 * 3);
        // Resuming with another config is refused, naming the difference.
        DeepConfig other = c;
        other.lr = 0.07;
        fs::remove(b / "summary.json");
        try {
            train_network(other, data, b.string(), o);
            ADD_FAILURE() << "resume with a different config was accepted";
        } catch (const depthbias::ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find("lr"), std::string::npos) << e.what();
        }
        fs::remove_all(a);
        fs::remove_all(b);
    }
}

TEST(Training, EigenGemmTrainsLikeTorchLinear) {
    DeepConfig c = mixture_config();
    c.epochs = 2;
    c.every = 0;
    const DataSplit data = load_data(c);
    TrainOptions o;
    o.figures = false;
    const auto a = fresh_dir("eigen"), b = fresh_dir("torch");
    const json e = train_network(c, data, a.string(), o);
    c.gemm = "torch";
    const json t = train_network(c, data, b.string(), o);
    // Same initialisation and batches; only the float summation order differs.
    EXPECT_NEAR(e["final"]["network_train_loss"].get<double>(), t["final"]["network_train_loss"].get<double>(), 1e-3);
    for (size_t i = 0; i < 3; ++i)
        EXPECT_NEAR(e["final"]["layers"][i]["ncc_train_acc"].get<double>(),
                    t["final"]["layers"][i]["ncc_train_acc"].get<double>(), 0.02);
    EXPECT_NE(e["final"]["parameter_digest"], t["final"]["parameter_digest"]);  // but not the same bits
    fs::remove_all(a);
    fs::remove_all(b);
}

TEST(Training, NonFiniteLossIsReportedAsDiverged) {
    DeepConfig c = mixture_config();
    c.lr = 1e30;
    c.mixture_separation = 1e3;
    const DataSplit data = load_data(c);
    const auto dir = fresh_dir("diverge");
    TrainOptions o;
    o.figures = false;
    const json s = train_network(c, data, dir.string(), o);
    EXPECT_EQ(s["status"], "diverged");
    EXPECT_FALSE(s.contains("final"));
    EXPECT_GE(s["diverged"]["epoch"].get<int>(), 1);
    EXPECT_EQ(s["diverged"]["lr"].get<double>(), 1e30);
    const json written = json::parse(slurp(dir / "summary.json"));
    EXPECT_EQ(written["status"], "diverged");
    fs::remove_all(dir);
}

TEST(DeepnetsCli, TrainWritesACompleteRunDirectoryAndResumes) {
    const auto dir = fresh_dir("cli");
    const std::string sets =
        " --set data.dataset=gaussian-mixture --set data.train_per_class=20 --set data.test_per_class=10"
        " --set data.mixture_classes=3 --set model.depth=2 --set model.width=16 --set train.epochs=3"
        " --set train.batch_size=16 --set metrics.every=1 --quiet";
    auto r = cli("deepnets train" + sets + " --stop-after-epochs 1 --out " + (dir / "run").string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;
    // An unfinished run is not silently overwritten.
    r = cli("deepnets train" + sets + " --out " + (dir / "run").string());
    EXPECT_EQ(r.code, 2) << r.output;
    r = cli("deepnets train" + sets + " --resume --out " + (dir / "run").string());
    ASSERT_EQ(r.code, 0) << r.output;
    for (const char* f : {"config.resolved.toml", "manifest.json", "metrics.csv", "network.csv", "training.csv",
                          "checkpoint.pt", "summary.json", "layers.png", "layers.svg", "training.png"})
        EXPECT_TRUE(fs::exists(dir / "run" / f)) << f;
    const json m = json::parse(slurp(dir / "run/manifest.json"));
    EXPECT_EQ(m["libraries"]["torch"].get<std::string>().substr(0, 2), "1.");
    EXPECT_EQ(m["data"]["train_samples"], 60);
    const json s = json::parse(slurp(dir / "run/summary.json"));
    EXPECT_EQ(s["status"], "completed");
    EXPECT_EQ(s["epochs_completed"], 3);
    r = cli("deepnets train" + sets + " --resume --out " + (dir / "run").string());
    EXPECT_EQ(r.code, 2) << r.output;  // finished
    fs::remove_all(dir);
}

TEST(DeepnetsCli, BadInputNamesTheKeyOrFile) {
    const auto dir = fresh_dir("bad");
    auto r = cli("deepnets train --set model.depht=3 --out " + (dir / "x").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.output.find("model.depht"), std::string::npos) << r.output;
    {
        std::ofstream(dir / "nan.toml") << "[train]\nlr = nan\n";
    }
    r = cli("deepnets train " + (dir / "nan.toml").string() + " --out " + (dir / "x").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.output.find("train.lr"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("finite"), std::string::npos) << r.output;
    {
        std::ofstream(dir / "type.toml") << "[model]\nwidth = \"wide\"\n";
    }
    r = cli("deepnets train " + (dir / "type.toml").string() + " --out " + (dir / "x").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.output.find("model.width"), std::string::npos) << r.output;
    r = cli("deepnets train --set data.dir=" + (dir / "nowhere").string() + " --out " + (dir / "x").string());
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.output.find("train-images-idx3-ubyte.gz"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("dataset-fashion-mnist"), std::string::npos) << r.output;
    r = cli("deepnets reproduce no-such-experiment");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.output.find("effective-depth-quick"), std::string::npos) << r.output;  // lists what exists
    fs::remove_all(dir);
}

TEST(DeepnetsCli, ReproduceRunsASweepWithChecksAndFigures) {
    // A tiny sweep on the Gaussian mixture, from a preset directory written here.
    const auto dir = fresh_dir("sweep");
    fs::create_directories(dir / "presets");
    std::ofstream(dir / "presets/tiny.toml") << R"(
[experiment]
title = "tiny"
vary = "model.depth"
values = [2, 3]
seeds = [0, 1]
checks = ["fit", "monotone", "depth_independence"]
fit_min_depth = 2
fit_accuracy = 0.9
independence_min_depth = 2
[data]
dataset = "gaussian-mixture"
train_per_class = 20
test_per_class = 10
mixture_classes = 3
mixture_noise = 0.3
[model]
width = 16
[train]
epochs = 15
batch_size = 10
lr = 0.02
milestones = []
)";
    const auto r = cli("deepnets reproduce tiny --quiet --jobs 2 --preset-dir " + (dir / "presets").string() +
                       " --out " + (dir / "out").string());
    ASSERT_TRUE(r.code == 0 || r.code == 4) << r.output;
    const json e = json::parse(slurp(dir / "out/experiment.json"));
    EXPECT_EQ(e["runs"].size(), 4u);
    EXPECT_EQ(e["checks"].size(), 3u);
    for (const auto& c : e["checks"]) {  // every run completed: each check was decided, pass or fail
        EXPECT_TRUE(c["status"] == "pass" || c["status"] == "fail") << c.dump();
        EXPECT_EQ(c["pass"].get<bool>(), c["status"] == "pass") << c.dump();
    }
    for (const auto& run : e["runs"]) EXPECT_EQ(run["status"], "completed");
    for (const char* f : {"figure.png", "figure.svg", "runs.csv", "effective_depth.csv", "layers_L2.csv"})
        EXPECT_TRUE(fs::exists(dir / "out" / f)) << f;
    // Low-noise mixture: every run fits, so both depths have a median effective depth.
    for (const auto& v : e["per_value"]) EXPECT_TRUE(v["median_effective_depth_first"].is_number()) << v.dump();
    // Parallel runs share torch's global generator: the same experiment on one job gives the same weights.
    const auto r1 = cli("deepnets reproduce tiny --quiet --jobs 1 --no-figures --preset-dir " +
                        (dir / "presets").string() + " --out " + (dir / "out1").string());
    ASSERT_TRUE(r1.code == 0 || r1.code == 4) << r1.output;
    for (const char* run : {"L2-seed0", "L2-seed1", "L3-seed0", "L3-seed1"}) {
        const json a = json::parse(slurp(dir / "out/runs" / run / "summary.json"));
        const json b = json::parse(slurp(dir / "out1/runs" / run / "summary.json"));
        EXPECT_EQ(a["final"]["parameter_digest"], b["final"]["parameter_digest"]) << run;
    }
    // The top-level `depthbias reproduce NAME` finds the deep-net experiment (DEPTHBIAS_DEEPNETS_PRESETS names the
    // preset directory) and runs it like `deepnets reproduce`; --list shows it.
    const std::string env = "DEPTHBIAS_DEEPNETS_PRESETS=" + (dir / "presets").string() + " ";
    const auto top = cli("reproduce tiny --jobs 1 --no-figures --out " + (dir / "out2").string(), env);
    ASSERT_TRUE(top.code == 0 || top.code == 4) << top.output;
    const json a = json::parse(slurp(dir / "out1/runs/L3-seed1/summary.json"));
    const json c = json::parse(slurp(dir / "out2/runs/L3-seed1/summary.json"));
    EXPECT_EQ(a["final"]["parameter_digest"], c["final"]["parameter_digest"]);
    const auto list = cli("reproduce --list", env);
    EXPECT_EQ(list.code, 0);
    EXPECT_NE(list.output.find("tiny: tiny [deep nets]"), std::string::npos) << list.output;
    EXPECT_NE(list.output.find("fig1a"), std::string::npos) << list.output;
    fs::remove_all(dir);
}

TEST(DeepExperiments, ChecksFollowTheClaims) {
    // The check logic on a synthetic sweep preset parsed from text (no training): parsing and validation.
    EXPECT_THROW(parse_deep_experiment("[experiment]\nchecks = [\"bogus\"]\n", "x.toml"), depthbias::ConfigError);
    EXPECT_THROW(parse_deep_experiment("[experiment]\nvary = \"model.depth\"\nvalues = [0]\n", "x.toml"),
                 depthbias::ConfigError);  // depth 0 is invalid: the variant is validated up front
    EXPECT_THROW(parse_deep_experiment("[experiment]\nkind = \"bound\"\nbound_p = 0.7\n", "x.toml"),
                 depthbias::ConfigError);
    try {
        parse_deep_experiment("[experiment]\nseedz = [1]\n", "x.toml");
        ADD_FAILURE();
    } catch (const depthbias::ConfigError& err) {
        EXPECT_EQ(err.key(), "experiment.seedz");
    }
    EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
    EXPECT_DOUBLE_EQ(median({4, 1, 2, 3}), 2.5);
}

TEST(DeepExperiments, OverridesThatGoTogetherAreValidatedOnceInEitherOrder) {
    // experiment.vary needs experiment.values and the other way round: given as two --set options (in either order)
    // they are applied first and validated once; a pair left incomplete is still an error naming the missing key.
    const std::string text = "[experiment]\nkind = \"bound\"\n[model]\ndepth = 8\n";
    for (const auto& sets : {std::vector<std::string>{"experiment.vary=model.depth", "experiment.values=[4, 8]"},
                             std::vector<std::string>{"experiment.values=[4, 8]", "experiment.vary=model.depth"}}) {
        DeepExperiment e = parse_deep_experiment(text, "x.toml");
        apply_experiment_overrides(e, sets);
        EXPECT_EQ(e.vary, "model.depth");
        EXPECT_EQ(e.values, (std::vector<double>{4, 8}));
    }
    DeepExperiment e = parse_deep_experiment(text, "x.toml");
    try {
        apply_experiment_overrides(e, {"experiment.vary=model.depth"});
        ADD_FAILURE() << "vary without values was accepted";
    } catch (const depthbias::ConfigError& err) {
        EXPECT_EQ(err.key(), "experiment.values");
    }
    try {
        apply_experiment_overrides(e, {"experiment.vary=model.depth", "experiment.values=[0]"});
        ADD_FAILURE() << "depth 0 was accepted";
    } catch (const depthbias::ConfigError&) {
    }
}

// The metric pass's embedding cache (metrics.cache_mb): every metric equal bit for bit with the cache off, on and
// partly filled (a budget smaller than the training set's embeddings), and the forward passes over the training
// set go from 2 to 1 (and in between when the budget runs out).
TEST(DeepMetrics, TheEmbeddingCacheChangesNoNumber) {
    const auto dir = fresh_dir("cache");
    // 3 x 1000 samples, depth 3, width 256: 3 layers x 256 x 4 B x 3000 = 9 MB of embeddings.
    const std::string sets =
        " --set data.dataset=gaussian-mixture --set data.train_per_class=1000 --set data.test_per_class=100"
        " --set data.mixture_classes=3 --set model.depth=3 --set model.width=256 --set train.epochs=2"
        " --set train.batch_size=64 --set metrics.every=1 --set metrics.batch_size=500 --quiet --no-figures";
    const auto without_seconds = [](const std::string& csv) {  // network.csv: drop the metric_seconds column
        std::istringstream in(csv);
        std::string line, out;
        while (std::getline(in, line)) out += line.substr(0, line.rfind(',')) + "\n";
        return out;
    };
    std::map<std::string, json> passes;
    std::string metrics_ref, network_ref;
    for (const char* mb : {"0", "4", "2048"}) {
        const fs::path out = dir / (std::string("mb") + mb);
        const auto r = cli("deepnets train" + sets + " --set metrics.cache_mb=" + mb + " --out " + out.string());
        ASSERT_EQ(r.code, 0) << r.output;
        const std::string metrics = slurp(out / "metrics.csv"), network = without_seconds(slurp(out / "network.csv"));
        if (metrics_ref.empty()) {
            metrics_ref = metrics;
            network_ref = network;
        }
        EXPECT_EQ(metrics, metrics_ref) << "cache " << mb << " MiB";
        EXPECT_EQ(network, network_ref) << "cache " << mb << " MiB";
        passes[mb] = json::parse(slurp(out / "summary.json"))["final"]["metric_forward_passes"];
    }
    EXPECT_EQ(passes["0"]["train"], 2.0) << passes["0"];
    EXPECT_EQ(passes["0"]["test"], 2.0) << passes["0"];
    EXPECT_EQ(passes["2048"]["train"], 1.0) << passes["2048"];
    EXPECT_EQ(passes["2048"]["test"], 1.0) << passes["2048"];
    EXPECT_GT(passes["4"]["train"].get<double>(), 1.0) << passes["4"];  // 4 MiB holds some batches, not all
    EXPECT_LT(passes["4"]["train"].get<double>(), 2.0) << passes["4"];
    const auto bad = cli("deepnets train" + sets + " --set metrics.cache_mb=-1 --out " + (dir / "bad").string());
    EXPECT_EQ(bad.code, 2) << bad.output;
    EXPECT_NE(bad.output.find("metrics.cache_mb"), std::string::npos) << bad.output;
}
