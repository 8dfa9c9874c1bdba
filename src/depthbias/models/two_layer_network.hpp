// Two-layer network on scalar inputs (Jin & Montufar, wide_relu_spline.md 1.1, 3; standard parametrization, not NTK):
//   f(x) = sum_i s_i a_i phi(w_i x + b_i) + sum_k s_k c_k + r (u x + v),
// phi = ReLU or |.| (model.activation), n = model.width hidden units. Without ASI: s_i = 1, one output bias c.
// With ASI (model.asi, App. B.2): the hidden layer is duplicated (2n units, 2 output biases), the copy starts equal
// to the original and enters with s = -sqrt(2)/2 against +sqrt(2)/2, so f(., theta0) = 0; both copies train.
// Init: (w_i, b_i) from the init law model.init with scales model.shape (models/init_laws.hpp); a_i, c_k ~
// U(-1/sqrt n, 1/sqrt n) (the scripts' nn.Linear(n, 1), eq. 3) or 0 (model.output_init = zero, the mirror-flow
// setting); u = v = 0. Skip connection (model.skip): u, v with their own step size model.skip_rate x the
// dynamics' step, realized as the reparameterization (u, v) = r (u~, v~), r = sqrt(skip_rate) (GD on u~ at
// step eta moves u at step r^2 eta). model.train_input = false freezes w, b (their gradient is 0).
// theta = [w (H) | b (H) | a (H) | c (K) | u~, v~ (if skip)], blocks W1, b1, W2, b2, skip. H = n or 2n, K = 1 or 2.
// predictor()/pullback() at the task's inputs never allocate (blocks of 512 units, preactivations recomputed);
// float64. pullback() uses s_i a_i from the predictor() call at the same theta (the Model contract).
#pragma once
#include <string>

#include "depthbias/models/function_model.hpp"
#include "depthbias/models/init_laws.hpp"
#include "depthbias/models/model.hpp"

namespace depthbias {

enum class Activation { Relu, Abs };

struct TwoLayerSpec {
    Index width = 64;
    Activation activation = Activation::Relu;
    InitLaw law{nullptr, 1, 1};
    bool asi = true, train_input = true, skip = false, zero_output = false;
    double skip_rate = 1.0;
};

class TwoLayerNetwork : public Model, public ScalarFunctionModel {
public:
    TwoLayerNetwork(const TwoLayerSpec& spec, const Vec& inputs);
    std::string name() const override { return "two_layer"; }
    Index num_params() const override { return 3 * h_ + k_ + (spec_.skip ? 2 : 0); }
    Vec initialize(Rng& rng, const Task& task) const override;
    void predictor(const Vec& theta, Predictor& out) override;
    void pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) override;
    int depth() const override { return 2; }
    std::vector<ParamBlock> blocks() const override;

    void evaluate(const Vec& theta, const Vec& xs, Vec& out) const override;
    Index output_offset() const override { return 2 * h_; }
    Index output_size() const override { return h_ + k_ + (spec_.skip ? 2 : 0); }
    void output_features(const Vec& theta, double x, Eigen::Ref<Vec> row) const override;
    bool free_affine() const override { return spec_.skip; }

    Index hidden() const { return h_; }

private:
    double phi(double z) const { return spec_.activation == Activation::Relu ? (z > 0 ? z : 0.0) : std::abs(z); }
    TwoLayerSpec spec_;
    Vec x_;           // the task's inputs (M)
    Index h_, k_;     // hidden units, output biases
    Vec s_, sk_;      // output signs of units (H) and biases (K)
    double r_;        // skip reparameterization factor sqrt(skip_rate)
    Vec sa_;          // s_i a_i (H; set by predictor, used by pullback)
};

}  // namespace depthbias
