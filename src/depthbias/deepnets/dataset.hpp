// Image-classification data for the deep-net module (no LibTorch here).
// Contract: images are float32, row-major N x channels x side x side, already normalised; `labels` are the
// training labels (after any corruption), `clean_labels` the original ones. Fashion-MNIST is read from the
// gzip IDX files of Debian's dataset-fashion-mnist, zero-padded 28 -> 32 and normalised exactly as the
// authors' code (galanti.md section 2): x = (pixel / 255 - 0.1307) / 0.3081, padding included.
// Every read error names the file and the package that provides it.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace depthbias::deepnets {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr double kMnistMean = 0.1307, kMnistStd = 0.3081;

struct Dataset {
    int channels = 1;
    int side = 32;
    int classes = 10;
    std::vector<float> images;
    std::vector<std::int64_t> labels;        // training labels (possibly corrupted)
    std::vector<std::int64_t> clean_labels;  // true labels
    std::vector<std::int64_t> source_index;  // index of each sample in the original split (file order)

    std::int64_t size() const { return std::int64_t(labels.size()); }
    std::int64_t features() const { return std::int64_t(channels) * side * side; }
    double corrupted_fraction() const;  // fraction of labels != clean_labels
};

struct DataSplit {
    Dataset train, test;
    std::string source;  // "fashion-mnist:<dir>" or "gaussian-mixture"
};

// An IDX array (unsigned-byte type 0x08 only): dims and the raw bytes, size checked against dims.
struct IdxArray {
    std::vector<std::int64_t> dims;
    std::vector<std::uint8_t> data;
};

// Reads a gzip (or plain) IDX file. Throws IoError naming `path` (and `package_hint` when not empty) if the
// file is missing, not gzip/IDX, has a bad magic number, or its size does not match its header.
IdxArray read_idx(const std::string& path, const std::string& package_hint = "");

// Loads one split ("train" or "test") of Fashion-MNIST from `dir` (train-images-idx3-ubyte.gz, ...).
Dataset load_fashion_mnist(const std::string& dir, const std::string& split);

// Keeps `per_class` samples of each (clean) class, drawn without replacement with `seed`, in file order.
// per_class = 0 keeps everything. Throws ConfigError(key) if a class has fewer samples.
Dataset subsample_per_class(const Dataset& d, std::int64_t per_class, std::uint64_t seed, const std::string& key);
// The rows `idx` of `d`, in that order.
Dataset select(const Dataset& d, const std::vector<std::int64_t>& idx);
// Concatenation (same geometry).
Dataset concat(const Dataset& a, const Dataset& b);

// Gaussian mixture: class means with N(0, separation^2) coordinates, samples = mean + N(0, noise^2) noise,
// on a 1 x side x side "image". Train and test are drawn from the same means.
DataSplit gaussian_mixture(int classes, int side, std::int64_t train_per_class, std::int64_t test_per_class,
                           double separation, double noise, std::uint64_t seed);

// Label corruption, authors' protocol (lianegalanti/NC utils.corrupt_labels): numpy's legacy MT19937 seeded
// with `seed` (12345 in the code); for each index in order, if rand() < p the label becomes randint(0, C)
// (uniform over all C classes, so about (C-1)/C * p of the labels end up wrong). Bit-exact with numpy.
void corrupt_labels_authors(std::vector<std::int64_t>& labels, double p, int classes, std::uint32_t seed);
// Exactly round(p * n) labels, chosen uniformly without replacement, each changed to a uniformly drawn
// *different* class (the Y~2 of the bound, galanti.md section 1).
void corrupt_labels_exact(std::vector<std::int64_t>& labels, double p, int classes, std::uint64_t seed);

// numpy's legacy RandomState with an integer seed, for the authors' protocol (exposed for tests).
class NumpyLegacyRandom {
public:
    explicit NumpyLegacyRandom(std::uint32_t seed);
    std::uint32_t next_uint32();
    double random_sample();                     // np.random.rand()
    std::int64_t randint(std::int64_t high);    // np.random.randint(0, high)

private:
    std::mt19937 gen_;  // numpy's mt19937_seed(seed) is MT19937's init_genrand, as std::mt19937(seed)
};

}  // namespace depthbias::deepnets
