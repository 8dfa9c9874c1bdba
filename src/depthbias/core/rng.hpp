// Seeded random numbers. Every random draw in a run comes from an Rng built from a seed in the config.
// Engine: std::mt19937_64; normals: Box-Muller written here so that the stream is the same with any
// standard library (std::normal_distribution is implementation-defined).
#pragma once
#include <cmath>
#include <cstdint>
#include <random>

#include "depthbias/core/types.hpp"

namespace depthbias {

class Rng {
public:
    explicit Rng(std::uint64_t seed) : engine_(seed) {}

    // Derive an independent stream for a named purpose (e.g. "task", "init") from the same seed.
    static Rng stream(std::uint64_t seed, std::uint64_t purpose) {
        std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                          static_cast<std::uint32_t>(purpose), static_cast<std::uint32_t>(purpose >> 32)};
        Rng r(0);
        r.engine_.seed(seq);
        return r;
    }

    double uniform() {  // in (0, 1]
        return (static_cast<double>(engine_() >> 11) + 1.0) * 0x1.0p-53;
    }
    std::uint64_t next() { return engine_(); }

    double normal() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double u1 = uniform(), u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        const double th = 2.0 * M_PI * u2;
        spare_ = r * std::sin(th);
        has_spare_ = true;
        return r * std::cos(th);
    }

    Mat normal_matrix(Index rows, Index cols, double stddev = 1.0) {
        Mat m(rows, cols);
        for (Index j = 0; j < cols; ++j)
            for (Index i = 0; i < rows; ++i) m(i, j) = stddev * normal();
        return m;
    }

    // Haar-random orthogonal matrix (QR of a Gaussian matrix with the sign fix).
    Mat orthogonal(Index n) {
        Mat g = normal_matrix(n, n);
        Eigen::HouseholderQR<Mat> qr(g);
        Mat q = qr.householderQ();
        Mat r = qr.matrixQR().triangularView<Eigen::Upper>();
        for (Index i = 0; i < n; ++i)
            if (r(i, i) < 0) q.col(i) = -q.col(i);
        return q;
    }

private:
    std::mt19937_64 engine_;
    bool has_spare_ = false;
    double spare_ = 0.0;
};

// Purposes for Rng::stream, so that changing the model never changes the data.
enum StreamPurpose : std::uint64_t { kStreamTask = 1, kStreamInit = 2, kStreamTest = 3 };

}  // namespace depthbias
