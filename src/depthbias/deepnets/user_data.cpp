#include "depthbias/deepnets/user_data.hpp"

#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "depthbias/core/error.hpp"

namespace depthbias::deepnets {
namespace fs = std::filesystem;

namespace {

// A file of the user's data set: its path, format and config key, for the messages.
struct Source {
    std::string path, format, key;
    [[noreturn]] void fail(const std::string& what) const {
        throw IoError("cannot read " + format + " file '" + path + "' (" + key + "): " + what);
    }
};

// The whole file, gunzipped when it is gzip (zlib reads plain files as they are).
std::vector<std::uint8_t> read_all(const Source& s) {
    std::error_code ec;
    if (!fs::exists(s.path, ec)) s.fail("no such file");
    if (!fs::is_regular_file(s.path, ec)) s.fail("not a regular file");
    gzFile f = gzopen(s.path.c_str(), "rb");
    if (!f) s.fail("cannot open");
    std::vector<std::uint8_t> out, buf(1 << 20);
    for (;;) {
        const int n = gzread(f, buf.data(), unsigned(buf.size()));
        if (n < 0) {
            int err = 0;
            const std::string msg = gzerror(f, &err);
            gzclose(f);
            s.fail("damaged gzip data (" + msg + ")");
        }
        if (n == 0) break;
        out.insert(out.end(), buf.begin(), buf.begin() + n);
    }
    int err = 0;
    const char* msg = gzerror(f, &err);
    const std::string m = msg ? msg : "";
    gzclose(f);
    if (err != Z_OK && err != Z_STREAM_END) s.fail("damaged or truncated gzip data (" + m + ")");
    return out;
}

// An array as read from a file: dims and the values as doubles (images) or integers (labels).
struct Array {
    std::vector<std::int64_t> dims;
    std::vector<double> values;
};

std::string dims_text(const std::vector<std::int64_t>& d) {
    std::string s;
    for (auto x : d) s += (s.empty() ? "" : " x ") + std::to_string(x);
    return s.empty() ? "a scalar" : s;
}

Array read_idx_array(const Source& s) {
    const IdxArray a = read_idx(s.path, s.key);  // its IoError names the file, and the key as the hint
    Array out;
    out.dims = a.dims;
    out.values.assign(a.data.begin(), a.data.end());
    return out;
}

// .npy: "\x93NUMPY", version, header length, a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}.
Array read_npy_array(const Source& s, bool integers_only) {
    const std::vector<std::uint8_t> b = read_all(s);
    if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0)
        s.fail("bad magic number (not a .npy file: it must start with \\x93NUMPY)");
    const int major = b[6];
    size_t hlen = 0, start = 0;
    if (major == 1) {
        hlen = size_t(b[8]) | size_t(b[9]) << 8;
        start = 10;
    } else if (major == 2 || major == 3) {
        if (b.size() < 12) s.fail("truncated header");
        hlen = size_t(b[8]) | size_t(b[9]) << 8 | size_t(b[10]) << 16 | size_t(b[11]) << 24;
        start = 12;
    } else {
        s.fail("unsupported .npy format version " + std::to_string(major));
    }
    if (b.size() < start + hlen) s.fail("truncated header");
    const std::string h(reinterpret_cast<const char*>(b.data() + start), hlen);
    auto value_of = [&](const std::string& key) -> std::string {
        const auto k = h.find("'" + key + "'");
        if (k == std::string::npos) s.fail("the header has no '" + key + "' entry");
        const auto colon = h.find(':', k);
        if (colon == std::string::npos) s.fail("malformed header");
        return h.substr(colon + 1);
    };
    std::string descr = value_of("descr");
    {
        const auto q1 = descr.find('\''), q2 = descr.find('\'', q1 + 1);
        if (q1 == std::string::npos || q2 == std::string::npos) s.fail("malformed 'descr' in the header");
        descr = descr.substr(q1 + 1, q2 - q1 - 1);
    }
    const std::string fortran = value_of("fortran_order");
    if (fortran.find("True") < fortran.find("False"))
        s.fail("Fortran-ordered arrays are not supported (save it with np.ascontiguousarray)");
    Array out;
    {
        const std::string sh = value_of("shape");
        const auto open = sh.find('('), close = sh.find(')');
        if (open == std::string::npos || close == std::string::npos) s.fail("malformed 'shape' in the header");
        std::stringstream in(sh.substr(open + 1, close - open - 1));
        std::string item;
        while (std::getline(in, item, ',')) {
            const auto first = item.find_first_not_of(" \t");
            if (first == std::string::npos) continue;
            char* end = nullptr;
            const long long v = std::strtoll(item.c_str() + first, &end, 10);
            if (end == item.c_str() + first || v < 0) s.fail("malformed 'shape' in the header");
            out.dims.push_back(v);
        }
    }
    struct Type {
        const char* descr;
        size_t size;
        bool integer;
    };
    static const Type types[] = {{"|u1", 1, true},  {"<u1", 1, true},  {"|i1", 1, true},  {"<i1", 1, true},
                                 {"<i2", 2, true},  {"<u2", 2, true},  {"<i4", 4, true},  {"<u4", 4, true},
                                 {"<i8", 8, true},  {"<u8", 8, true},  {"<f4", 4, false}, {"<f8", 8, false}};
    const Type* t = nullptr;
    for (const auto& x : types)
        if (descr == x.descr) t = &x;
    if (!t || (integers_only && !t->integer) || (!integers_only && descr != "|u1" && descr != "<u1" && descr != "<f4"))
        s.fail("unsupported dtype '" + descr + "' (" +
               (integers_only ? std::string("labels: a little-endian integer type")
                              : std::string("images: uint8 (|u1) or float32 (<f4)")) + ")");
    std::uint64_t count = 1;
    for (auto d : out.dims) count *= std::uint64_t(d);
    const std::uint64_t have = b.size() - start - hlen, want = count * t->size;
    if (have != want)
        s.fail("size mismatch: the header announces " + dims_text(out.dims) + " of " + descr + " (" +
               std::to_string(want) + " bytes), the file holds " + std::to_string(have) +
               (have < want ? " (truncated)" : " (trailing bytes)"));
    out.values.resize(count);
    const std::uint8_t* p = b.data() + start + hlen;
    for (std::uint64_t i = 0; i < count; ++i, p += t->size) {
        double v = 0;
        if (descr == "<f4") {
            float f;
            std::memcpy(&f, p, 4);
            v = f;
        } else if (descr == "<f8") {
            std::memcpy(&v, p, 8);
        } else {
            std::uint64_t u = 0;
            for (size_t k = 0; k < t->size; ++k) u |= std::uint64_t(p[k]) << (8 * k);
            const bool is_signed = descr[1] == 'i';
            if (is_signed && t->size < 8 && (u >> (8 * t->size - 1)) & 1) u |= ~std::uint64_t(0) << (8 * t->size);
            v = is_signed ? double(std::int64_t(u)) : double(u);
        }
        out.values[i] = v;
    }
    return out;
}

// CSV: label, pixels... per row. Returns the labels and the images as an N x P array.
std::pair<Array, Array> read_csv_arrays(const Source& s) {
    const std::vector<std::uint8_t> b = read_all(s);
    Array labels, images;
    std::int64_t width = -1, rows = 0, line_no = 0;
    size_t pos = 0;
    while (pos < b.size()) {
        size_t end = pos;
        while (end < b.size() && b[end] != '\n') ++end;
        std::string line(reinterpret_cast<const char*>(b.data() + pos), end - pos);
        pos = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        std::vector<double> fields;
        size_t i = 0;
        bool header = false;
        for (size_t f = 0;; ++f) {
            const size_t comma = line.find(',', i);
            const std::string field = line.substr(i, comma == std::string::npos ? std::string::npos : comma - i);
            const char* c = field.c_str();
            char* e = nullptr;
            const double v = std::strtod(c, &e);
            while (e && (*e == ' ' || *e == '\t')) ++e;
            if (e == c || *e != '\0') {
                if (rows == 0 && line_no == 1 && f == 0) {
                    header = true;  // a header line ("label,pixel1,...")
                    break;
                }
                s.fail("line " + std::to_string(line_no) + ", field " + std::to_string(f + 1) + ": '" + field +
                       "' is not a number");
            }
            fields.push_back(v);
            if (comma == std::string::npos) break;
            i = comma + 1;
        }
        if (header) continue;
        if (fields.size() < 2)
            s.fail("line " + std::to_string(line_no) + " holds " + std::to_string(fields.size()) +
                   " field(s); a row is the label, then the pixels");
        if (width < 0) width = std::int64_t(fields.size());
        if (std::int64_t(fields.size()) != width)
            s.fail("line " + std::to_string(line_no) + " holds " + std::to_string(fields.size()) + " fields, the first "
                   "row " + std::to_string(width) + " (every row: the label, then the same number of pixels)");
        const double y = fields[0];
        if (!(y == std::floor(y)) || !std::isfinite(y))
            s.fail("line " + std::to_string(line_no) + ": the label '" + std::to_string(y) + "' is not an integer");
        labels.values.push_back(y);
        for (size_t k = 1; k < fields.size(); ++k) {
            if (!std::isfinite(fields[k]))
                s.fail("line " + std::to_string(line_no) + ", pixel " + std::to_string(k) + " is " +
                       (std::isnan(fields[k]) ? "NaN" : "infinite"));
            images.values.push_back(fields[k]);
        }
        ++rows;
    }
    if (rows == 0) s.fail("no data rows");
    labels.dims = {rows};
    images.dims = {rows, width - 1};
    return {labels, images};
}

}  // namespace

