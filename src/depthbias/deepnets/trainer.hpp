// Training one deep network (LibTorch) into a run directory, with per-layer collapse metrics.
// Torch-free interface (the implementation, trainer.cpp, is one of the two files including <torch/torch.h>).
// Run directory:
//   config.resolved.toml  every key (defaults included)
//   manifest.json         seed, versions (depthbias, torch, ...), data source and sizes, realised corruption
//   training.csv          per epoch: lr, running train loss / accuracy (train mode), epoch seconds
//   network.csv           per measured epoch: the network's eval-mode accuracies, effective depths, pass time
//   metrics.csv           per measured epoch x layer: NCC train/test accuracy, CDNV train/test, NC1, NC2, NC4
//   checkpoint.pt         model + optimizer + torch RNG + epoch + the CSV histories, atomically every epoch
//   layers.png/.svg, training.png/.svg   figures (gnuplot)
//   summary.json          written last and atomically; status completed | diverged (no "final" block)
// A run stopped by stop_after_epochs leaves no summary (it does not look finished); --resume continues it
// and ends bit-for-bit equal to an uninterrupted run (single thread; the shuffle of epoch e is a pure
// function of (seed, e)).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "depthbias/deepnets/dataset.hpp"
#include "depthbias/deepnets/deep_config.hpp"

namespace depthbias::deepnets {

struct TrainOptions {
    bool resume = false;                 // continue from dir/checkpoint.pt (config must match)
    std::int64_t stop_after_epochs = 0;  // stop once this many epochs are done (checkpoint kept); 0: never
    double max_wall_seconds = 0;         // > 0: stop after the first epoch that ends past this wall time (checkpoint
                                         // kept, status wall_budget_exhausted, no summary.json: --resume continues)
    bool figures = true;
    bool progress = false;  // one line per epoch on stderr
};

// The data of a config: Fashion-MNIST (authors' corruption before subsampling, exact corruption after) or
// the Gaussian mixture. Throws IoError naming the file and package when the data cannot be read.
DataSplit load_data(const DeepConfig& cfg);

// Trains `cfg` on `data` into `dir` (which must exist). Returns summary.json's content; status "completed",
// "diverged" (non-finite loss: epoch, batch and learning rate reported), "stopped" (stop_after_epochs) or
// "wall_budget_exhausted" (max_wall_seconds); the last two write no summary.json. Throws ConfigError (bad config, resume mismatch) and IoError.
nlohmann::json train_network(const DeepConfig& cfg, const DataSplit& data, const std::string& dir,
                             const TrainOptions& opt);

std::string torch_version();

// P6 benchmark: times `epochs` training epochs and one full metric pass of cfg's network on `data`, in this
// process, with cfg.run.threads threads. Returns {epoch_seconds: [...], metric_seconds, metric_forward_seconds,
// metric_math_seconds, ...}.
nlohmann::json benchmark_training(const DeepConfig& cfg, const DataSplit& data, int epochs);

}  // namespace depthbias::deepnets
