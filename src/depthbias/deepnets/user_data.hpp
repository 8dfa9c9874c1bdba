// Your own image-classification data for the deep-net module (data.dataset = idx | npy | csv; no LibTorch here).
//   idx  IDX files as Fashion-MNIST's (unsigned bytes, magic 0x00000803 / 0x00000804 for images, 0x00000801 for
//        labels), gzip or plain: images N x S x S or N x C x S x S, labels N
//   npy  NumPy .npy arrays (format 1.0-3.0, C order, little endian; gzip or plain): images uint8 or float32,
//        N x S x S or N x C x S x S; labels any integer type (int8..int64, uint8..uint64), N
//   csv  one row per image: the label, then C x S x S pixels (channel-major, row-major); an optional header
//        line (first field not a number) is skipped; data.channels gives C
// Files: data.train_images, data.train_labels, data.test_images, data.test_labels (csv: no label files).
// Pixels become float32 x = (pixel / data.pixel_scale - data.normalize_mean) / data.normalize_std (defaults: bytes
// to [0, 1], then MNIST's mean and std), with no padding: the image side is the file's. Labels must lie in
// [0, data.classes). Every error is an IoError naming the file and its config key: a missing file, a bad magic
// number or header, a size that does not match the header, labels and images of different counts, a label out
// of range, non-square images, a NaN or infinite pixel, train and test images of different shapes.
#pragma once
#include <string>

#include "depthbias/deepnets/dataset.hpp"
#include "depthbias/deepnets/deep_config.hpp"

namespace depthbias::deepnets {

// Whether data.dataset names one of the user formats above.
bool is_user_dataset(const std::string& dataset);

// One split ("train" or "test") of the user's data, every sample in file order (clean_labels = labels).
Dataset load_user_split(const DeepConfig& cfg, const std::string& split);

}  // namespace depthbias::deepnets
