// Error types of the exact reference solvers (namespace depthbias::refs).
//  - NotSeparableError: the constraint set of a reference problem is empty: classification data that is
//    not linearly separable through the origin (no w with Xt w >= 1), or a regression target y that is
//    not in the range of X (no beta with X beta = y). Thrown instead of returning a wrong answer.
//  - ConvergenceError: an iterative reference solver (Newton, active set, LP) did not reach its
//    documented tolerance; the message gives the residual reached and the iteration count.
// Bad arguments (depth, scale, shapes, non-finite entries) are std::invalid_argument naming the argument.
#pragma once
#include <cstdio>
#include <stdexcept>
#include <string>

namespace depthbias::refs {

class NotSeparableError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ConvergenceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail {
// A double for an error message (%.6g: std::to_string would print 1e-72 as 0.000000).
inline std::string num(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", x);
    return buf;
}
}  // namespace detail

}  // namespace depthbias::refs
