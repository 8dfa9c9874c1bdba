#!/usr/bin/python3
"""numpy peer for P1: one full-batch GD step of depth-4 deep matrix sensing (float64).

Same step as bench/bench_sensing_step.cpp (DeepMatrixProduct depth 4 on GaussianSensing):
  W = W4 W3 W2 W1 (each d x d), A: m x d^2 (row i = vec(A_i)), y: m,
  L = (1/m) sum_i (<A_i, W> - y_i)^2            (Keras mse, no 1/2)
  G = dL/dW = (2/m) sum_i r_i A_i,  r = A vec(W) - y
  dL/dW_k = (W_N..W_{k+1})^T G (W_{k-1}..W_1)^T,  W_k -= lr dL/dW_k.
The two passes over A (A @ w, then A^T @ r) are what numpy does; buffers for the big products are
preallocated and written with out= so the peer is not penalized for allocation.
--matvec blas   : np.dot (numpy's BLAS: whatever libblas numpy is linked to; printed)
--matvec einsum : np.einsum's own SIMD loops (faster than the reference BLAS Debian ships by default)
--storage float32 : A held in float32 and its two products in float32 BLAS (sgemv, float32 accumulation), the rest
                    float64: the step of bench/e2e/port_fig1a.py (fig1a's task.storage = "float32"), for the
                    fig1a step ratio on that port's basis (with --d 50). Default float64 (P1's basis).

Prints:  RESULT numpy <label> <median wall s/step> <median CPU s/step> | <wall samples...>
Run with /usr/bin/python3 (Debian's python3-numpy). The thread count is whatever the environment gives
(OPENBLAS_NUM_THREADS etc.); the caller runs this twice (unset and =1) and labels the lines.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import blas_check  # same directory: which BLAS, threads; exits 3 on the reference BLAS


def make_problem(d, m, seed=0, init=1e-4, depth=4, storage="float64"):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, d * d)).astype(np.float32 if storage == "float32" else np.float64)
    wstar = np.zeros((d, d))
    for i, s in enumerate([12.0, 6.0, 4.0, 3.0]):
        wstar[i, i] = s
    y = (A @ wstar.reshape(-1).astype(A.dtype)).astype(np.float64)
    # a realistic point: small Gaussian init, as fig1a (std init^(1/N)/sqrt(d))
    Ws = [rng.standard_normal((d, d)) * (init ** (1.0 / depth) / np.sqrt(d)) for _ in range(depth)]
    return A, y, Ws


class Step:
    def __init__(self, A, y, Ws, lr, matvec):
        self.A, self.y, self.Ws, self.lr = A, y, Ws, lr
        m, n = A.shape
        self.m = m
        self.r = np.empty(m)
        self.g = np.empty(n)
        self.einsum = matvec == "einsum"
        self.f32 = A.dtype == np.float32
        if self.f32:
            self.w32, self.r32, self.g32 = np.empty(n, np.float32), np.empty(m, np.float32), np.empty(n, np.float32)

    def __call__(self):
        A, y, (W1, W2, W3, W4), lr, m = self.A, self.y, self.Ws, self.lr, self.m
        d = W1.shape[0]
        P1 = W1
        P2 = W2 @ P1
        P3 = W3 @ P2
        W = W4 @ P3
        if self.f32:                                             # pass 1 over A, float32 BLAS
            np.copyto(self.w32, W.reshape(-1), casting="same_kind")
            np.dot(A, self.w32, out=self.r32)
            np.copyto(self.r, self.r32)
        elif self.einsum:
            np.einsum("ij,j->i", A, W.reshape(-1), out=self.r)   # pass 1 over A
        else:
            np.dot(A, W.reshape(-1), out=self.r)                # pass 1 over A
        self.r -= y
        loss = float(self.r @ self.r) / m
        self.r *= 2.0 / m
        if self.f32:                                             # pass 2 over A, float32 BLAS
            np.copyto(self.r32, self.r, casting="same_kind")
            np.dot(A.T, self.r32, out=self.g32)
            np.copyto(self.g, self.g32)
        elif self.einsum:
            np.einsum("i,ij->j", self.r, A, out=self.g)         # pass 2 over A
        else:
            np.dot(A.T, self.r, out=self.g)                     # pass 2 over A
        G = self.g.reshape(d, d)
        g4 = G @ P3.T
        B = W4.T @ G
        g3 = B @ P2.T
        B = W3.T @ B
        g2 = B @ P1.T
        g1 = W2.T @ B
        W1 -= lr * g1
        W2 -= lr * g2
        W3 -= lr * g3
        W4 -= lr * g4
        return loss


def loaded_blas():
    """The BLAS shared objects mapped into this process (which library numpy really calls)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() or "lapack" in line.lower()}
        return ", ".join(sorted(os.path.realpath(x) for x in libs if x.startswith("/"))) or "none found"
    except OSError:
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=100)
    ap.add_argument("--m", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=50, help="steps per timed sample")
    ap.add_argument("--samples", type=int, default=7)
    ap.add_argument("--label", default="default")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--matvec", choices=["blas", "einsum"], default="blas")
    ap.add_argument("--storage", choices=["float64", "float32"], default="float64")
    args = ap.parse_args()
    blas_check.require_optimized(f"numpy peer ({args.label})")

    A, y, Ws = make_problem(args.d, args.m, storage=args.storage)
    step = Step(A, y, Ws, args.lr, args.matvec)
    for _ in range(5):  # warm-up (first touch, caches)
        step()
    wall, cpu = [], []
    for _ in range(args.samples):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.steps):
            step()
        wall.append((time.perf_counter() - t0) / args.steps)
        cpu.append((time.process_time() - c0) / args.steps)
    env = {k: os.environ.get(k, "unset") for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    print(f"# numpy {np.__version__}, matvec {args.matvec}, storage {args.storage}, BLAS loaded: {loaded_blas()}, env {env}", file=sys.stderr)
    print("RESULT numpy", args.label, f"{statistics.median(wall):.6e}", f"{statistics.median(cpu):.6e}", "|",
          " ".join(f"{s:.4e}" for s in wall))


if __name__ == "__main__":
    main()
