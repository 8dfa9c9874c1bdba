#include "depthbias/analysis/references/nuclear_norm.hpp"

#include <Eigen/SVD>
#include <cmath>
#include <stdexcept>
#include <string>

#include "depthbias/analysis/references/errors.hpp"

#include <dsdp5.h>  // declares its API extern "C"

namespace depthbias::refs {

namespace {

void check_measurements(Index rows, Index cols, const std::vector<Measurement>& ms) {
    if (rows < 1 || cols < 1) throw std::invalid_argument("nuclear norm: rows and cols must be >= 1");
    if (ms.empty()) throw std::invalid_argument("nuclear norm: no measurements");
    for (const auto& m : ms) {
        if (m.rows.size() != m.cols.size() || m.rows.size() != m.values.size() || m.rows.empty())
            throw std::invalid_argument("nuclear norm: a measurement needs matching, non-empty rows/cols/values");
        for (size_t k = 0; k < m.rows.size(); ++k)
            if (m.rows[k] < 0 || m.rows[k] >= rows || m.cols[k] < 0 || m.cols[k] >= cols || !std::isfinite(m.values[k]))
                throw std::invalid_argument("nuclear norm: a measurement entry is outside the matrix or not finite");
        if (!std::isfinite(m.b)) throw std::invalid_argument("nuclear norm: a measured value is not finite");
    }
}

double violation(const Mat& x, const std::vector<Measurement>& ms) {
    double worst = 0;
    for (const auto& m : ms) {
        double s = 0;
        for (size_t k = 0; k < m.rows.size(); ++k) s += m.values[k] * x(m.rows[k], m.cols[k]);
        worst = std::max(worst, std::abs(s - m.b));
    }
    return worst;
}

double nuclear(const Mat& x) { return Eigen::BDCSVD<Mat>(x).singularValues().sum(); }

void dsdp_call(int info, const char* what) {
    if (info != 0) throw ConvergenceError(std::string("DSDP: ") + what + " failed (code " + std::to_string(info) + ")");
}

}  // namespace

NuclearNormResult min_nuclear_norm_sdp(Index rows, Index cols, const std::vector<Measurement>& ms, double gap_tol) {
    check_measurements(rows, cols, ms);
    if (!(gap_tol > 0)) throw std::invalid_argument("nuclear norm SDP: gap_tol must be > 0");
    const int n = int(rows + cols), m = int(ms.size());
    DSDP dsdp;
    dsdp_call(DSDPCreate(m, &dsdp), "DSDPCreate");
    struct Guard {
        DSDP d;
        ~Guard() { DSDPDestroy(d); }
    } guard{dsdp};
    SDPCone cone;
    dsdp_call(DSDPCreateSDPCone(dsdp, 1, &cone), "DSDPCreateSDPCone");
    dsdp_call(SDPConeSetBlockSize(cone, 0, n), "SDPConeSetBlockSize");
    dsdp_call(SDPConeSetSparsity(cone, 0, m + 1), "SDPConeSetSparsity");
    // C = I (variable 0); A~_k: -A_k(i, j) at packed lower position (rows + j, i) (DSDP keeps the arrays: they live here).
    dsdp_call(SDPConeSetIdentity(cone, 0, 0, n, 1.0), "SDPConeSetIdentity");
    std::vector<std::vector<int>> idx(static_cast<size_t>(m));
    std::vector<std::vector<double>> val(static_cast<size_t>(m));
    for (int k = 0; k < m; ++k) {
        const auto& me = ms[size_t(k)];
        for (size_t e = 0; e < me.rows.size(); ++e) {
            const long r = long(rows + me.cols[e]), c = long(me.rows[e]);
            idx[size_t(k)].push_back(int(r * (r + 1) / 2 + c));
            val[size_t(k)].push_back(-me.values[e]);
        }
        dsdp_call(SDPConeSetASparseVecMat(cone, 0, k + 1, n, 1.0, 0, idx[size_t(k)].data(), val[size_t(k)].data(),
                                          int(idx[size_t(k)].size())),
                  "SDPConeSetASparseVecMat");
        dsdp_call(DSDPSetDualObjective(dsdp, k + 1, me.b), "DSDPSetDualObjective");
    }
    dsdp_call(DSDPSetGapTolerance(dsdp, gap_tol), "DSDPSetGapTolerance");
    dsdp_call(DSDPSetMaxIts(dsdp, 500), "DSDPSetMaxIts");
    dsdp_call(DSDPSetup(dsdp), "DSDPSetup");
    dsdp_call(DSDPSolve(dsdp), "DSDPSolve");
    DSDPTerminationReason reason;
    DSDPSolutionType type;
    dsdp_call(DSDPStopReason(dsdp, &reason), "DSDPStopReason");
    dsdp_call(DSDPGetSolutionType(dsdp, &type), "DSDPGetSolutionType");
    dsdp_call(DSDPComputeX(dsdp), "DSDPComputeX");
    double* xs = nullptr;
    int nn = 0;
    dsdp_call(SDPConeGetXArray(cone, 0, &xs, &nn), "SDPConeGetXArray");
    NuclearNormResult out;
    out.x.resize(rows, cols);
    for (Index i = 0; i < rows; ++i)
        for (Index j = 0; j < cols; ++j) {
            const long r = long(rows + j), c = long(i);
            out.x(i, j) = -2 * xs[r * (r + 1) / 2 + c];
        }
    dsdp_call(DSDPGetPObjective(dsdp, &out.primal_objective), "DSDPGetPObjective");
    dsdp_call(DSDPGetDObjective(dsdp, &out.dual_objective), "DSDPGetDObjective");
    int its = 0;
    DSDPGetIts(dsdp, &its);
    out.iterations = its;
    out.duality_gap = out.primal_objective - out.dual_objective;
    out.nuclear_norm = nuclear(out.x);
    out.max_violation = violation(out.x, ms);
    out.converged = reason == DSDP_CONVERGED && type == DSDP_PDFEASIBLE;
    if (!out.converged)
        throw ConvergenceError("DSDP did not converge (stop reason " + std::to_string(int(reason)) + ", solution type " +
                               std::to_string(int(type)) + ", gap " + detail::num(out.duality_gap) + ")");
    return out;
}

NuclearNormResult min_nuclear_norm_completion_admm(Index rows, Index cols, const std::vector<Measurement>& entries,
                                                   double rho, double tol, long max_iterations) {
    check_measurements(rows, cols, entries);
    if (!(rho > 0) || !(tol > 0) || max_iterations < 1)
        throw std::invalid_argument("ADMM: rho and tol must be > 0, max_iterations >= 1");
    for (const auto& e : entries)
        if (e.rows.size() != 1 || e.values[0] != 1.0)
            throw std::invalid_argument("ADMM completion: every measurement must be one entry with coefficient 1");
    Mat x = Mat::Zero(rows, cols), z = Mat::Zero(rows, cols), u = Mat::Zero(rows, cols);
    double bnorm = 0;
    for (const auto& e : entries) {
        z(e.rows[0], e.cols[0]) = e.b;
        bnorm += e.b * e.b;
    }
    bnorm = std::max(std::sqrt(bnorm), 1e-300);
    NuclearNormResult out;
    for (long it = 1; it <= max_iterations; ++it) {
        Eigen::BDCSVD<Mat> svd(z - u, Eigen::ComputeThinU | Eigen::ComputeThinV);
        const Vec s = (svd.singularValues().array() - 1 / rho).max(0.0).matrix();
        const Mat x_new = svd.matrixU() * s.asDiagonal() * svd.matrixV().transpose();
        const double change = (x_new - x).norm();
        x = x_new;
        z = x + u;
        for (const auto& e : entries) z(e.rows[0], e.cols[0]) = e.b;
        u += x - z;
        const double primal = (x - z).norm();
        out.iterations = it;
        out.duality_gap = primal;
        if (primal <= tol * bnorm && change <= tol * bnorm) {
            out.converged = true;
            break;
        }
    }
    if (!out.converged)
        throw ConvergenceError("ADMM did not reach tol " + detail::num(tol) + " in " + std::to_string(max_iterations) +
                               " iterations (residual " + detail::num(out.duality_gap / bnorm) + ")");
    out.x = z;  // feasible: the observed entries exactly
    out.nuclear_norm = nuclear(out.x);
    out.max_violation = violation(out.x, entries);
    out.primal_objective = out.nuclear_norm;
    out.dual_objective = NAN;
    return out;
}

}  // namespace depthbias::refs