bool is_user_dataset(const std::string& d) { return d == "idx" || d == "npy" || d == "csv"; }

Dataset load_user_split(const DeepConfig& cfg, const std::string& split) {
    if (split != "train" && split != "test") throw ConfigError("split", "must be train or test, got '" + split + "'");
    if (!is_user_dataset(cfg.dataset))
        throw ConfigError("data.dataset", "'" + cfg.dataset + "' is not a user data format (idx | npy | csv)");
    const bool train = split == "train";
    const std::string format = cfg.dataset == "idx" ? "IDX" : cfg.dataset == "npy" ? "NPY" : "CSV";
    const Source img_src{train ? cfg.train_images : cfg.test_images, format,
                         train ? "data.train_images" : "data.test_images"};
    const Source lab_src{train ? cfg.train_labels : cfg.test_labels, format,
                         train ? "data.train_labels" : "data.test_labels"};
    Array img, lab;
    if (cfg.dataset == "csv") {
        std::tie(lab, img) = read_csv_arrays(img_src);
    } else if (cfg.dataset == "idx") {
        img = read_idx_array(img_src);
        lab = read_idx_array(lab_src);
    } else {
        img = read_npy_array(img_src, false);
        lab = read_npy_array(lab_src, true);
    }
    // Geometry: N x S x S, N x C x S x S, or (csv) N x (C S^2).
    std::int64_t n = img.dims.empty() ? 0 : img.dims[0], channels = 1, side = 0;
    if (cfg.dataset == "csv") {
        const std::int64_t pixels = img.dims[1];
        channels = cfg.channels;
        side = std::int64_t(std::llround(std::sqrt(double(pixels) / double(channels))));
        if (pixels % channels != 0 || side * side * channels != pixels)
            img_src.fail("a row holds " + std::to_string(pixels) + " pixels, not data.channels = " +
                         std::to_string(channels) + " times a square number (non-square images)");
    } else {
        if (img.dims.size() != 3 && img.dims.size() != 4)
            img_src.fail("expected images N x S x S or N x C x S x S, got " + dims_text(img.dims));
        const size_t r = img.dims.size() - 2;
        if (img.dims[r] != img.dims[r + 1])
            img_src.fail("non-square images (" + std::to_string(img.dims[r]) + " x " + std::to_string(img.dims[r + 1]) +
                         "): the networks take S x S images");
        side = img.dims[r];
        channels = img.dims.size() == 4 ? img.dims[1] : 1;
        if (lab.dims.size() != 1) lab_src.fail("expected a 1-dimensional label array, got " + dims_text(lab.dims));
        if (lab.dims[0] != n)
            lab_src.fail("holds " + std::to_string(lab.dims[0]) + " labels but " + img_src.path + " holds " +
                         std::to_string(n) + " images");
    }
    if (n < 1) img_src.fail("holds no images");
    if (side < 1) img_src.fail("holds images of side 0");
    if (channels > 64) img_src.fail("holds " + std::to_string(channels) + " channels (at most 64)");
    Dataset d;
    d.channels = int(channels);
    d.side = int(side);
    d.classes = int(cfg.classes);
    d.labels.resize(size_t(n));
    const Source& label_file = cfg.dataset == "csv" ? img_src : lab_src;
    for (std::int64_t i = 0; i < n; ++i) {
        const double y = lab.values[size_t(i)];
        if (!(y >= 0 && y < double(cfg.classes)))
            label_file.fail("label " + std::to_string(std::int64_t(y)) + " of sample " + std::to_string(i) +
                            " is outside 0.." + std::to_string(cfg.classes - 1) + " (data.classes = " +
                            std::to_string(cfg.classes) + ")");
        d.labels[size_t(i)] = std::int64_t(y);
    }
    d.images.resize(img.values.size());
    for (size_t k = 0; k < img.values.size(); ++k) {
        const double v = img.values[k];
        if (!std::isfinite(v))
            img_src.fail(std::string(std::isnan(v) ? "NaN" : "infinite") + " pixel in image " +
                         std::to_string(std::int64_t(k) / (channels * side * side)));
        d.images[k] = float((v / cfg.pixel_scale - cfg.normalize_mean) / cfg.normalize_std);
    }
    d.clean_labels = d.labels;
    d.source_index.resize(size_t(n));
    std::iota(d.source_index.begin(), d.source_index.end(), std::int64_t(0));
    return d;
}

}  // namespace depthbias::deepnets
