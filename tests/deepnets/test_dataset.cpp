// The IDX loader on tiny files written here (gzip and plain), its errors on truncated / damaged / missing
// files (naming the file and the package), numpy-exact label corruption (reference values printed by
// /usr/bin/python3 with numpy 1.24: see each test), the exact-p*m corruption, subsampling and the mixture.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

#include "depthbias/core/error.hpp"
#include "depthbias/deepnets/dataset.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace depthbias::deepnets;

namespace {

depthbias::test_support::TempDir fresh_dir(const std::string& name) {
    return depthbias::test_support::TempDir("dn-" + name);
}

std::vector<unsigned char> idx_bytes(const std::vector<std::uint32_t>& dims, const std::vector<unsigned char>& data) {
    std::vector<unsigned char> b = {0, 0, 0x08, static_cast<unsigned char>(dims.size())};
    for (auto d : dims)
        for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>((d >> s) & 0xff));
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

void write_gz(const fs::path& p, const std::vector<unsigned char>& bytes) {
    gzFile f = gzopen(p.c_str(), "wb");
    ASSERT_TRUE(f);
    ASSERT_EQ(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
    gzclose(f);
}

// Three 28x28 images (pixel (r, c) of image k = (k * 50 + r + c) % 256) and labels 7, 0, 3.
void write_tiny_split(const fs::path& dir, const std::string& prefix) {
    std::vector<unsigned char> px;
    for (int k = 0; k < 3; ++k)
        for (int r = 0; r < 28; ++r)
            for (int c = 0; c < 28; ++c) px.push_back(static_cast<unsigned char>((k * 50 + r + c) % 256));
    write_gz(dir / (prefix + "-images-idx3-ubyte.gz"), idx_bytes({3, 28, 28}, px));
    write_gz(dir / (prefix + "-labels-idx1-ubyte.gz"), idx_bytes({3}, {7, 0, 3}));
}

std::string load_error(const fs::path& dir) {
    try {
        load_fashion_mnist(dir.string(), "train");
    } catch (const depthbias::IoError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(IdxLoader, ReadsATinyGzipFilePaddedAndNormalised) {
    const auto dir = fresh_dir("tiny");
    write_tiny_split(dir, "train");
    const Dataset d = load_fashion_mnist(dir.string(), "train");
    ASSERT_EQ(d.size(), 3);
    EXPECT_EQ(d.side, 32);
    EXPECT_EQ(d.labels, (std::vector<std::int64_t>{7, 0, 3}));
    EXPECT_EQ(d.clean_labels, d.labels);
    auto px = [&](int k, int r, int c) { return d.images[size_t(k * 1024 + r * 32 + c)]; };
    const float pad = float((0.0 - 0.1307) / 0.3081);
    EXPECT_FLOAT_EQ(px(0, 0, 0), pad);    // padding is normalised zero
    EXPECT_FLOAT_EQ(px(2, 31, 31), pad);
    EXPECT_FLOAT_EQ(px(1, 1, 30), pad);
    // image 1, source pixel (r, c) = (5, 9) -> (7, 11) after padding; value (50 + 14) = 64.
    EXPECT_FLOAT_EQ(px(1, 7, 11), float((64 / 255.0 - 0.1307) / 0.3081));
    fs::remove_all(dir);
}

TEST(IdxLoader, ReadsAPlainIdxFileToo) {
    const auto dir = fresh_dir("plain");
    const auto b = idx_bytes({4}, {1, 2, 3, 4});
    std::ofstream(dir / "x.idx", std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
    const IdxArray a = read_idx((dir / "x.idx").string());
    EXPECT_EQ(a.dims, (std::vector<std::int64_t>{4}));
    EXPECT_EQ(a.data, (std::vector<std::uint8_t>{1, 2, 3, 4}));
    fs::remove_all(dir);
}

TEST(IdxLoader, TruncatedFileIsAClearErrorNamingFileAndPackage) {
    const auto dir = fresh_dir("trunc");
    write_tiny_split(dir, "train");
    // Rewrite the images with one image fewer than the header announces.
    std::vector<unsigned char> px(2 * 28 * 28, 1);
    write_gz(dir / "train-images-idx3-ubyte.gz", idx_bytes({3, 28, 28}, px));
    const std::string msg = load_error(dir);
    EXPECT_NE(msg.find("train-images-idx3-ubyte.gz"), std::string::npos) << msg;
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
    EXPECT_NE(msg.find("dataset-fashion-mnist"), std::string::npos) << msg;
    fs::remove_all(dir);
}

TEST(IdxLoader, CutGzipStreamIsAClearError) {
    const auto dir = fresh_dir("cutgz");
    write_tiny_split(dir, "train");
    const auto p = dir / "train-images-idx3-ubyte.gz";
    const auto size = fs::file_size(p);
    fs::resize_file(p, size / 2);  // a download cut in the middle of the gzip stream
    const std::string msg = load_error(dir);
    EXPECT_NE(msg.find("train-images-idx3-ubyte.gz"), std::string::npos) << msg;
    EXPECT_TRUE(msg.find("truncated") != std::string::npos || msg.find("damaged") != std::string::npos) << msg;
    fs::remove_all(dir);
}

TEST(IdxLoader, BadMagicAndMissingFilesAreClearErrors) {
    const auto dir = fresh_dir("magic");
    write_tiny_split(dir, "train");
    write_gz(dir / "train-labels-idx1-ubyte.gz", {1, 2, 8, 1, 0, 0, 0, 3, 7, 0, 3});
    std::string msg = load_error(dir);
    EXPECT_NE(msg.find("train-labels-idx1-ubyte.gz"), std::string::npos) << msg;
    EXPECT_NE(msg.find("magic"), std::string::npos) << msg;
    fs::remove(dir / "train-labels-idx1-ubyte.gz");
    msg = load_error(dir);
    EXPECT_NE(msg.find("train-labels-idx1-ubyte.gz"), std::string::npos) << msg;
    EXPECT_NE(msg.find("no such file"), std::string::npos) << msg;
    EXPECT_NE(msg.find("apt-get install dataset-fashion-mnist"), std::string::npos) << msg;
    // Labels and images that disagree in count.
    write_gz(dir / "train-labels-idx1-ubyte.gz", idx_bytes({2}, {1, 2}));
    msg = load_error(dir);
    EXPECT_NE(msg.find("2 labels"), std::string::npos) << msg;
    fs::remove_all(dir);
}

TEST(LabelCorruption, AuthorsProtocolIsNumpyExact) {
    // python: np.random.seed(12345); np.random.rand(3); np.random.randint(0, 10, size=5);
    //         np.random.randint(0, 3, size=5)
    NumpyLegacyRandom r(12345);
    EXPECT_DOUBLE_EQ(r.random_sample(), 0.9296160928171479);
    EXPECT_DOUBLE_EQ(r.random_sample(), 0.3163755545817859);
    EXPECT_DOUBLE_EQ(r.random_sample(), 0.18391881167709445);
    for (std::int64_t v : {5, 2, 1, 6, 1}) EXPECT_EQ(r.randint(10), v);
    for (std::int64_t v : {2, 1, 2, 0, 2}) EXPECT_EQ(r.randint(3), v);
    // utils.corrupt_labels with p = 0.5 on labels [i % 10 for i in range(30)].
    std::vector<std::int64_t> y;
    for (int i = 0; i < 30; ++i) y.push_back(i % 10);
    corrupt_labels_authors(y, 0.5, 10, 12345);
    EXPECT_EQ(y, (std::vector<std::int64_t>{0, 4, 5, 3, 4, 9, 6, 7, 8, 1, 7, 1, 2, 3, 4,
                                            5, 6, 7, 5, 3, 5, 1, 5, 3, 4, 5, 6, 7, 8, 9}));
    // p = 0.25 on 60000 zeros: 13474 nonzero labels, sum 67569 (about 0.9 p of the labels end up wrong).
    std::vector<std::int64_t> z(60000, 0);
    corrupt_labels_authors(z, 0.25, 10, 12345);
    std::int64_t nonzero = 0, sum = 0;
    for (auto v : z) {
        nonzero += v != 0;
        sum += v;
    }
    EXPECT_EQ(nonzero, 13474);
    EXPECT_EQ(sum, 67569);
    EXPECT_EQ(z[2], 5);
    EXPECT_EQ(z[36], 9);
}

TEST(LabelCorruption, ExactVariantChangesExactlyPmLabelsToOtherClasses) {
    std::vector<std::int64_t> y;
    for (int i = 0; i < 1000; ++i) y.push_back(i % 10);
    const auto orig = y;
    corrupt_labels_exact(y, 0.1, 10, 3);
    int changed = 0;
    for (size_t i = 0; i < y.size(); ++i) {
        changed += y[i] != orig[i];
        EXPECT_GE(y[i], 0);
        EXPECT_LT(y[i], 10);
    }
    EXPECT_EQ(changed, 100);
    auto y2 = orig;
    corrupt_labels_exact(y2, 0.1, 10, 3);
    EXPECT_EQ(y, y2);  // seeded
}

TEST(Subsampling, KeepsMPerClassInFileOrder) {
    DataSplit s = gaussian_mixture(3, 4, 20, 5, 1.0, 0.5, 1);
    const Dataset d = subsample_per_class(s.train, 7, 0, "data.train_per_class");
    ASSERT_EQ(d.size(), 21);
    std::vector<int> count(3, 0);
    for (auto y : d.labels) ++count[size_t(y)];
    EXPECT_EQ(count, (std::vector<int>{7, 7, 7}));
    EXPECT_TRUE(std::is_sorted(d.source_index.begin(), d.source_index.end()));
    EXPECT_EQ(std::set<std::int64_t>(d.source_index.begin(), d.source_index.end()).size(), 21u);
    EXPECT_THROW(subsample_per_class(s.train, 21, 0, "data.train_per_class"), depthbias::ConfigError);
}

TEST(GaussianMixture, IsSeededAndClassSeparated) {
    const DataSplit a = gaussian_mixture(4, 8, 10, 10, 1.0, 0.1, 5), b = gaussian_mixture(4, 8, 10, 10, 1.0, 0.1, 5);
    EXPECT_EQ(a.train.images, b.train.images);
    EXPECT_EQ(a.train.size(), 40);
    EXPECT_EQ(a.test.size(), 40);
    // Same-class samples are closer than different-class ones at low noise.
    auto dist = [&](int i, int j) {
        double s = 0;
        for (int k = 0; k < 64; ++k) {
            const double v = a.train.images[size_t(i * 64 + k)] - a.train.images[size_t(j * 64 + k)];
            s += v * v;
        }
        return s;
    };
    EXPECT_LT(dist(0, 4), dist(0, 1));  // samples 0 and 4 are class 0; sample 1 is class 1
}
