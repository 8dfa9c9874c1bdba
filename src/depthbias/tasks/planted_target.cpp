#include "depthbias/tasks/planted_target.hpp"

#include "depthbias/core/error.hpp"

namespace depthbias {

Mat planted_target(Index d, const std::vector<double>& s, const std::string& basis, Rng& rng) {
    if (static_cast<Index>(s.size()) > d)
        throw ConfigError("task.target_singular_values", "has " + std::to_string(s.size()) +
                                                             " values but the matrix is only " + std::to_string(d) +
                                                             " wide");
    Mat w = Mat::Zero(d, d);
    if (basis == "diagonal") {
        for (size_t i = 0; i < s.size(); ++i) w(Index(i), Index(i)) = s[i];
        return w;
    }
    if (basis == "random") {
        const Mat u = rng.orthogonal(d), v = rng.orthogonal(d);
        for (size_t i = 0; i < s.size(); ++i) w += s[i] * u.col(Index(i)) * v.col(Index(i)).transpose();
        return w;
    }
    throw ConfigError("task.target_basis", "'" + basis + "' is not one of: diagonal, random");
}

}  // namespace depthbias
