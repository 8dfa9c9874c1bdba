#include "depthbias/deepnets/dataset.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "depthbias/core/error.hpp"
#include "depthbias/core/rng.hpp"

namespace depthbias::deepnets {
namespace fs = std::filesystem;

double Dataset::corrupted_fraction() const {
    if (labels.empty()) return 0.0;
    std::int64_t wrong = 0;
    for (size_t i = 0; i < labels.size(); ++i) wrong += labels[i] != clean_labels[i];
    return double(wrong) / double(labels.size());
}

namespace {

std::string hint_suffix(const std::string& hint) { return hint.empty() ? "" : " (" + hint + ")"; }

[[noreturn]] void fail(const std::string& path, const std::string& what, const std::string& hint) {
    throw IoError("cannot read IDX file '" + path + "': " + what + hint_suffix(hint));
}

std::vector<std::uint8_t> read_gzip(const std::string& path, const std::string& hint) {
    std::error_code ec;
    if (!fs::exists(path, ec)) fail(path, "no such file", hint);
    if (!fs::is_regular_file(path, ec)) fail(path, "not a regular file", hint);
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) fail(path, "cannot open", hint);
    gzbuffer(f, 1 << 18);
    std::vector<std::uint8_t> out;
    std::vector<std::uint8_t> buf(1 << 20);
    for (;;) {
        const int n = gzread(f, buf.data(), unsigned(buf.size()));
        if (n < 0) {
            int err = 0;
            const std::string msg = gzerror(f, &err);
            gzclose(f);
            fail(path, "damaged gzip data (" + msg + ")", hint);
        }
        if (n == 0) break;
        out.insert(out.end(), buf.begin(), buf.begin() + n);
    }
    int err = 0;
    const char* msg = gzerror(f, &err);
    const std::string m = msg ? msg : "";
    gzclose(f);
    // zlib reports a stream cut short as Z_BUF_ERROR ("unexpected end of file") after the last read.
    if (err != Z_OK && err != Z_STREAM_END) fail(path, "damaged or truncated gzip data (" + m + ")", hint);
    return out;
}

}  // namespace

