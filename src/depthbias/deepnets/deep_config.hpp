// DeepConfig: one deep-net training run (LibTorch module), read from TOML with every key validated against a
// schema of its own (the same pattern as run/config.hpp). Unknown keys, wrong types and non-finite numbers
// are ConfigErrors naming the dotted key. Keys and defaults: docs/DEEPNETS.md or `depthbias deepnets train
// --help-keys`. The defaults are a CPU-sized run (200 Fashion-MNIST images per class, full test set,
// MLP-8-256, 200 epochs of SGD with batch 32 and lr 0.01 -> 0.001 at epoch 150: about a minute on one core);
// the `paper` preset (experiments/deepnets/paper.toml) holds the paper's values.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace depthbias::deepnets {

struct DeepConfig {
    // [run]
    std::string name = "deepnet";
    std::int64_t seed = 0;        // init (torch generator) and the per-epoch shuffles
    std::int64_t threads = 1;     // torch intra-op threads
    std::string gemm = "eigen";   // eigen | torch: kernel of the Linear layers' matrix products
    // [data]
    std::string dataset = "fashion-mnist";  // fashion-mnist | gaussian-mixture | idx | npy | csv
    std::string dir = "/usr/share/datasets/fashion-mnist";
    std::int64_t train_per_class = 200;  // 0: the full split
    std::int64_t test_per_class = 0;
    std::int64_t subsample_seed = 0;
    double corruption = 0.0;
    std::string corruption_mode = "authors";  // authors | exact
    std::int64_t corruption_seed = 12345;
    std::int64_t mixture_classes = 10;
    std::int64_t mixture_side = 8;
    double mixture_separation = 1.0;
    double mixture_noise = 1.0;
    std::int64_t mixture_seed = 0;
    // user data (dataset idx | npy | csv; deepnets/user_data.hpp)
    std::string train_images, train_labels, test_images, test_labels;  // paths (csv: *_labels unused)
    std::int64_t classes = 10;         // labels must be in [0, classes)
    std::int64_t channels = 1;         // csv: pixels per row = channels x side^2
    double pixel_scale = 255.0;        // x = (pixel / pixel_scale - normalize_mean) / normalize_std
    double normalize_mean = 0.1307, normalize_std = 0.3081;
    // [model]
    std::string arch = "mlp";  // mlp | conv
    std::int64_t depth = 8;
    std::int64_t width = 256;
    // [train]
    std::int64_t epochs = 200;
    std::int64_t batch_size = 32;
    double lr = 0.01;
    double momentum = 0.9;
    double weight_decay = 5e-4;
    std::vector<std::int64_t> milestones{150};
    double gamma = 0.1;
    // [metrics]
    std::int64_t every = 50;           // also measure after every `every`-th epoch (0: off)
    std::vector<std::int64_t> at{};    // also measure after these epochs (0: at initialisation)
    double epsilon = 0.01;
    std::int64_t metric_batch = 1000;
    std::string metric_labels = "train";  // train (possibly corrupted, the paper's) | clean
    bool test_cdnv = true;
    std::int64_t cache_mb = 2048;  // embedding cache of the metric pass (MiB, float32; 0: forward twice)
};

// Parse a TOML document into `cfg`, starting from cfg's values. Top-level tables listed in `ignored` are
// skipped (an experiment's [experiment] table).
void apply_toml(DeepConfig& cfg, const toml::table& doc, const std::vector<std::string>& ignored = {});
// "section.key=value" (TOML value, or a bare word for string keys).
void apply_override(DeepConfig& cfg, const std::string& assignment);
void validate(const DeepConfig& cfg);
std::string to_toml(const DeepConfig& cfg);
// "section.key = value" lines, sorted, of the keys that differ from DeepConfig{}: a deep-net sweep point's
// identity (sweep/sweep_spec.hpp), unchanged by a later version that adds a key with a default.
std::string non_default_toml(const DeepConfig& cfg);
std::string describe_keys();

// Learning rate of 0-based epoch e: lr * gamma^(number of milestones <= e) (PyTorch MultiStepLR stepped
// once per epoch).
double learning_rate(const DeepConfig& cfg, std::int64_t epoch);
// Whether the metrics are measured after `epochs_done` epochs (the last epoch always is).
bool measure_after(const DeepConfig& cfg, std::int64_t epochs_done);

}  // namespace depthbias::deepnets
