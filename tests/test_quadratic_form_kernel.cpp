// tasks/quadratic_form_kernel.hpp (the quadratic-sensing task's residuals and test error): x_i^T M x_i by the
// blocked, folded kernel against the straightforward (X M) .* X row sums, for sizes around the block width (the
// overlapping last block, the scalar path below one block) and d not a multiple of its 4-column groups; and the
// gradient's weighted Gram X^T diag(r) X against Eigen's product.
// Tolerance: both are sums of d^2 products in double; each is within ~d^2 eps of the exact value relative to
// sum_i |x_i|^T |M| |x_i|, so we assert 1e-13 of that scale (d <= 23: d^2 eps ~ 1e-13).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "depthbias/core/rng.hpp"
#include "depthbias/tasks/quadratic_form_kernel.hpp"

using namespace depthbias;

namespace {

Vec kernel_forms(const Mat& x, const Mat& m) {
    Mat t(m.rows(), m.cols());
    quadratic_form_kernel::fold(m.data(), m.rows(), t.data());
    Vec out(x.rows());
    quadratic_form_kernel::quadratic_forms(x.data(), x.rows(), x.cols(), t.data(), out.data());
    return out;
}

}  // namespace

TEST(QuadraticFormKernel, EqualsStraightforwardEvaluation) {
    Rng rng(11);
    for (const Index d : {1, 2, 3, 4, 5, 7, 20, 23})
        for (const Index n : {1, 5, 15, 16, 17, 31, 33, 100, 2000}) {
            const Mat x = rng.normal_matrix(n, d);
            const Mat m = rng.normal_matrix(d, d);  // not symmetric: the fold must use M + M^T
            const Vec want = ((x * m).cwiseProduct(x)).rowwise().sum();
            const Vec scale = ((x.cwiseAbs() * m.cwiseAbs()).cwiseProduct(x.cwiseAbs())).rowwise().sum();
            const Vec got = kernel_forms(x, m);
            double worst = 0;
            for (Index i = 0; i < n; ++i) worst = std::max(worst, std::abs(got(i) - want(i)) / scale(i));
            EXPECT_LT(worst, 1e-13) << "n = " << n << ", d = " << d;
        }
}

TEST(QuadraticFormKernel, RowValueDoesNotDependOnItsBlock) {
    // Each row gets the same FMA chains whichever block (full, overlapping last, or scalar) computes it: the
    // first rows of X agree bit for bit with the same rows evaluated as part of a shorter matrix.
    Rng rng(12);
    const Index d = 20;
    const Mat x = rng.normal_matrix(100, d);
    const Mat m = rng.normal_matrix(d, d);
    const Vec full = kernel_forms(x, m);
    for (const Index n : {3, 16, 21, 37}) {
        const Mat head = x.topRows(n);
        const Vec part = kernel_forms(head, m);
        for (Index i = 0; i < n; ++i) EXPECT_EQ(part(i), full(i)) << "row " << i << " of " << n;
    }
}

TEST(QuadraticFormKernel, FoldKeepsTheQuadraticForm) {
    // t = upper triangle of M + M^T (diagonal of M, zeros below): x^T T x = x^T M x for a symmetric M exactly
    // representable sums (integers).
    const Index d = 6;
    Mat m(d, d);
    for (Index j = 0; j < d; ++j)
        for (Index k = 0; k < d; ++k) m(k, j) = double((3 * k + 5 * j) % 7) - 3.0;
    Mat t(d, d);
    quadratic_form_kernel::fold(m.data(), d, t.data());
    for (Index j = 0; j < d; ++j)
        for (Index k = 0; k < d; ++k) EXPECT_EQ(t(k, j), k < j ? m(k, j) + m(j, k) : k == j ? m(j, j) : 0.0);
    Mat x(3, d);
    for (Index i = 0; i < 3; ++i)
        for (Index k = 0; k < d; ++k) x(i, k) = double((i + 2 * k) % 5) - 2.0;
    const Vec want = ((x * m).cwiseProduct(x)).rowwise().sum();  // integers: exact on both sides
    EXPECT_EQ(kernel_forms(x, m), want);
}

TEST(QuadraticFormKernel, WeightedGramEqualsStraightforwardProduct) {
    // g = scale X^T diag(r) X against Eigen's product; exactly symmetric. Sizes below one packet (scalar path),
    // multiples of it, and with a tail packet (rows already counted weighted 0).
    Rng rng(13);
    for (const Index d : {1, 3, 4, 5, 20})
        for (const Index n : {1, 3, 8, 9, 16, 100, 101}) {
            const Mat x = rng.normal_matrix(n, d);
            const Vec r = rng.normal_matrix(n, 1).col(0);
            const double scale = 2.0 / double(n);
            const Mat want = scale * (x.transpose() * (r.asDiagonal() * x));
            const Mat bound = scale * (x.cwiseAbs().transpose() * (r.cwiseAbs().asDiagonal() * x.cwiseAbs()));
            Mat got(d, d);
            quadratic_form_kernel::weighted_gram(x.data(), n, d, r.data(), scale, got.data());
            for (Index a = 0; a < d; ++a)
                for (Index b = 0; b < d; ++b) {
                    EXPECT_EQ(got(a, b), got(b, a));
                    EXPECT_LE(std::abs(got(a, b) - want(a, b)), 1e-13 * bound(a, b) + 1e-300)
                        << "n = " << n << ", d = " << d << ", (" << a << ", " << b << ")";
                }
        }
}
