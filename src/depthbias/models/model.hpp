// Model: a parameterization theta -> Predictor (beta, offset) of a linear predictor, and its pull-back.
//
// Contract:
//  - predictor(theta, out) writes beta(theta) into out.beta (preallocated to the task's shape) and the offset;
//    it may cache intermediate products; pullback(theta, g, gtheta) must be called with the theta of the
//    most recent predictor() call and writes gtheta = J(theta)^T g, i.e. dL/dtheta from g = dL/dbeta.
//  - Neither allocates once the model is constructed (workspaces are members); a model instance is not
//    shared between threads.
//  - initialize() follows the model's documented init-scale convention (docs/CONVENTIONS.md).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "depthbias/core/rng.hpp"
#include "depthbias/tasks/task.hpp"

namespace depthbias {

// A named contiguous block of theta (a layer, a branch, a skip connection): dynamics with per-block step sizes
// (layer-wise rates) address parameters through these. Blocks tile theta in order.
struct ParamBlock {
    std::string name;  // "W1", "u+", "theta", ...
    Index offset, size;
};

class Model {
public:
    virtual ~Model() = default;
    virtual std::string name() const = 0;
    virtual Index num_params() const = 0;
    virtual Vec initialize(Rng& rng, const Task& task) const = 0;
    virtual void predictor(const Vec& theta, Predictor& out) = 0;
    virtual void pullback(const Vec& theta, const Predictor& grad, Vec& grad_theta) = 0;
    // Relative change of the model's conserved quantities since theta0 (the balancedness of gradient flow),
    // or nothing when the model has none.
    virtual std::optional<double> invariant_drift(const Vec& /*theta*/, const Vec& /*theta0*/) const {
        return std::nullopt;
    }
    // Depth of the parameterization (1 for linear).
    virtual int depth() const = 0;
    // theta's blocks; by default one block "theta" of num_params() entries.
    virtual std::vector<ParamBlock> blocks() const { return {{"theta", 0, num_params()}}; }
};

}  // namespace depthbias
