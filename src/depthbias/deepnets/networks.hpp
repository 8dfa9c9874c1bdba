// MLP-L-H and CONV-L-H of galanti.md section 2 (the authors' models/mlp.py and models/convnet.py), in LibTorch.
// PRIVATE to the module: includes <torch/torch.h> (slow to compile); only networks.cpp and trainer.cpp use it.
// Contract: forward_all(x) returns the logits (B x classes) and, when asked, the L embeddings, each the output
// of the i-th hidden Linear / 3x3 conv BEFORE its BatchNorm, flattened to B x dim (dim = H for the MLP,
// H * (side/4)^2 for the conv net). Initialisation is PyTorch's default (Kaiming-uniform a = sqrt(5), uniform
// bias, BN gamma = 1, beta = 0), drawn from torch's default generator in construction order.
// With gemm = "eigen" the Linear layers' products run in Eigen (an autograd Function with the same maths);
// Debian's libtorch links reference BLAS, about 40x slower than Eigen at these sizes.
#pragma once
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace depthbias::deepnets {

// y = x W^T + b with Eigen GEMMs (forward and backward). x: B x in, w: out x in, b: out; float32, CPU.
torch::Tensor eigen_linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b);

struct NetImpl : torch::nn::Module {
    virtual std::pair<torch::Tensor, std::vector<torch::Tensor>> forward_all(const torch::Tensor& x,
                                                                             bool embeddings) = 0;
    virtual std::vector<std::int64_t> embedding_dims() const = 0;
    torch::Tensor forward(const torch::Tensor& x) { return forward_all(x, false).first; }
};

struct NetSpec {
    std::string arch;  // mlp | conv
    int depth = 1, width = 1;
    int channels = 1, side = 32, classes = 10;
    bool eigen_gemm = true;
};

// Builds the network; the parameters are drawn from torch's default generator (seed it first).
std::shared_ptr<NetImpl> make_network(const NetSpec& spec);

}  // namespace depthbias::deepnets
