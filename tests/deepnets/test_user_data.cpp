// Your own data (deepnets/user_data.hpp): IDX (gzip and plain), NPY (uint8 and float32, 3-d and 4-d) and CSV files
// generated here load with the right geometry, labels and normalisation, train end to end, and every error path
// (missing file, bad magic, size mismatch, label out of range, non-square images, NaN pixels, ...) is an error
// naming the file and its config key.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "depthbias/core/error.hpp"
#include "depthbias/deepnets/deep_config.hpp"
#include "depthbias/deepnets/trainer.hpp"
#include "depthbias/deepnets/user_data.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace depthbias::deepnets;
using depthbias::test_support::TempDir;

namespace {

using Bytes = std::vector<std::uint8_t>;

void put(const fs::path& p, const Bytes& b, bool gzip = false) {
    if (gzip) {
        gzFile f = gzopen(p.c_str(), "wb");
        gzwrite(f, b.data(), unsigned(b.size()));
        gzclose(f);
    } else {
        std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
    }
}

void be32(Bytes& b, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(std::uint8_t(v >> s));
}

Bytes idx(const std::vector<std::uint32_t>& dims, const Bytes& data) {
    Bytes b = {0, 0, 0x08, std::uint8_t(dims.size())};
    for (auto d : dims) be32(b, d);
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

Bytes npy(const std::string& descr, const std::vector<std::int64_t>& shape, const Bytes& data) {
    std::string sh;
    for (auto d : shape) sh += std::to_string(d) + ", ";
    std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + sh + "), }";
    while ((10 + h.size() + 1) % 64 != 0) h += ' ';
    h += '\n';
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, std::uint8_t(h.size() & 0xff), std::uint8_t(h.size() >> 8)};
    b.insert(b.end(), h.begin(), h.end());
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

Bytes floats(const std::vector<float>& v) {
    Bytes b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

Bytes int64s(const std::vector<std::int64_t>& v) {
    Bytes b(v.size() * 8);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

// n images of side s: pixel (i, k) = (i * 7 + k) % 256; labels i % classes.
Bytes pixels(int n, int per_image) {
    Bytes b;
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < per_image; ++k) b.push_back(std::uint8_t((i * 7 + k) % 256));
    return b;
}
Bytes label_bytes(int n, int classes) {
    Bytes b;
    for (int i = 0; i < n; ++i) b.push_back(std::uint8_t(i % classes));
    return b;
}

DeepConfig config(const std::string& format, const fs::path& dir, const std::string& stem = "") {
    DeepConfig c;
    c.dataset = format;
    const std::string ext = format == "idx" ? ".idx" : format == "npy" ? ".npy" : ".csv";
    c.train_images = (dir / (stem + "train_images" + ext)).string();
    c.test_images = (dir / (stem + "test_images" + ext)).string();
    if (format != "csv") {
        c.train_labels = (dir / (stem + "train_labels" + ext)).string();
        c.test_labels = (dir / (stem + "test_labels" + ext)).string();
    }
    c.classes = 3;
    c.train_per_class = 0;
    c.test_per_class = 0;
    return c;
}

// The message of the IoError (or ConfigError) `f` throws; "" when it does not throw.
std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

void expect_names(const std::string& msg, const std::string& file, const std::string& key, const std::string& what) {
    EXPECT_NE(msg.find(file), std::string::npos) << msg;
    EXPECT_NE(msg.find(key), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
}

void write_idx_set(const fs::path& dir, bool gzip) {
    put(dir / "train_images.idx", idx({12, 4, 4}, pixels(12, 16)), gzip);
    put(dir / "train_labels.idx", idx({12}, label_bytes(12, 3)), gzip);
    put(dir / "test_images.idx", idx({6, 4, 4}, pixels(6, 16)), gzip);
    put(dir / "test_labels.idx", idx({6}, label_bytes(6, 3)), gzip);
}

std::string csv_text(int n, int per_image, int classes) {
    std::string s = "label";
    for (int k = 0; k < per_image; ++k) s += ",p" + std::to_string(k);
    s += "\n";
    for (int i = 0; i < n; ++i) {
        s += std::to_string(i % classes);
        for (int k = 0; k < per_image; ++k) s += "," + std::to_string((i * 7 + k) % 256);
        s += "\n";
    }
    return s;
}

void put_text(const fs::path& p, const std::string& t) { std::ofstream(p) << t; }

}  // namespace

TEST(UserData, IdxGzipAndPlainLoadWithTheirGeometryLabelsAndNormalisation) {
    for (bool gzip : {false, true}) {
        TempDir dir("userdata-idx");
        write_idx_set(dir.path(), gzip);
        const DeepConfig c = config("idx", dir.path());
        validate(c);
        const DataSplit s = load_data(c);
        EXPECT_EQ(s.train.size(), 12);
        EXPECT_EQ(s.test.size(), 6);
        EXPECT_EQ(s.train.side, 4);
        EXPECT_EQ(s.train.channels, 1);
        EXPECT_EQ(s.train.classes, 3);
        EXPECT_EQ(s.train.labels[4], 1);
        // pixel (1, 2) = 9: (9 / 255 - 0.1307) / 0.3081
        EXPECT_FLOAT_EQ(s.train.images[16 + 2], float((9.0 / 255.0 - 0.1307) / 0.3081));
        EXPECT_NE(s.source.find("idx:"), std::string::npos);
    }
}

TEST(UserData, NpyUint8AndFloat32ThreeAndFourDimensionalLoad) {
    TempDir dir("userdata-npy");
    // float32, N x C x S x S with 2 channels, int64 labels; pixel_scale 1 (already in [0, 1]), mean 0, std 1.
    std::vector<float> v(10 * 2 * 4 * 4);
    for (size_t i = 0; i < v.size(); ++i) v[i] = float(i % 17) / 16.0f;
    put(dir / "train_images.npy", npy("<f4", {10, 2, 4, 4}, floats(v)));
    put(dir / "train_labels.npy", npy("<i8", {10}, int64s({0, 1, 2, 0, 1, 2, 0, 1, 2, 0})));
    put(dir / "test_images.npy", npy("<f4", {10, 2, 4, 4}, floats(v)), true);  // gzip works too
    put(dir / "test_labels.npy", npy("|u1", {10}, label_bytes(10, 3)));
    DeepConfig c = config("npy", dir.path());
    c.pixel_scale = 1;
    c.normalize_mean = 0;
    c.normalize_std = 1;
    const DataSplit s = load_data(c);
    EXPECT_EQ(s.train.channels, 2);
    EXPECT_EQ(s.train.side, 4);
    EXPECT_EQ(s.train.features(), 32);
    EXPECT_FLOAT_EQ(s.train.images[5], 5.0f / 16.0f);
    EXPECT_EQ(s.train.labels[8], 2);
    // uint8, N x S x S.
    put(dir / "u_train_images.npy", npy("|u1", {12, 4, 4}, pixels(12, 16)));
    put(dir / "u_train_labels.npy", npy("|u1", {12}, label_bytes(12, 3)));
    put(dir / "u_test_images.npy", npy("|u1", {6, 4, 4}, pixels(6, 16)));
    put(dir / "u_test_labels.npy", npy("<i4", {6}, Bytes{0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0}));
    const DataSplit u = load_data(config("npy", dir.path(), "u_"));
    EXPECT_EQ(u.train.channels, 1);
    EXPECT_EQ(u.test.labels[5], 2);
    EXPECT_FLOAT_EQ(u.train.images[16 + 2], float((9.0 / 255.0 - 0.1307) / 0.3081));
}

TEST(UserData, CsvWithAndWithoutHeaderAndChannels) {
    TempDir dir("userdata-csv");
    put_text(dir / "train_images.csv", csv_text(12, 16, 3));
    std::string no_header = csv_text(6, 16, 3);
    no_header = no_header.substr(no_header.find('\n') + 1);
    put_text(dir / "test_images.csv", no_header);
    DeepConfig c = config("csv", dir.path());
    const DataSplit s = load_data(c);
    EXPECT_EQ(s.train.size(), 12);
    EXPECT_EQ(s.test.size(), 6);
    EXPECT_EQ(s.train.side, 4);
    EXPECT_EQ(s.train.labels[5], 2);
    EXPECT_FLOAT_EQ(s.train.images[16 + 2], float((9.0 / 255.0 - 0.1307) / 0.3081));
    c.channels = 4;  // 16 pixels = 4 channels of 2 x 2
    const DataSplit four = load_data(c);
    EXPECT_EQ(four.train.channels, 4);
    EXPECT_EQ(four.train.side, 2);
}

TEST(UserData, EveryIdxErrorNamesTheFileAndTheKey) {
    TempDir dir("userdata-idx-errors");
    write_idx_set(dir.path(), true);
    const DeepConfig c = config("idx", dir.path());
    const std::string img = c.train_images, lab = c.train_labels;
    auto load = [&] { load_data(c); };
    // Missing file.
    fs::remove(img);
    expect_names(error_of(load), img, "data.train_images", "no such file");
    // Bad magic.
    put(img, Bytes{1, 2, 3, 4, 5, 6, 7, 8});
    expect_names(error_of(load), img, "data.train_images", "bad magic");
    // Size mismatch (one image short).
    put(img, idx({12, 4, 4}, pixels(11, 16)));
    expect_names(error_of(load), img, "data.train_images", "size mismatch");
    // Non-square images.
    put(img, idx({12, 4, 2}, pixels(12, 8)));
    expect_names(error_of(load), img, "data.train_images", "non-square");
    // Label and image counts differ.
    put(img, idx({12, 4, 4}, pixels(12, 16)));
    put(lab, idx({11}, label_bytes(11, 3)));
    expect_names(error_of(load), lab, "data.train_labels", "11 labels");
    // Label out of range (data.classes = 3).
    put(lab, idx({12}, label_bytes(12, 4)));
    expect_names(error_of(load), lab, "data.train_labels", "outside 0..2");
    // Test images of another side than the training images.
    put(lab, idx({12}, label_bytes(12, 3)));
    put(c.test_images, idx({6, 8, 8}, pixels(6, 64)));
    expect_names(error_of(load), c.test_images, "data.test_images", "8 x 8");
}

TEST(UserData, EveryNpyErrorNamesTheFileAndTheKey) {
    TempDir dir("userdata-npy-errors");
    put(dir / "train_images.npy", npy("|u1", {12, 4, 4}, pixels(12, 16)));
    put(dir / "train_labels.npy", npy("|u1", {12}, label_bytes(12, 3)));
    put(dir / "test_images.npy", npy("|u1", {6, 4, 4}, pixels(6, 16)));
    put(dir / "test_labels.npy", npy("|u1", {6}, label_bytes(6, 3)));
    const DeepConfig c = config("npy", dir.path());
    ASSERT_NO_THROW(load_data(c));
    const std::string img = c.test_images, lab = c.test_labels;
    auto load = [&] { load_data(c); };
    fs::remove(lab);
    expect_names(error_of(load), lab, "data.test_labels", "no such file");
    put(lab, Bytes{'N', 'O', 'T', 'N', 'P', 'Y', 1, 0, 0, 0, 0, 0});
    expect_names(error_of(load), lab, "data.test_labels", "bad magic");
    put(lab, npy("|u1", {6}, label_bytes(5, 3)));
    expect_names(error_of(load), lab, "data.test_labels", "size mismatch");
    put(lab, npy("<f4", {6}, floats({0, 1, 2, 0, 1, 2})));
    expect_names(error_of(load), lab, "data.test_labels", "unsupported dtype");
    put(lab, npy("|u1", {6}, Bytes{0, 1, 2, 0, 1, 7}));
    expect_names(error_of(load), lab, "data.test_labels", "label 7 of sample 5");
    put(lab, npy("<i8", {6}, int64s({0, 1, -1, 0, 1, 2})));
    expect_names(error_of(load), lab, "data.test_labels", "label -1");
    put(lab, npy("|u1", {6}, label_bytes(6, 3)));
    put(img, npy("|u1", {6, 4, 3}, pixels(6, 12)));
    expect_names(error_of(load), img, "data.test_images", "non-square");
    put(img, npy("|u1", {6, 16}, pixels(6, 16)));
    expect_names(error_of(load), img, "data.test_images", "N x S x S");
    std::vector<float> v(6 * 16, 0.5f);
    v[40] = std::numeric_limits<float>::quiet_NaN();
    put(img, npy("<f4", {6, 4, 4}, floats(v)));
    expect_names(error_of(load), img, "data.test_images", "NaN pixel in image 2");
    v[40] = std::numeric_limits<float>::infinity();
    put(img, npy("<f4", {6, 4, 4}, floats(v)));
    expect_names(error_of(load), img, "data.test_images", "infinite pixel");
}

TEST(UserData, EveryCsvErrorNamesTheFileAndTheKey) {
    TempDir dir("userdata-csv-errors");
    put_text(dir / "train_images.csv", csv_text(12, 16, 3));
    put_text(dir / "test_images.csv", csv_text(6, 16, 3));
    const DeepConfig c = config("csv", dir.path());
    ASSERT_NO_THROW(load_data(c));
    const std::string f = c.train_images;
    auto load = [&] { load_data(c); };
    fs::remove(f);
    expect_names(error_of(load), f, "data.train_images", "no such file");
    put_text(f, csv_text(12, 15, 3));
    expect_names(error_of(load), f, "data.train_images", "non-square");
    put_text(f, csv_text(12, 16, 4));
    expect_names(error_of(load), f, "data.train_images", "outside 0..2");
    std::string t = csv_text(12, 16, 3);
    t.replace(t.find("\n1,") + 3, 1, "nan");  // a pixel of the second image
    put_text(f, t);
    expect_names(error_of(load), f, "data.train_images", "is NaN");
    t = csv_text(12, 16, 3);
    t.replace(t.find("\n1,") + 3, 1, "x");
    put_text(f, t);
    expect_names(error_of(load), f, "data.train_images", "not a number");
    t = csv_text(12, 16, 3);
    t += "0,1,2\n";
    put_text(f, t);
    expect_names(error_of(load), f, "data.train_images", "line 14 holds 3 fields");
    put_text(f, "label,p0\n");
    expect_names(error_of(load), f, "data.train_images", "no data rows");
}

TEST(UserData, ConfigKeysAreCheckedAndNamed) {
    DeepConfig c;
    c.dataset = "npy";
    auto key_of = [](const DeepConfig& d) {
        try {
            validate(d);
        } catch (const depthbias::ConfigError& e) {
            return e.key();
        }
        return std::string();
    };
    EXPECT_EQ(key_of(c), "data.train_images");
    c.train_images = "a.npy";
    c.test_images = "b.npy";
    EXPECT_EQ(key_of(c), "data.train_labels");
    c.dataset = "csv";
    EXPECT_EQ(key_of(c), "");
    c.test_labels = "l.csv";
    EXPECT_EQ(key_of(c), "data.test_labels");  // csv rows carry their labels
    c.test_labels = "";
    c.classes = 1;
    EXPECT_EQ(key_of(c), "data.classes");
    c.classes = 10;
    c.pixel_scale = 0;
    EXPECT_EQ(key_of(c), "data.pixel_scale");
    c.pixel_scale = 255;
    c.normalize_std = -1;
    EXPECT_EQ(key_of(c), "data.normalize_std");
}

TEST(UserData, TrainsEndToEndFromTheCommandLine) {
    TempDir dir("userdata-train");
    write_idx_set(dir.path(), true);
    const auto r = depthbias::test_support::run_cli(
        "deepnets train --quiet --no-figures --set data.dataset=idx --set data.train_images=" +
        (dir.path() / "train_images.idx").string() + " --set data.train_labels=" +
        (dir.path() / "train_labels.idx").string() + " --set data.test_images=" +
        (dir.path() / "test_images.idx").string() + " --set data.test_labels=" +
        (dir.path() / "test_labels.idx").string() +
        " --set data.classes=3 --set data.train_per_class=0 --set model.depth=2 --set model.width=8 "
        "--set train.epochs=2 --set metrics.every=0 --out " + (dir.path() / "run").string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(fs::exists(dir.path() / "run" / "summary.json"));
    // A missing file from the command line: exit 1, naming the file and the key.
    const auto bad = depthbias::test_support::run_cli(
        "deepnets train --quiet --no-figures --set data.dataset=csv --set data.train_images=/nonexistent/train.csv "
        "--set data.test_images=/nonexistent/test.csv --out " + (dir.path() / "bad").string());
    EXPECT_EQ(bad.code, 1) << bad.output;
    EXPECT_NE(bad.output.find("/nonexistent/train.csv"), std::string::npos) << bad.output;
    EXPECT_NE(bad.output.find("data.train_images"), std::string::npos) << bad.output;
}
