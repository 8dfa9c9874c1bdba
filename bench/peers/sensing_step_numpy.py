#!/usr/bin/python3
"""numpy peer for P1: one full-batch GD step of depth-4 deep matrix sensing (float64).

Same step as bench/bench_sensing_step.cpp (DeepMatrixProduct depth 4 on GaussianSensing):
  W = W4 W3 W2 W1 (each d x d), A: m x d^2 (row i = vec(A_i)), y: m,
  L = (1/m) sum_i (<A_i, W> - y_i)^2            (Keras mse, no 1/2)
  G = dL/dW = (2/m) sum_i r_i A_i,  r = A vec(W) - y
  dL/dW_k = (W_N..W_{k+1})^T G (W_{k-1}..W_1)^T,  W_k -= lr dL/dW_k.
The two passes over A (A @ w, then A^T @ r) are what numpy does; buffers for the big products are
preallocated and written with out= so the peer is not penalized for allocation.

Prints one line per timed configuration:  RESULT numpy <label> <median seconds per step> <samples...>
Run with /usr/bin/python3 (Debian's python3-numpy). The thread count is whatever the environment gives
(OPENBLAS_NUM_THREADS etc.); the caller runs this twice (unset and =1) and labels the lines.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np


def make_problem(d, m, seed=0, init=1e-4, depth=4):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, d * d))
    wstar = np.zeros((d, d))
    for i, s in enumerate([12.0, 6.0, 4.0, 3.0]):
        wstar[i, i] = s
    y = A @ wstar.reshape(-1)
    # a realistic point: small Gaussian init, as fig1a (std init^(1/N)/sqrt(d))
    Ws = [rng.standard_normal((d, d)) * (init ** (1.0 / depth) / np.sqrt(d)) for _ in range(depth)]
    return A, y, Ws


class Step:
    def __init__(self, A, y, Ws, lr):
        self.A, self.y, self.Ws, self.lr = A, y, Ws, lr
        m, n = A.shape
        self.m = m
        self.r = np.empty(m)
        self.g = np.empty(n)

    def __call__(self):
        A, y, (W1, W2, W3, W4), lr, m = self.A, self.y, self.Ws, self.lr, self.m
        d = W1.shape[0]
        P1 = W1
        P2 = W2 @ P1
        P3 = W3 @ P2
        W = W4 @ P3
        np.dot(A, W.reshape(-1), out=self.r)       # pass 1 over A
        self.r -= y
        loss = float(self.r @ self.r) / m
        self.r *= 2.0 / m
        np.dot(A.T, self.r, out=self.g)            # pass 2 over A
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=100)
    ap.add_argument("--m", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=50, help="steps per timed sample")
    ap.add_argument("--samples", type=int, default=7)
    ap.add_argument("--label", default="default")
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()

    A, y, Ws = make_problem(args.d, args.m)
    step = Step(A, y, Ws, args.lr)
    for _ in range(5):  # warm-up (first touch, caches)
        step()
    samples = []
    for _ in range(args.samples):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            step()
        samples.append((time.perf_counter() - t0) / args.steps)
    env = {k: os.environ.get(k, "unset") for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    print(f"# numpy {np.__version__}, BLAS env {env}", file=sys.stderr)
    print("RESULT numpy", args.label, f"{statistics.median(samples):.6e}", " ".join(f"{s:.4e}" for s in samples))


if __name__ == "__main__":
    main()