IdxArray read_idx(const std::string& path, const std::string& hint) {
    std::vector<std::uint8_t> bytes = read_gzip(path, hint);
    if (bytes.size() < 4) fail(path, "file too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)", hint);
    if (bytes[0] != 0 || bytes[1] != 0)
        fail(path, "bad magic number (first two bytes must be zero; not an IDX file)", hint);
    if (bytes[2] != 0x08)
        fail(path, "unsupported IDX element type 0x" + std::to_string(int(bytes[2])) + " (expected 0x08, unsigned byte)",
             hint);
    const int ndim = bytes[3];
    if (ndim < 1 || ndim > 4) fail(path, "bad number of dimensions " + std::to_string(ndim), hint);
    const size_t header = 4 + 4 * size_t(ndim);
    if (bytes.size() < header) fail(path, "truncated IDX header", hint);
    IdxArray a;
    std::uint64_t count = 1;
    for (int i = 0; i < ndim; ++i) {
        const std::uint8_t* p = bytes.data() + 4 + 4 * i;
        const std::uint32_t d = (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) |
                                (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
        a.dims.push_back(std::int64_t(d));
        count *= d;
    }
    const std::uint64_t have = bytes.size() - header;
    if (have != count)
        fail(path,
             "size mismatch: the header announces " + std::to_string(count) + " bytes of data, the file holds " +
                 std::to_string(have) + (have < count ? " (truncated)" : " (trailing bytes)"),
             hint);
    a.data.assign(bytes.begin() + std::ptrdiff_t(header), bytes.end());
    return a;
}

Dataset load_fashion_mnist(const std::string& dir, const std::string& split) {
    if (split != "train" && split != "test") throw ConfigError("split", "must be train or test, got '" + split + "'");
    const std::string prefix = split == "train" ? "train" : "t10k";
    const std::string hint =
        "Fashion-MNIST comes from Debian's package dataset-fashion-mnist: sudo apt-get install dataset-fashion-mnist;"
        " or point data.dir at a directory holding the four *-ubyte.gz files";
    auto path_of = [&](const std::string& stem) {
        const fs::path gz = fs::path(dir) / (stem + ".gz");
        const fs::path plain = fs::path(dir) / stem;
        std::error_code ec;
        if (!fs::exists(gz, ec) && fs::exists(plain, ec)) return plain.string();
        return gz.string();
    };
    const std::string img_path = path_of(prefix + "-images-idx3-ubyte");
    const std::string lab_path = path_of(prefix + "-labels-idx1-ubyte");
    const IdxArray img = read_idx(img_path, hint);
    const IdxArray lab = read_idx(lab_path, hint);
    if (img.dims.size() != 3 || img.dims[1] != 28 || img.dims[2] != 28)
        fail(img_path, "expected an N x 28 x 28 image array", hint);
    if (lab.dims.size() != 1) fail(lab_path, "expected a 1-dimensional label array", hint);
    if (lab.dims[0] != img.dims[0])
        fail(lab_path, "holds " + std::to_string(lab.dims[0]) + " labels but " + img_path + " holds " +
                           std::to_string(img.dims[0]) + " images", hint);
    const std::int64_t n = img.dims[0];
    Dataset d;
    d.channels = 1;
    d.side = 32;
    d.classes = 10;
    d.images.assign(size_t(n) * 32 * 32, float((0.0 - kMnistMean) / kMnistStd));
    d.labels.resize(size_t(n));
    for (std::int64_t i = 0; i < n; ++i) {
        const std::uint8_t y = lab.data[size_t(i)];
        if (y >= 10) fail(lab_path, "label " + std::to_string(int(y)) + " at index " + std::to_string(i) +
                                        " is outside 0..9", hint);
        d.labels[size_t(i)] = y;
        const std::uint8_t* src = img.data.data() + size_t(i) * 28 * 28;
        float* dst = d.images.data() + size_t(i) * 32 * 32;
        for (int r = 0; r < 28; ++r)
            for (int c = 0; c < 28; ++c)
                dst[(r + 2) * 32 + (c + 2)] = float((double(src[r * 28 + c]) / 255.0 - kMnistMean) / kMnistStd);
    }
    d.clean_labels = d.labels;
    d.source_index.resize(size_t(n));
    std::iota(d.source_index.begin(), d.source_index.end(), std::int64_t(0));
    return d;
}

Dataset select(const Dataset& d, const std::vector<std::int64_t>& idx) {
    Dataset out;
    out.channels = d.channels;
    out.side = d.side;
    out.classes = d.classes;
    const std::int64_t f = d.features();
    out.images.resize(idx.size() * size_t(f));
    for (size_t k = 0; k < idx.size(); ++k) {
        const std::int64_t i = idx[k];
        std::copy_n(d.images.begin() + i * f, f, out.images.begin() + std::ptrdiff_t(k) * f);
        out.labels.push_back(d.labels[size_t(i)]);
        out.clean_labels.push_back(d.clean_labels[size_t(i)]);
        out.source_index.push_back(d.source_index[size_t(i)]);
    }
    return out;
}

Dataset concat(const Dataset& a, const Dataset& b) {
    if (a.features() != b.features() || a.classes != b.classes)
        throw ConfigError("data", "cannot concatenate datasets of different geometry");
    Dataset out = a;
    out.images.insert(out.images.end(), b.images.begin(), b.images.end());
    out.labels.insert(out.labels.end(), b.labels.begin(), b.labels.end());
    out.clean_labels.insert(out.clean_labels.end(), b.clean_labels.begin(), b.clean_labels.end());
    out.source_index.insert(out.source_index.end(), b.source_index.begin(), b.source_index.end());
    return out;
}

Dataset subsample_per_class(const Dataset& d, std::int64_t per_class, std::uint64_t seed, const std::string& key) {
    if (per_class <= 0) return d;
    std::vector<std::vector<std::int64_t>> by_class(size_t(d.classes));
    for (std::int64_t i = 0; i < d.size(); ++i) by_class[size_t(d.clean_labels[size_t(i)])].push_back(i);
    Rng rng = Rng::stream(seed, 11);
    std::vector<std::int64_t> keep;
    for (int c = 0; c < d.classes; ++c) {
        auto& v = by_class[size_t(c)];
        if (std::int64_t(v.size()) < per_class)
            throw ConfigError(key, "class " + std::to_string(c) + " has only " + std::to_string(v.size()) +
                                       " samples, fewer than " + std::to_string(per_class));
        // Partial Fisher-Yates with our own RNG (std::shuffle is implementation-defined).
        for (std::int64_t k = 0; k < per_class; ++k) {
            const std::int64_t j = k + std::int64_t(rng.next() % std::uint64_t(std::int64_t(v.size()) - k));
            std::swap(v[size_t(k)], v[size_t(j)]);
        }
        keep.insert(keep.end(), v.begin(), v.begin() + per_class);
    }
    std::sort(keep.begin(), keep.end());
    return select(d, keep);
}

DataSplit gaussian_mixture(int classes, int side, std::int64_t train_per_class, std::int64_t test_per_class,
                           double separation, double noise, std::uint64_t seed) {
    Rng rng = Rng::stream(seed, 12);
    const std::int64_t f = std::int64_t(side) * side;
    std::vector<double> means(size_t(classes * f));
    for (double& m : means) m = separation * rng.normal();
    auto draw = [&](std::int64_t per_class) {
        Dataset d;
        d.channels = 1;
        d.side = side;
        d.classes = classes;
        const std::int64_t n = per_class * classes;
        d.images.resize(size_t(n * f));
        for (std::int64_t i = 0; i < n; ++i) {
            const int c = int(i % classes);  // interleaved classes
            for (std::int64_t j = 0; j < f; ++j)
                d.images[size_t(i * f + j)] = float(means[size_t(c * f + j)] + noise * rng.normal());
            d.labels.push_back(c);
            d.source_index.push_back(i);
        }
        d.clean_labels = d.labels;
        return d;
    };
    DataSplit s;
    s.train = draw(train_per_class);
    s.test = draw(test_per_class);
    s.source = "gaussian-mixture";
    return s;
}

NumpyLegacyRandom::NumpyLegacyRandom(std::uint32_t seed) : gen_(seed) {}

std::uint32_t NumpyLegacyRandom::next_uint32() { return std::uint32_t(gen_()); }

double NumpyLegacyRandom::random_sample() {
    // numpy mt19937_next_double (genrand_res53).
    const std::int32_t a = std::int32_t(next_uint32() >> 5), b = std::int32_t(next_uint32() >> 6);
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

std::int64_t NumpyLegacyRandom::randint(std::int64_t high) {
    // numpy legacy randint(0, high): masked rejection sampling on 32-bit draws (random_bounded_uint64_fill).
    const std::uint64_t rng = std::uint64_t(high - 1);
    if (rng == 0) return 0;
    std::uint32_t mask = std::uint32_t(rng);
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    std::uint32_t v;
    while ((v = (next_uint32() & mask)) > rng) {
    }
    return std::int64_t(v);
}

void corrupt_labels_authors(std::vector<std::int64_t>& labels, double p, int classes, std::uint32_t seed) {
    NumpyLegacyRandom r(seed);
    for (auto& y : labels)
        if (r.random_sample() < p) y = r.randint(classes);
}

void corrupt_labels_exact(std::vector<std::int64_t>& labels, double p, int classes, std::uint64_t seed) {
    if (classes < 2) return;
    const std::int64_t n = std::int64_t(labels.size());
    const std::int64_t k = std::llround(p * double(n));
    std::vector<std::int64_t> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), std::int64_t(0));
    Rng rng = Rng::stream(seed, 13);
    for (std::int64_t i = 0; i < k; ++i) {
        const std::int64_t j = i + std::int64_t(rng.next() % std::uint64_t(n - i));
        std::swap(idx[size_t(i)], idx[size_t(j)]);
        auto& y = labels[size_t(idx[size_t(i)])];
        const std::int64_t shift = 1 + std::int64_t(rng.next() % std::uint64_t(classes - 1));
        y = (y + shift) % classes;
    }
}

}  // namespace depthbias::deepnets
