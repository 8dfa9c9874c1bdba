#include "depthbias/deepnets/networks.hpp"

#include <Eigen/Dense>

namespace depthbias::deepnets {
namespace {

using RowMatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapF = Eigen::Map<RowMatF>;
using CMapF = Eigen::Map<const RowMatF>;

class EigenLinearFn : public torch::autograd::Function<EigenLinearFn> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor x, torch::Tensor w,
                                 torch::Tensor b) {
        x = x.contiguous();
        w = w.contiguous();
        ctx->save_for_backward({x, w});
        const auto n = x.size(0), in = x.size(1), out = w.size(0);
        TORCH_CHECK(w.size(1) == in, "eigen_linear: shape mismatch");
        auto y = torch::empty({n, out}, x.options());
        MapF Y(y.data_ptr<float>(), n, out);
        Y.noalias() = CMapF(x.data_ptr<float>(), n, in) * CMapF(w.data_ptr<float>(), out, in).transpose();
        Y.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(b.contiguous().data_ptr<float>(), out);
        return y;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto& x = saved[0];
        const auto& w = saved[1];
        const auto g = grads[0].contiguous();
        const auto n = x.size(0), in = x.size(1), out = w.size(0);
        CMapF G(g.data_ptr<float>(), n, out);
        torch::Tensor dx, dw, db;
        if (ctx->needs_input_grad(0)) {
            dx = torch::empty({n, in}, x.options());
            MapF(dx.data_ptr<float>(), n, in).noalias() = G * CMapF(w.data_ptr<float>(), out, in);
        }
        if (ctx->needs_input_grad(1)) {
            dw = torch::empty({out, in}, w.options());
            MapF(dw.data_ptr<float>(), out, in).noalias() = G.transpose() * CMapF(x.data_ptr<float>(), n, in);
        }
        if (ctx->needs_input_grad(2)) db = g.sum(0);
        return {dx, dw, db};
    }
};

torch::Tensor apply_linear(torch::nn::Linear lin, const torch::Tensor& x, bool eigen) {
    return eigen ? eigen_linear(x, lin->weight, lin->bias) : lin->forward(x);
}

struct MlpImpl : NetImpl {
    MlpImpl(const NetSpec& s) : eigen(s.eigen_gemm) {
        std::int64_t d = std::int64_t(s.channels) * s.side * s.side;
        for (int i = 0; i < s.depth; ++i) {
            fcs.push_back(register_module("fc" + std::to_string(i + 1), torch::nn::Linear(d, s.width)));
            bns.push_back(register_module("bn" + std::to_string(i + 1), torch::nn::BatchNorm1d(s.width)));
            d = s.width;
        }
        head = register_module("head", torch::nn::Linear(d, s.classes));
        width = s.width;
    }
    std::pair<torch::Tensor, std::vector<torch::Tensor>> forward_all(const torch::Tensor& x, bool keep) override {
        std::vector<torch::Tensor> embs;
        auto h = x.reshape({x.size(0), -1});
        for (size_t i = 0; i < fcs.size(); ++i) {
            h = apply_linear(fcs[i], h, eigen);
            if (keep) embs.push_back(h);
            h = torch::relu(bns[i]->forward(h));
        }
        return {apply_linear(head, h, eigen), std::move(embs)};
    }
    std::vector<std::int64_t> embedding_dims() const override { return std::vector<std::int64_t>(fcs.size(), width); }

    bool eigen;
    std::int64_t width;
    std::vector<torch::nn::Linear> fcs;
    std::vector<torch::nn::BatchNorm1d> bns;
    torch::nn::Linear head{nullptr};
};

struct ConvNetImpl : NetImpl {
    ConvNetImpl(const NetSpec& s) : eigen(s.eigen_gemm) {
        using torch::nn::Conv2dOptions;
        stem1 = register_module("stem1", torch::nn::Conv2d(Conv2dOptions(s.channels, s.width, 2).stride(2)));
        stem_bn1 = register_module("stem_bn1", torch::nn::BatchNorm2d(s.width));
        stem2 = register_module("stem2", torch::nn::Conv2d(Conv2dOptions(s.width, s.width, 2).stride(2)));
        stem_bn2 = register_module("stem_bn2", torch::nn::BatchNorm2d(s.width));
        for (int i = 0; i < s.depth; ++i) {
            convs.push_back(register_module("conv" + std::to_string(i + 1),
                                            torch::nn::Conv2d(Conv2dOptions(s.width, s.width, 3).stride(1).padding(1))));
            bns.push_back(register_module("bn" + std::to_string(i + 1), torch::nn::BatchNorm2d(s.width)));
        }
        const std::int64_t r = s.side / 4;
        dim = std::int64_t(s.width) * r * r;
        head = register_module("head", torch::nn::Linear(dim, s.classes));
    }
    std::pair<torch::Tensor, std::vector<torch::Tensor>> forward_all(const torch::Tensor& x, bool keep) override {
        std::vector<torch::Tensor> embs;
        auto h = stem_bn1->forward(stem1->forward(x));  // no ReLU after the first stem conv (authors' code)
        h = torch::relu(stem_bn2->forward(stem2->forward(h)));
        for (size_t i = 0; i < convs.size(); ++i) {
            h = convs[i]->forward(h);
            if (keep) embs.push_back(h.reshape({h.size(0), -1}));
            h = torch::relu(bns[i]->forward(h));
        }
        return {apply_linear(head, h.reshape({h.size(0), -1}), eigen), std::move(embs)};
    }
    std::vector<std::int64_t> embedding_dims() const override { return std::vector<std::int64_t>(convs.size(), dim); }

    bool eigen;
    std::int64_t dim;
    torch::nn::Conv2d stem1{nullptr}, stem2{nullptr};
    torch::nn::BatchNorm2d stem_bn1{nullptr}, stem_bn2{nullptr};
    std::vector<torch::nn::Conv2d> convs;
    std::vector<torch::nn::BatchNorm2d> bns;
    torch::nn::Linear head{nullptr};
};

}  // namespace

torch::Tensor eigen_linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
    return EigenLinearFn::apply(x, w, b);
}

std::shared_ptr<NetImpl> make_network(const NetSpec& spec) {
    if (spec.arch == "mlp") return std::make_shared<MlpImpl>(spec);
    if (spec.arch == "conv") return std::make_shared<ConvNetImpl>(spec);
    throw std::invalid_argument("unknown architecture '" + spec.arch + "'");
}

}  // namespace depthbias::deepnets
