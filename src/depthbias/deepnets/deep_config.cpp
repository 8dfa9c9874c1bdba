#include "depthbias/deepnets/deep_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <variant>
#include <unistd.h>

#include "depthbias/core/error.hpp"
#include "depthbias/run/config_schema.hpp"

namespace depthbias::deepnets {
namespace {

using schema::at_least;
using schema::one_of;
using schema::positive;

using C = DeepConfig;
using Schema = schema::Schema<C>;

const Schema& the_schema() {
    static const Schema s{
        {
            {"run.name", &C::name, "label of the run"},
            {"run.seed", &C::seed, "seed of the initialisation (torch generator) and of the per-epoch shuffles"},
            {"run.threads", &C::threads, "torch intra-op threads (1: one core, the default)"},
            {"run.gemm", &C::gemm,
             "eigen | torch: kernel of the Linear layers' matrix products (Debian's libtorch uses reference BLAS)"},
            {"data.dataset", &C::dataset,
             "fashion-mnist | gaussian-mixture (synthetic, for fast tests) | idx | npy | csv (your own files: "
             "data.train_images, data.train_labels, data.test_images, data.test_labels)"},
            {"data.dir", &C::dir, "directory of the Fashion-MNIST *-ubyte.gz files (Debian: dataset-fashion-mnist)"},
            {"data.train_per_class", &C::train_per_class, "training samples kept per class (0: the full split)"},
            {"data.test_per_class", &C::test_per_class, "test samples kept per class (0: the full split)"},
            {"data.subsample_seed", &C::subsample_seed, "seed of the per-class subsampling"},
            {"data.corruption", &C::corruption, "label corruption p in [0, 1) (training labels only)"},
            {"data.corruption_mode", &C::corruption_mode,
             "authors (each label w.p. p -> randint(0, C), numpy-exact, before subsampling) | exact (round(p m) "
             "labels changed to a different class, after subsampling)"},
            {"data.corruption_seed", &C::corruption_seed, "seed of the corruption (the authors' code: 12345)"},
            {"data.mixture_classes", &C::mixture_classes, "gaussian-mixture: number of classes"},
            {"data.mixture_side", &C::mixture_side, "gaussian-mixture: image side (features = side^2; multiple of 4)"},
            {"data.mixture_separation", &C::mixture_separation, "gaussian-mixture: std of the class-mean coordinates"},
            {"data.mixture_noise", &C::mixture_noise, "gaussian-mixture: std of the per-sample noise"},
            {"data.mixture_seed", &C::mixture_seed, "gaussian-mixture: seed of means and samples"},
            {"data.train_images", &C::train_images,
             "idx | npy | csv: training images (idx, npy: N x S x S or N x C x S x S, uint8 or (npy) float32; csv: "
             "one row per image, the label then the pixels; gzip or plain)"},
            {"data.train_labels", &C::train_labels, "idx | npy: training labels (N integers; csv: leave empty)"},
            {"data.test_images", &C::test_images, "idx | npy | csv: test images (as data.train_images)"},
            {"data.test_labels", &C::test_labels, "idx | npy: test labels (csv: leave empty)"},
            {"data.classes", &C::classes, "idx | npy | csv: number of classes (labels in [0, classes))"},
            {"data.channels", &C::channels, "csv: channels per image (a row holds channels x side^2 pixels)"},
            {"data.pixel_scale", &C::pixel_scale,
             "idx | npy | csv: pixels are divided by this (255 for bytes, 1 for data already in [0, 1])"},
            {"data.normalize_mean", &C::normalize_mean,
             "idx | npy | csv: x = (pixel / pixel_scale - normalize_mean) / normalize_std (default: MNIST's)"},
            {"data.normalize_std", &C::normalize_std, "idx | npy | csv: see data.normalize_mean"},
            {"model.arch", &C::arch, "mlp (MLP-L-H) | conv (CONV-L-H), galanti.md section 2"},
            {"model.depth", &C::depth, "L: number of hidden layers (mlp) or 3x3 conv layers (conv), 1..64"},
            {"model.width", &C::width, "H: hidden width (mlp) or channels (conv)"},
            {"train.epochs", &C::epochs, "training epochs"},
            {"train.batch_size", &C::batch_size, "SGD batch size (the last partial batch is kept)"},
            {"train.lr", &C::lr, "initial learning rate"},
            {"train.momentum", &C::momentum, "SGD momentum"},
            {"train.weight_decay", &C::weight_decay, "weight decay on all parameters (BN included)"},
            {"train.milestones", &C::milestones, "epochs (0-based) at which the learning rate is multiplied by gamma"},
            {"train.gamma", &C::gamma, "learning-rate decay factor at each milestone"},
            {"metrics.every", &C::every, "measure after every this many epochs (0: only metrics.at and the last)"},
            {"metrics.at", &C::at, "measure after these epochs (0: at initialisation); the last epoch always is"},
            {"metrics.epsilon", &C::epsilon, "epsilon of the effective depth: first layer with NCC train error <= eps"},
            {"metrics.batch_size", &C::metric_batch, "batch size of the metric passes (eval mode, no gradients)"},
            {"metrics.labels", &C::metric_labels, "train (the training labels, corrupted if any: the paper's) | clean"},
            {"metrics.test_cdnv", &C::test_cdnv, "compute the test CDNV (two more passes over the test set)"},
            {"metrics.cache_mb", &C::cache_mb,
             "MiB of float32 layer embeddings kept between the two passes of a measurement over each set (one forward "
             "pass instead of two for what fits; 0: off). Same numbers either way"},
        },
        "run, data, model, train, metrics",
        "(run, data, model, train, metrics)",
        schema::shortest_double,
    };
    return s;
}

}  // namespace

void apply_toml(DeepConfig& cfg, const toml::table& doc, const std::vector<std::string>& ignored) {
    the_schema().apply_table(cfg, doc, "", ignored);
}

void apply_override(DeepConfig& cfg, const std::string& assignment) {
    the_schema().apply_override(cfg, assignment);
}

void validate(const DeepConfig& c) {
    one_of("run.gemm", c.gemm, {"eigen", "torch"});
    one_of("data.dataset", c.dataset, {"fashion-mnist", "gaussian-mixture", "idx", "npy", "csv"});
    if (c.dataset == "idx" || c.dataset == "npy" || c.dataset == "csv") {
        const bool csv = c.dataset == "csv";
        for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"data.train_images", &c.train_images},
                                         {"data.test_images", &c.test_images}})
            if (value->empty()) throw ConfigError(key, "data.dataset = \"" + c.dataset + "\" needs the path of a file");
        for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"data.train_labels", &c.train_labels},
                                         {"data.test_labels", &c.test_labels}}) {
            if (csv && !value->empty())
                throw ConfigError(key, "is not used by data.dataset = \"csv\" (each row starts with its label); "
                                       "leave it empty");
            if (!csv && value->empty())
                throw ConfigError(key, "data.dataset = \"" + c.dataset + "\" needs the path of a label file");
        }
        at_least("data.classes", c.classes, 2);
        if (c.classes > 1000) throw ConfigError("data.classes", "must be at most 1000, got " + std::to_string(c.classes));
        at_least("data.channels", c.channels, 1);
        if (c.channels > 64) throw ConfigError("data.channels", "must be at most 64, got " + std::to_string(c.channels));
        positive("data.pixel_scale", c.pixel_scale);
        if (!std::isfinite(c.normalize_mean)) throw ConfigError("data.normalize_mean", "must be finite");
        positive("data.normalize_std", c.normalize_std);
    }
    one_of("data.corruption_mode", c.corruption_mode, {"authors", "exact"});
    one_of("model.arch", c.arch, {"mlp", "conv"});
    one_of("metrics.labels", c.metric_labels, {"train", "clean"});
    at_least("run.seed", c.seed, 0);
    at_least("run.threads", c.threads, 1);
    if (c.threads > 1024) throw ConfigError("run.threads", "must be at most 1024, got " + std::to_string(c.threads));
    at_least("data.train_per_class", c.train_per_class, 0);
    at_least("data.test_per_class", c.test_per_class, 0);
    at_least("data.subsample_seed", c.subsample_seed, 0);
    if (!(c.corruption >= 0 && c.corruption < 1))
        throw ConfigError("data.corruption", "must be in [0, 1), got " + std::to_string(c.corruption));
    if (c.corruption_seed < 0 || c.corruption_seed > 0xffffffffLL)
        throw ConfigError("data.corruption_seed", "must be in [0, 2^32 - 1] (numpy's legacy seed range)");
    if (c.dataset == "gaussian-mixture") {
        at_least("data.mixture_classes", c.mixture_classes, 2);
        at_least("data.mixture_side", c.mixture_side, 4);
        if (c.mixture_side % 4 != 0 && c.arch == "conv")
            throw ConfigError("data.mixture_side", "must be a multiple of 4 for the conv net (two stride-2 stems)");
        if (c.train_per_class < 1)
            throw ConfigError("data.train_per_class", "the gaussian mixture needs a sample count per class (>= 1)");
        if (c.test_per_class < 1)
            throw ConfigError("data.test_per_class", "the gaussian mixture needs a sample count per class (>= 1)");
        // Caps found by fuzzing (tests/integration/test_fuzz_inputs.cpp): 2^40 classes overflowed an int, a side
        // of 2^40 ended in a LibTorch error, and values beyond float range in a conversion error (exit 1).
        if (c.mixture_classes > 1000)
            throw ConfigError("data.mixture_classes", "must be at most 1000, got " + std::to_string(c.mixture_classes));
        if (c.mixture_side > 256)
            throw ConfigError("data.mixture_side", "must be at most 256 (65536 features), got " +
                                                       std::to_string(c.mixture_side));
        positive("data.mixture_separation", c.mixture_separation);
        if (c.mixture_separation > 1e30) throw ConfigError("data.mixture_separation", "must be at most 1e30 (float data)");
        if (!(c.mixture_noise >= 0)) throw ConfigError("data.mixture_noise", "must be >= 0");
        if (c.mixture_noise > 1e30) throw ConfigError("data.mixture_noise", "must be at most 1e30 (float data)");
        at_least("data.mixture_seed", c.mixture_seed, 0);
        // The images are generated in memory (float32): refuse what the machine cannot hold (2^40 samples per
        // class ended in std::bad_alloc).
        const double per_sample = 4.0 * double(c.mixture_side) * double(c.mixture_side) * double(c.mixture_classes);
        const double bytes = per_sample * (double(c.train_per_class) + double(c.test_per_class));
        const double pages = double(sysconf(_SC_PHYS_PAGES)), page = double(sysconf(_SC_PAGE_SIZE));
        const double available = pages > 0 && page > 0 ? pages * page : 64.0 * double(1ull << 30);
        if (bytes > 0.5 * available) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "the gaussian mixture would need about %.3g GiB of images; this machine has "
                          "%.3g GiB", bytes / double(1ull << 30), available / double(1ull << 30));
            throw ConfigError(c.train_per_class >= c.test_per_class ? "data.train_per_class" : "data.test_per_class",
                              buf);
        }
    }
    at_least("model.depth", c.depth, 1);
    if (c.depth > 64) throw ConfigError("model.depth", "must be at most 64, got " + std::to_string(c.depth));
    at_least("model.width", c.width, 1);
    if (c.width > 65536) throw ConfigError("model.width", "must be at most 65536");
    at_least("train.epochs", c.epochs, 1);
    at_least("train.batch_size", c.batch_size, 1);
    positive("train.lr", c.lr);
    if (!(c.momentum >= 0 && c.momentum < 1)) throw ConfigError("train.momentum", "must be in [0, 1)");
    if (!(c.weight_decay >= 0)) throw ConfigError("train.weight_decay", "must be >= 0");
    positive("train.gamma", c.gamma);
    // LibTorch takes the learning rate and weight decay as float: 1e300 ended in a conversion error (exit 1).
    const double peak_lr = c.lr * std::pow(std::max(1.0, c.gamma), double(c.milestones.size()));
    if (!(peak_lr <= 1e30))
        throw ConfigError(c.lr > 1e30 ? "train.lr" : "train.gamma",
                          "the learning rate (train.lr times train.gamma at each milestone) must stay below 1e30");
    if (c.weight_decay > 1e30) throw ConfigError("train.weight_decay", "must be at most 1e30");
    for (size_t i = 0; i < c.milestones.size(); ++i) {
        if (c.milestones[i] < 1) throw ConfigError("train.milestones", "entries must be >= 1");
        if (i && c.milestones[i] <= c.milestones[i - 1])
            throw ConfigError("train.milestones", "must be strictly increasing");
    }
    at_least("metrics.every", c.every, 0);
    for (auto e : c.at)
        if (e < 0 || e > c.epochs)
            throw ConfigError("metrics.at", "entries must be in [0, train.epochs = " + std::to_string(c.epochs) +
                                                "], got " + std::to_string(e));
    if (!(c.epsilon > 0 && c.epsilon < 1)) throw ConfigError("metrics.epsilon", "must be in (0, 1)");
    at_least("metrics.batch_size", c.metric_batch, 1);
    at_least("metrics.cache_mb", c.cache_mb, 0);
}

std::string to_toml(const DeepConfig& cfg) { return the_schema().to_toml(cfg); }

std::string non_default_toml(const DeepConfig& cfg) { return the_schema().non_default_toml(cfg); }

std::string describe_keys() { return the_schema().describe_keys(); }

double learning_rate(const DeepConfig& cfg, std::int64_t epoch) {
    double lr = cfg.lr;
    for (auto m : cfg.milestones)
        if (m <= epoch) lr *= cfg.gamma;
    return lr;
}

bool measure_after(const DeepConfig& cfg, std::int64_t done) {
    if (done == cfg.epochs) return true;
    if (cfg.every > 0 && done > 0 && done % cfg.every == 0) return true;
    return std::find(cfg.at.begin(), cfg.at.end(), done) != cfg.at.end();
}

}  // namespace depthbias::deepnets
