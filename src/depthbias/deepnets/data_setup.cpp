// load_data (declared in trainer.hpp): the data of a DeepConfig. No LibTorch here.
#include <map>
#include <mutex>

#include "depthbias/core/error.hpp"
#include "depthbias/deepnets/trainer.hpp"
#include "depthbias/deepnets/user_data.hpp"

namespace depthbias::deepnets {
namespace {

// Decoding the 60k + 10k Fashion-MNIST images takes about half a second; an experiment loads them once.
const Dataset& cached_fashion_mnist(const std::string& dir, const std::string& split) {
    static std::mutex mu;
    static std::map<std::string, Dataset> cache;
    std::lock_guard<std::mutex> lock(mu);
    const std::string key = dir + "|" + split;
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, load_fashion_mnist(dir, split)).first;
    return it->second;
}

}  // namespace

DataSplit load_data(const DeepConfig& cfg) {
    validate(cfg);
    DataSplit s;
    if (cfg.dataset == "gaussian-mixture") {
        s = gaussian_mixture(int(cfg.mixture_classes), int(cfg.mixture_side), cfg.train_per_class, cfg.test_per_class,
                             cfg.mixture_separation, cfg.mixture_noise, std::uint64_t(cfg.mixture_seed));
        if (cfg.corruption > 0 && cfg.corruption_mode == "authors")
            corrupt_labels_authors(s.train.labels, cfg.corruption, s.train.classes,
                                   std::uint32_t(cfg.corruption_seed));
    } else if (is_user_dataset(cfg.dataset)) {
        Dataset train = load_user_split(cfg, "train");
        Dataset test = load_user_split(cfg, "test");
        if (test.channels != train.channels || test.side != train.side)
            throw IoError("data.test_images '" + cfg.test_images + "' holds " + std::to_string(test.channels) + " x " +
                          std::to_string(test.side) + " x " + std::to_string(test.side) + " images but data.train_images '" +
                          cfg.train_images + "' holds " + std::to_string(train.channels) + " x " +
                          std::to_string(train.side) + " x " + std::to_string(train.side));
        if (cfg.arch == "conv" && train.side % 4 != 0)
            throw ConfigError("model.arch", "the conv net needs an image side that is a multiple of 4 (two stride-2 "
                                            "stems); data.train_images '" + cfg.train_images + "' has side " +
                                            std::to_string(train.side));
        if (cfg.corruption > 0 && cfg.corruption_mode == "authors")
            corrupt_labels_authors(train.labels, cfg.corruption, train.classes, std::uint32_t(cfg.corruption_seed));
        s.train = subsample_per_class(train, cfg.train_per_class, std::uint64_t(cfg.subsample_seed),
                                      "data.train_per_class");
        s.test = subsample_per_class(test, cfg.test_per_class, std::uint64_t(cfg.subsample_seed) + 1,
                                     "data.test_per_class");
        s.source = cfg.dataset + ":" + cfg.train_images + "," + cfg.test_images;
    } else {
        Dataset train = cached_fashion_mnist(cfg.dir, "train");
        // The authors corrupt the full training set in file order (numpy-exact), before any subsampling.
        if (cfg.corruption > 0 && cfg.corruption_mode == "authors")
            corrupt_labels_authors(train.labels, cfg.corruption, train.classes, std::uint32_t(cfg.corruption_seed));
        s.train = subsample_per_class(train, cfg.train_per_class, std::uint64_t(cfg.subsample_seed),
                                      "data.train_per_class");
        s.test = subsample_per_class(cached_fashion_mnist(cfg.dir, "test"), cfg.test_per_class,
                                     std::uint64_t(cfg.subsample_seed) + 1, "data.test_per_class");
        s.source = "fashion-mnist:" + cfg.dir;
    }
    if (cfg.corruption > 0 && cfg.corruption_mode == "exact")
        corrupt_labels_exact(s.train.labels, cfg.corruption, s.train.classes, std::uint64_t(cfg.corruption_seed));
    return s;
}

}  // namespace depthbias::deepnets
