// Training loop, metric passes and checkpoints (one of the two translation units that include LibTorch).
#include "depthbias/deepnets/trainer.hpp"

#include <torch/version.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

#include "depthbias/core/blas.hpp"
#include "depthbias/core/error.hpp"
#include "depthbias/core/fault_injection.hpp"
#include "depthbias/core/rng.hpp"
#include "depthbias/deepnets/collapse_metrics.hpp"
#include "depthbias/deepnets/networks.hpp"
#include "depthbias/io/atomic_file.hpp"
#include "depthbias/io/gnuplot.hpp"
#include "depthbias/run/run_executor.hpp"
#include "depthbias/version.hpp"

namespace depthbias::deepnets {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kCheckpointFormat = 1;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string fmt_double(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

json depth_json(const std::optional<int>& d) { return d ? json(*d) : json("unfit"); }

// The tensors of a DataSplit (sharing its memory; the split must outlive them).
struct Tensors {
    torch::Tensor x_train, y_train, y_train_clean, x_test, y_test;
    const std::int64_t* metric_labels = nullptr;  // train or clean labels for the metrics
    const std::int64_t* train_labels = nullptr;
    const std::int64_t* clean_labels = nullptr;
    const std::int64_t* test_labels = nullptr;
    std::int64_t n_train = 0, n_test = 0;
    int classes = 10;
};

Tensors make_tensors(const DataSplit& d, const DeepConfig& cfg) {
    auto image_tensor = [](const Dataset& s) {
        return torch::from_blob(const_cast<float*>(s.images.data()), {s.size(), s.channels, s.side, s.side},
                                torch::kFloat32);
    };
    auto label_tensor = [](const std::vector<std::int64_t>& v) {
        return torch::from_blob(const_cast<std::int64_t*>(v.data()), {std::int64_t(v.size())}, torch::kInt64);
    };
    Tensors t;
    t.x_train = image_tensor(d.train);
    t.y_train = label_tensor(d.train.labels);
    t.y_train_clean = label_tensor(d.train.clean_labels);
    t.x_test = image_tensor(d.test);
    t.y_test = label_tensor(d.test.clean_labels);
    t.train_labels = d.train.labels.data();
    t.clean_labels = d.train.clean_labels.data();
    t.metric_labels = cfg.metric_labels == "clean" ? t.clean_labels : t.train_labels;
    t.test_labels = d.test.clean_labels.data();
    t.n_train = d.train.size();
    t.n_test = d.test.size();
    t.classes = d.train.classes;
    return t;
}

NetSpec net_spec(const DeepConfig& cfg, const DataSplit& d) {
    NetSpec s;
    s.arch = cfg.arch;
    s.depth = int(cfg.depth);
    s.width = int(cfg.width);
    s.channels = d.train.channels;
    s.side = d.train.side;
    s.classes = d.train.classes;
    s.eigen_gemm = cfg.gemm == "eigen";
    return s;
}

// ---------------------------------------------------------------------------------------------------------
// The metric pass: two passes over the training set, one or two over the test set, all layers at once. The
// second pass over a set reads the layer embeddings and predictions the first kept (metrics.cache_mb, float32,
// leading batches first) and forwards only the batches beyond that budget: one forward pass over the training
// set instead of two when everything fits. Same numbers bit for bit (eval mode, same batches: a batch's
// embeddings do not depend on when they are computed; test DeepMetrics.TheEmbeddingCacheChangesNoNumber).

struct Measurement {
    std::int64_t epoch = 0;
    std::vector<LayerMetrics> layers;
    double net_train_acc = 0, net_train_acc_clean = 0, net_test_acc = 0, net_train_loss = 0, net_test_loss = 0;
    EffectiveDepth ed;
    double seconds = 0, math_seconds = 0;
    double train_forwards = 0, test_forwards = 0;  // forward passes over each set, in units of the whole set
};

Measurement measure(NetImpl& net, const Tensors& t, const DeepConfig& cfg, std::int64_t epoch) {
    const auto t0 = Clock::now();
    torch::NoGradGuard no_grad;
    net.eval();
    const auto dims = net.embedding_dims();
    const int L = int(dims.size());
    std::vector<CollapseAccumulator> acc;
    acc.reserve(size_t(L));
    for (int l = 0; l < L; ++l) acc.emplace_back(t.classes, dims[size_t(l)]);
    const std::int64_t B = cfg.metric_batch;
    double math = 0;
    Measurement m;
    m.epoch = epoch;

    // Batches kept by the first pass over a set for the second (embeddings + predictions), within the budget.
    struct Kept {
        std::vector<torch::Tensor> embs;
        torch::Tensor pred;
    };
    std::int64_t budget = cfg.cache_mb * 1024 * 1024;
    std::int64_t forwarded = 0;  // samples forwarded
    auto over = [&](const torch::Tensor& x, std::int64_t n, std::vector<Kept>* keep, const std::vector<Kept>* kept,
                    auto&& body) {
        std::int64_t b = 0;
        for (std::int64_t s = 0; s < n; s += B, ++b) {
            const std::int64_t len = std::min(B, n - s);
            torch::Tensor logits, pred;
            std::vector<torch::Tensor> embs;
            if (kept && b < std::int64_t(kept->size())) {
                embs = (*kept)[size_t(b)].embs;
                pred = (*kept)[size_t(b)].pred;
            } else {
                std::tie(logits, embs) = net.forward_all(x.narrow(0, s, len), true);
                for (auto& e : embs) e = e.contiguous();
                pred = logits.argmax(1).contiguous();
                forwarded += len;
                if (keep) {
                    std::int64_t bytes = len * std::int64_t(sizeof(std::int64_t));
                    for (const auto& e : embs) bytes += e.numel() * e.element_size();
                    if (bytes <= budget && std::int64_t(keep->size()) == b) {
                        budget -= bytes;
                        keep->push_back({embs, pred});
                    }
                }
            }
            const auto tm = Clock::now();
            body(s, len, logits, embs, pred.data_ptr<std::int64_t>());
            math += seconds_since(tm);
        }
    };
    std::vector<Kept> kept;
    auto embedding = [](const torch::Tensor& e) { return e.contiguous(); };

    // Train pass 1: class means; the network's own train accuracy and loss.
    std::int64_t correct = 0, correct_clean = 0;
    double loss_sum = 0;
    over(t.x_train, t.n_train, &kept, nullptr, [&](std::int64_t s, std::int64_t len, const torch::Tensor& logits,
                                   std::vector<torch::Tensor>& embs, const std::int64_t* pred) {
        loss_sum += torch::nn::functional::cross_entropy(
                        logits, t.y_train.narrow(0, s, len),
                        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                        .item<double>();
        for (std::int64_t i = 0; i < len; ++i) {
            correct += pred[i] == t.train_labels[s + i];
            correct_clean += pred[i] == t.clean_labels[s + i];
        }
        for (int l = 0; l < L; ++l) {
            const auto e = embedding(embs[size_t(l)]);
            acc[size_t(l)].add_train_means(e.data_ptr<float>(), len, t.metric_labels + s);
        }
    });
    {
        const auto tm = Clock::now();
        for (auto& a : acc) a.finish_train_means();
        math += seconds_since(tm);
    }
    m.net_train_acc = double(correct) / double(t.n_train);
    m.net_train_acc_clean = double(correct_clean) / double(t.n_train);
    m.net_train_loss = loss_sum / double(t.n_train);
    // Train pass 2: NCC train error, within-class scatter, NC1, NC4.
    over(t.x_train, t.n_train, nullptr, &kept, [&](std::int64_t s, std::int64_t len, const torch::Tensor&,
                                   std::vector<torch::Tensor>& embs, const std::int64_t* pred) {
        for (int l = 0; l < L; ++l) {
            const auto e = embedding(embs[size_t(l)]);
            acc[size_t(l)].add_train_second(e.data_ptr<float>(), len, t.metric_labels + s, pred);
        }
    });
    m.train_forwards = double(forwarded) / double(std::max<std::int64_t>(1, t.n_train));
    forwarded = 0;
    kept.clear();  // the test set's turn (the budget freed)
    budget = cfg.cache_mb * 1024 * 1024;
    // Test pass 1: NCC test error with the train means; the network's test accuracy.
    correct = 0;
    loss_sum = 0;
    over(t.x_test, t.n_test, cfg.test_cdnv ? &kept : nullptr, nullptr, [&](std::int64_t s, std::int64_t len, const torch::Tensor& logits,
                                 std::vector<torch::Tensor>& embs, const std::int64_t* pred) {
        loss_sum += torch::nn::functional::cross_entropy(
                        logits, t.y_test.narrow(0, s, len),
                        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                        .item<double>();
        for (std::int64_t i = 0; i < len; ++i) correct += pred[i] == t.test_labels[s + i];
        for (int l = 0; l < L; ++l) {
            const auto e = embedding(embs[size_t(l)]);
            acc[size_t(l)].add_test_first(e.data_ptr<float>(), len, t.test_labels + s, pred);
        }
    });
    m.net_test_acc = t.n_test ? double(correct) / double(t.n_test) : std::nan("");
    m.net_test_loss = t.n_test ? loss_sum / double(t.n_test) : std::nan("");
    for (auto& a : acc) a.finish_test_means();
    // Test pass 2: the test CDNV (two-pass variance).
    if (cfg.test_cdnv)
        over(t.x_test, t.n_test, nullptr, &kept, [&](std::int64_t s, std::int64_t len, const torch::Tensor&,
                                     std::vector<torch::Tensor>& embs, const std::int64_t*) {
            for (int l = 0; l < L; ++l) {
                const auto e = embedding(embs[size_t(l)]);
                acc[size_t(l)].add_test_second(e.data_ptr<float>(), len, t.test_labels + s);
            }
        });
    std::vector<double> err;
    for (int l = 0; l < L; ++l) {
        m.layers.push_back(acc[size_t(l)].result(l + 1, cfg.test_cdnv));
        err.push_back(m.layers.back().ncc_train_err);
    }
    m.ed = effective_depth(err, cfg.epsilon);
    m.test_forwards = double(forwarded) / double(std::max<std::int64_t>(1, t.n_test));
    m.seconds = seconds_since(t0);
    m.math_seconds = math;
    return m;
}

json measurement_json(const Measurement& m, double eps) {
    json layers = json::array();
    for (const auto& l : m.layers)
        layers.push_back({{"layer", l.layer},
                          {"ncc_train_acc", num(1 - l.ncc_train_err)},
                          {"ncc_test_acc", num(1 - l.ncc_test_err)},
                          {"cdnv_train", num(l.cdnv_train)},
                          {"cdnv_test", num(l.cdnv_test)},
                          {"nc1", num(l.nc1)},
                          {"nc2_equinorm", num(l.nc2_equinorm)},
                          {"nc2_equiangular", num(l.nc2_equiangular)},
                          {"nc4_train_agree", num(l.nc4_train_agree)},
                          {"nc4_test_agree", num(l.nc4_test_agree)}});
    return {{"epoch", m.epoch},
            {"network_train_acc", num(m.net_train_acc)},
            {"network_train_acc_clean_labels", num(m.net_train_acc_clean)},
            {"network_train_loss", num(m.net_train_loss)},
            {"network_test_acc", num(m.net_test_acc)},
            {"network_test_loss", num(m.net_test_loss)},
            {"effective_depth", {{"epsilon", eps}, {"first", depth_json(m.ed.first)}, {"stays", depth_json(m.ed.stays)}}},
            {"metric_seconds", m.seconds},
            {"metric_forward_passes", {{"train", m.train_forwards}, {"test", m.test_forwards}}},
            {"layers", layers}};
}

// ---------------------------------------------------------------------------------------------------------
// Histories (CSV bodies + measurement JSON), kept in memory, written whole after every change and stored in
// the checkpoint so that a resumed run continues them exactly.

struct History {
    std::string training = "epoch,lr,train_loss,train_acc,epoch_seconds\n";
    std::string network =
        "epoch,network_train_acc,network_train_acc_clean_labels,network_test_acc,network_train_loss,"
        "network_test_loss,effective_depth_first,effective_depth_stays,metric_seconds\n";
    std::string metrics =
        "epoch,layer,ncc_train_acc,ncc_test_acc,cdnv_train,cdnv_test,nc1,nc2_equinorm,nc2_equiangular,"
        "nc4_train_agree,nc4_test_agree\n";
    json measurements = json::array();
    double train_seconds = 0, metric_seconds = 0;
    std::int64_t epochs_timed = 0, measurements_timed = 0;

    void add(const Measurement& m, double eps) {
        auto d = [](const std::optional<int>& v) { return v ? std::to_string(*v) : std::string("unfit"); };
        network += std::to_string(m.epoch) + "," + fmt_double(m.net_train_acc) + "," + fmt_double(m.net_train_acc_clean) +
                   "," + fmt_double(m.net_test_acc) + "," + fmt_double(m.net_train_loss) + "," +
                   fmt_double(m.net_test_loss) + "," + d(m.ed.first) + "," + d(m.ed.stays) + "," +
                   fmt_double(m.seconds) + "\n";
        for (const auto& l : m.layers)
            metrics += std::to_string(m.epoch) + "," + std::to_string(l.layer) + "," + fmt_double(1 - l.ncc_train_err) +
                       "," + fmt_double(1 - l.ncc_test_err) + "," + fmt_double(l.cdnv_train) + "," +
                       fmt_double(l.cdnv_test) + "," + fmt_double(l.nc1) + "," + fmt_double(l.nc2_equinorm) + "," +
                       fmt_double(l.nc2_equiangular) + "," + fmt_double(l.nc4_train_agree) + "," +
                       fmt_double(l.nc4_test_agree) + "\n";
        measurements.push_back(measurement_json(m, eps));
        metric_seconds += m.seconds;
        ++measurements_timed;
    }
    void write(const std::string& dir) const {
        write_file_atomically(dir + "/training.csv", training);
        write_file_atomically(dir + "/network.csv", network);
        write_file_atomically(dir + "/metrics.csv", metrics);
    }
};

std::string parameter_digest(torch::nn::Module& net) {
    std::uint64_t h = 1469598103934665603ULL;
    auto mix = [&](const torch::Tensor& t) {
        const auto c = t.contiguous();
        const auto* p = static_cast<const unsigned char*>(c.data_ptr());
        const size_t n = size_t(c.numel()) * c.element_size();
        for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
    };
    for (const auto& p : net.named_parameters()) mix(p.value());
    for (const auto& b : net.named_buffers()) mix(b.value());
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

// ---------------------------------------------------------------------------------------------------------
// Checkpoints.

torch::Tensor rng_state() {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
}
std::mutex& generator_mutex();

void set_rng_state(const torch::Tensor& s) {
    std::lock_guard<std::mutex> guard(generator_mutex());
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(s);
}

void save_checkpoint(const std::string& path, const std::string& config_toml, std::int64_t epochs_done,
                     torch::nn::Module& net, torch::optim::Optimizer& opt, const History& h) {
    torch::serialize::OutputArchive ar;
    ar.write("format", c10::IValue(kCheckpointFormat));
    ar.write("config", c10::IValue(config_toml));
    ar.write("epochs_done", c10::IValue(epochs_done));
    torch::serialize::OutputArchive model_ar, opt_ar;
    net.save(model_ar);
    opt.save(opt_ar);
    ar.write("model", model_ar);
    ar.write("optimizer", opt_ar);
    ar.write("torch_rng", rng_state(), /*is_buffer=*/true);
    ar.write("history_training", c10::IValue(h.training));
    ar.write("history_network", c10::IValue(h.network));
    ar.write("history_metrics", c10::IValue(h.metrics));
    ar.write("history_measurements", c10::IValue(h.measurements.dump()));
    ar.write("timing", c10::IValue(json{{"train_seconds", h.train_seconds},
                                         {"metric_seconds", h.metric_seconds},
                                         {"epochs_timed", h.epochs_timed},
                                         {"measurements_timed", h.measurements_timed}}
                                        .dump()));
    const std::string tmp = path + ".partial";
    try {
        ar.save_to(tmp);
    } catch (const c10::Error& e) {
        throw IoError("cannot write checkpoint " + tmp + ": " + e.what_without_backtrace());
    }
    kill_point_in_checkpoint();  // (tests: core/fault_injection.hpp)
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw IoError("cannot rename " + tmp + " to " + path + ": " + ec.message());
}

std::string read_string(torch::serialize::InputArchive& ar, const std::string& key) {
    c10::IValue v;
    ar.read(key, v);
    return v.toStringRef();
}

std::string first_difference(const std::string& a, const std::string& b) {
    std::istringstream sa(a), sb(b);
    std::string la, lb, section;
    while (true) {
        const bool ga = bool(std::getline(sa, la)), gb = bool(std::getline(sb, lb));
        if (!ga && !gb) return "";
        if (ga && !la.empty() && la[0] == '[') section = la;
        if (la != lb || ga != gb) return section + " '" + (ga ? la : "") + "' (checkpoint) vs '" + (gb ? lb : "") + "' (now)";
    }
}

// Returns epochs done.
std::int64_t load_checkpoint(const std::string& path, const std::string& config_toml, torch::nn::Module& net,
                             torch::optim::Optimizer& opt, History& h) {
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw ConfigError("--resume", "no checkpoint at '" + path + "' (nothing to resume; run without --resume)");
    torch::serialize::InputArchive ar;
    try {
        ar.load_from(path);
    } catch (const c10::Error& e) {
        throw IoError("cannot read checkpoint '" + path + "': " + e.what_without_backtrace());
    }
    c10::IValue v;
    ar.read("format", v);
    if (v.toInt() != kCheckpointFormat)
        throw IoError("checkpoint '" + path + "' has format " + std::to_string(v.toInt()) + ", expected " +
                      std::to_string(kCheckpointFormat));
    const std::string saved = read_string(ar, "config");
    if (saved != config_toml)
        throw ConfigError("--resume", "the checkpoint in '" + path + "' was written with a different config: " +
                                          first_difference(saved, config_toml));
    ar.read("epochs_done", v);
    const std::int64_t done = v.toInt();
    torch::serialize::InputArchive model_ar, opt_ar;
    ar.read("model", model_ar);
    ar.read("optimizer", opt_ar);
    net.load(model_ar);
    opt.load(opt_ar);
    torch::Tensor rng;
    ar.read("torch_rng", rng, /*is_buffer=*/true);
    set_rng_state(rng);
    h.training = read_string(ar, "history_training");
    h.network = read_string(ar, "history_network");
    h.metrics = read_string(ar, "history_metrics");
    h.measurements = json::parse(read_string(ar, "history_measurements"));
    const json timing = json::parse(read_string(ar, "timing"));
    h.train_seconds = timing["train_seconds"];
    h.metric_seconds = timing["metric_seconds"];
    h.epochs_timed = timing["epochs_timed"];
    h.measurements_timed = timing["measurements_timed"];
    return done;
}

// ---------------------------------------------------------------------------------------------------------

// The shuffle of 0-based epoch e: a pure function of (seed, e), so a resumed run needs no shuffler state.
std::vector<std::int64_t> epoch_permutation(std::int64_t n, std::int64_t seed, std::int64_t epoch) {
    std::vector<std::int64_t> p(static_cast<size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) p[size_t(i)] = i;
    Rng rng = Rng::stream(std::uint64_t(seed), 1000 + std::uint64_t(epoch));
    for (std::int64_t i = n - 1; i > 0; --i) std::swap(p[size_t(i)], p[size_t(rng.next() % std::uint64_t(i + 1))]);
    return p;
}

struct EpochResult {
    bool diverged = false;
    std::int64_t batch = 0;
    double bad_loss = 0;
    double loss = 0, acc = 0, seconds = 0;
};

EpochResult train_epoch(NetImpl& net, torch::optim::SGD& opt, const Tensors& t, const DeepConfig& cfg,
                        std::int64_t epoch, double lr) {
    const auto t0 = Clock::now();
    for (auto& g : opt.param_groups()) static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
    net.train();
    auto perm = epoch_permutation(t.n_train, cfg.seed, epoch);
    auto perm_t = torch::from_blob(perm.data(), {t.n_train}, torch::kInt64);
    EpochResult r;
    double loss_sum = 0;
    std::int64_t correct = 0, batch = 0;
    for (std::int64_t s = 0; s < t.n_train; s += cfg.batch_size, ++batch) {
        const std::int64_t len = std::min(cfg.batch_size, t.n_train - s);
        const auto idx = perm_t.narrow(0, s, len);
        const auto xb = t.x_train.index_select(0, idx);
        const auto yb = t.y_train.index_select(0, idx);
        const auto logits = net.forward(xb);
        auto loss = torch::nn::functional::cross_entropy(logits, yb);
        const double lv = loss.item<double>();
        if (!std::isfinite(lv)) {
            r.diverged = true;
            r.batch = batch + 1;
            r.bad_loss = lv;
            return r;
        }
        opt.zero_grad();
        loss.backward();
        opt.step();
        loss_sum += lv * double(len);
        correct += logits.argmax(1).eq(yb).sum().item<std::int64_t>();
    }
    r.loss = loss_sum / double(t.n_train);
    r.acc = double(correct) / double(t.n_train);
    r.seconds = seconds_since(t0);
    return r;
}

json manifest(const DeepConfig& cfg, const DataSplit& d) {
    json m = manifest_json(RunConfig{});  // host, versions, compiler, time (the linear engine's fields)
    m["seed"] = cfg.seed;
    m["module"] = "deepnets";
    m["libraries"]["torch"] = torch_version();
    m["libraries"]["blas"] = describe(blas_info());  // LibTorch's GEMM (run.gemm = torch) and LAPACK calls
    m["threads"] = cfg.threads;
    m["gemm"] = cfg.gemm;
    m["data"] = {{"source", d.source},
                 {"train_samples", d.train.size()},
                 {"test_samples", d.test.size()},
                 {"classes", d.train.classes},
                 {"input", {d.train.channels, d.train.side, d.train.side}},
                 {"corruption", cfg.corruption},
                 {"corruption_mode", cfg.corruption_mode},
                 {"realised_wrong_label_fraction", d.train.corrupted_fraction()}};
    return m;
}

void render_figures(const DeepConfig& cfg, const History& h, const std::string& dir, json& summary) {
    if (h.measurements.empty()) return;
    const json& last = h.measurements.back();
    // layers_final.csv: the last measurement per layer.
    std::string csv = "layer,ncc_train_acc,ncc_test_acc,cdnv_train,cdnv_test,nc1\n";
    auto v = [](const json& j) { return j.is_null() ? std::string("nan") : fmt_double(j.get<double>()); };
    for (const auto& l : last["layers"])
        csv += std::to_string(l["layer"].get<int>()) + "," + v(l["ncc_train_acc"]) + "," + v(l["ncc_test_acc"]) + "," +
               v(l["cdnv_train"]) + "," + v(l["cdnv_test"]) + "," + v(l["nc1"]) + "\n";
    write_file_atomically(dir + "/layers_final.csv", csv);
    // ncc_by_epoch.csv: epoch x layer NCC train accuracy (wide), for the Fig. 1-style panel.
    std::string wide = "epoch,network_train_acc";
    const int L = int(last["layers"].size());
    for (int l = 1; l <= L; ++l) wide += ",layer" + std::to_string(l);
    wide += "\n";
    for (const auto& m : h.measurements) {
        wide += std::to_string(m["epoch"].get<std::int64_t>()) + "," + v(m["network_train_acc"]);
        for (const auto& l : m["layers"]) {
            wide += ',';  // (not "," + string: GCC 12 -Wrestrict false positive)
            wide += v(l["ncc_train_acc"]);
        }
        wide += "\n";
    }
    write_file_atomically(dir + "/ncc_by_epoch.csv", wide);

    const std::string title = cfg.name + ": " + (cfg.arch == "mlp" ? "MLP-" : "CONV-") + std::to_string(cfg.depth) +
                              "-" + std::to_string(cfg.width) + ", epoch " + std::to_string(last["epoch"].get<int>());
    Figure fig;
    fig.title = title;
    fig.cols = h.measurements.size() > 1 ? 3 : 2;
    fig.width_px = fig.cols == 3 ? 1800 : 1300;
    fig.height_px = 560;
    Panel ncc{"NCC accuracy per layer", "layer i", "NCC accuracy", false, false, {}, "set yrange [0:1.02]\nset key bottom right"};
    ncc.curves.push_back({"layers_final.csv", 1, 2, "train (training labels)", "linespoints lw 2"});
    ncc.curves.push_back({"layers_final.csv", 1, 3, "test", "linespoints dt 2"});
    Panel cdnv{"CDNV per layer", "layer i", "CDNV", false, true, {}, ""};
    cdnv.curves.push_back({"layers_final.csv", 1, 4, "train", "linespoints lw 2"});
    if (cfg.test_cdnv) cdnv.curves.push_back({"layers_final.csv", 1, 5, "test", "linespoints dt 2"});
    fig.panels = {ncc, cdnv};
    if (h.measurements.size() > 1) {
        Panel ep{"NCC train accuracy over training (Fig. 1 shape)", "epoch", "NCC train accuracy", false, false, {},
                 "set key bottom right"};
        for (int l = 1; l <= L; ++l) ep.curves.push_back({"ncc_by_epoch.csv", 1, 2 + l, "layer " + std::to_string(l), "linespoints"});
        ep.curves.push_back({"ncc_by_epoch.csv", 1, 2, "network", "lines dt 2 lw 2 lc 'black'"});
        fig.panels.push_back(ep);
    }
    std::string err;
    if (!render(fig, dir, "layers", &err)) summary["figure_warning"] = err;
    Figure tr;
    tr.title = cfg.name + ": training";
    tr.cols = 2;
    tr.width_px = 1200;
    tr.height_px = 500;
    Panel loss{"training loss (running mean over the epoch)", "epoch", "cross-entropy", false, true, {}, ""};
    loss.curves.push_back({"training.csv", 1, 3, "train loss", "linespoints"});
    Panel acc{"training accuracy (train mode, running)", "epoch", "accuracy", false, false, {}, "set key bottom right"};
    acc.curves.push_back({"training.csv", 1, 4, "train accuracy", "linespoints"});
    tr.panels = {loss, acc};
    if (!render(tr, dir, "training", &err)) summary["figure_warning"] = err;
}

// torch's intra-op threads, and as many OpenBLAS threads (under LibTorch) unless the user set them (core/blas.hpp).
void set_threads(const DeepConfig& cfg) {
    torch::set_num_threads(int(cfg.threads));
    set_blas_threads(int(cfg.threads));
}

// torch's default generator is process-global: runs in parallel threads (reproduce --jobs) seed and build
// their networks one at a time, so that the initialisation depends on run.seed only.
std::mutex& generator_mutex() {
    static std::mutex m;
    return m;
}

std::shared_ptr<NetImpl> seeded_network(const DeepConfig& cfg, const DataSplit& data) {
    std::lock_guard<std::mutex> lock(generator_mutex());
    torch::manual_seed(std::uint64_t(cfg.seed));
    return make_network(net_spec(cfg, data));
}

}  // namespace

std::string torch_version() { return TORCH_VERSION; }

json train_network(const DeepConfig& cfg, const DataSplit& data, const std::string& dir, const TrainOptions& opt) {
    validate(cfg);
    const auto wall0 = Clock::now();
    set_threads(cfg);
    const std::string config_toml = to_toml(cfg);
    const Tensors t = make_tensors(data, cfg);
    auto net = seeded_network(cfg, data);
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(cfg.lr)
                                                 .momentum(cfg.momentum)
                                                 .weight_decay(cfg.weight_decay));
    const std::string ckpt = dir + "/checkpoint.pt";
    History h;
    std::int64_t done = 0;
    if (opt.resume) {
        done = load_checkpoint(ckpt, config_toml, *net, sgd, h);
        if (fs::exists(dir + "/summary.json"))
            throw ConfigError("--resume", "'" + dir + "' already holds a finished run (summary.json)");
    } else {
        write_file_atomically(dir + "/config.resolved.toml", config_toml);
        write_file_atomically(dir + "/manifest.json", manifest(cfg, data).dump(2) + "\n");
        if (measure_after(cfg, 0)) h.add(measure(*net, t, cfg, 0), cfg.epsilon);
        save_checkpoint(ckpt, config_toml, 0, *net, sgd, h);
        h.write(dir);
    }

    json s;
    s["name"] = cfg.name;
    s["arch"] = cfg.arch;
    s["depth"] = cfg.depth;
    s["width"] = cfg.width;
    s["train_samples"] = t.n_train;
    s["test_samples"] = t.n_test;
    s["corruption"] = cfg.corruption;
    s["realised_wrong_label_fraction"] = data.train.corrupted_fraction();
    s["resumed_from_epoch"] = opt.resume ? json(done) : json(nullptr);

    while (done < cfg.epochs) {
        const double lr = learning_rate(cfg, done);
        const EpochResult r = train_epoch(*net, sgd, t, cfg, done, lr);
        if (r.diverged) {
            s["status"] = "diverged";
            s["epochs_completed"] = done;
            s["diverged"] = {{"epoch", done + 1},
                             {"batch", r.batch},
                             {"lr", lr},
                             {"loss", std::isnan(r.bad_loss) ? "nan" : "inf"}};
            s["stop_reason"] = "non-finite training loss at epoch " + std::to_string(done + 1) + ", batch " +
                               std::to_string(r.batch) + " (lr " + fmt_double(lr) + ")";
            s["wall_seconds"] = seconds_since(wall0);
            h.write(dir);
            write_file_atomically(dir + "/summary.json", s.dump(2) + "\n");
            return s;
        }
        ++done;
        h.training += std::to_string(done) + "," + fmt_double(lr) + "," + fmt_double(r.loss) + "," + fmt_double(r.acc) +
                      "," + fmt_double(r.seconds) + "\n";
        h.train_seconds += r.seconds;
        ++h.epochs_timed;
        std::string line;
        if (measure_after(cfg, done)) {
            const Measurement m = measure(*net, t, cfg, done);
            h.add(m, cfg.epsilon);
            line = ", test acc " + fmt_double(m.net_test_acc) + ", effective depth " +
                   (m.ed.first ? std::to_string(*m.ed.first) : std::string("unfit"));
        }
        save_checkpoint(ckpt, config_toml, done, *net, sgd, h);
        h.write(dir);
        if (opt.progress)
            std::cerr << cfg.name << ": epoch " << done << "/" << cfg.epochs << " lr " << fmt_double(lr) << " loss "
                      << fmt_double(r.loss) << " acc " << fmt_double(r.acc) << " (" << fmt_double(r.seconds) << " s)"
                      << line << "\n";
        if (opt.stop_after_epochs > 0 && done >= opt.stop_after_epochs && done < cfg.epochs) {
            s["status"] = "stopped";
            s["epochs_completed"] = done;
            return s;
        }
        if (opt.max_wall_seconds > 0 && done < cfg.epochs && seconds_since(wall0) > opt.max_wall_seconds) {
            s["status"] = "wall_budget_exhausted";
            s["epochs_completed"] = done;
            s["stop_reason"] = "wall-clock budget of " + fmt_double(opt.max_wall_seconds) + " s exhausted after epoch " +
                               std::to_string(done) + " of " + std::to_string(cfg.epochs);
            return s;
        }
    }

    const json& last = h.measurements.back();
    s["status"] = "completed";
    s["epochs_completed"] = done;
    s["wall_seconds"] = seconds_since(wall0);
    s["epoch_seconds_mean"] = h.epochs_timed ? h.train_seconds / double(h.epochs_timed) : 0.0;
    s["metric_seconds_mean"] = h.measurements_timed ? h.metric_seconds / double(h.measurements_timed) : 0.0;
    s["final"] = last;
    s["final"]["train_loss_running"] = nullptr;
    {
        // Last epoch's running train loss (train mode), from the training history.
        const auto pos = h.training.rfind('\n', h.training.size() - 2);
        std::istringstream row(h.training.substr(pos + 1));
        std::string f;
        std::vector<std::string> cols;
        while (std::getline(row, f, ',')) cols.push_back(f);
        if (cols.size() >= 4) {
            s["final"]["train_loss_running"] = std::stod(cols[2]);
            s["final"]["train_acc_running"] = std::stod(cols[3]);
        }
    }
    s["final"]["parameter_digest"] = parameter_digest(*net);
    if (opt.figures) render_figures(cfg, h, dir, s);
    write_file_atomically(dir + "/summary.json", s.dump(2) + "\n");
    return s;
}

json benchmark_training(const DeepConfig& cfg, const DataSplit& data, int epochs) {
    validate(cfg);
    set_threads(cfg);
    const Tensors t = make_tensors(data, cfg);
    auto net = seeded_network(cfg, data);
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(cfg.lr)
                                                 .momentum(cfg.momentum)
                                                 .weight_decay(cfg.weight_decay));
    json times = json::array();
    double last_loss = 0;
    for (int e = 0; e < epochs; ++e) {
        const auto r = train_epoch(*net, sgd, t, cfg, e, learning_rate(cfg, e));
        if (r.diverged) throw std::runtime_error("benchmark run diverged at epoch " + std::to_string(e + 1));
        times.push_back(r.seconds);
        last_loss = r.loss;
    }
    const Measurement m = measure(*net, t, cfg, epochs);
    double best = times[0];
    for (const auto& x : times) best = std::min(best, x.get<double>());
    return {{"impl", "depthbias (libtorch " + torch_version() + ", gemm " + cfg.gemm + ")"},
            {"threads", torch::get_num_threads()},
            {"samples", t.n_train},
            {"epoch_seconds", times},
            {"best_epoch_seconds", best},
            {"last_loss", last_loss},
            {"metric_seconds", m.seconds},
            {"metric_math_seconds", m.math_seconds},
            {"metric_forward_seconds", m.seconds - m.math_seconds},
            {"metric_over_epoch", m.seconds / best},
            {"metric_forward_passes", {{"train", m.train_forwards}, {"test", m.test_forwards}}},
            {"network_test_acc", m.net_test_acc}};
}

}  // namespace depthbias::deepnets
