#!/usr/bin/python3
"""End-to-end numpy port of the authors' quadratic_network_experiment.py for `depthbias reproduce fig1b`
(gissin.md 3.2), float64.

Reproduces: d = 20, m = 100, x ~ N(0, I), y = x^T M* x with M* = diag(1, 1/2, 1/3, 1/4, 0...); two variants on
the same data: f(x) = ||W x||^2 without a bias, and + b with b(0) = mean(y); W(0) = sqrt(init) Q (Keras
Orthogonal(gain = sqrt(init)), init 1e-4); full-batch GD lr 1e-3 on Keras mse; per epoch: the logged loss, the
stop test and RecordValues (np.linalg.svd of M = W^T W, top 5, and b); at the end a 2000-sample test error.
Gradient written out: r = f - y, dL/dW = (4/m) W X^T diag(r) X, dL/db = (2/m) sum r.
Skips: plots; ours' learning-event / incremental analysis (post hoc).
"""
import time

import numpy as np

import common

VARIANTS = [("Without Bias", False), ("With Bias", True)]


def main():
    ap = common.parser(__doc__)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    t0 = common.start("numpy peer (fig1b port)")
    fixed = common.steps_list(a.steps, len(VARIANTS))
    d, m, lr, init, thr, budget = 20, 100, 1e-3, 1e-4, 0.01, 100000
    rng = np.random.default_rng(a.seed)
    mstar = np.zeros(d)
    mstar[:4] = [1.0, 1 / 2, 1 / 3, 1 / 4]
    X = rng.standard_normal((m, d))
    y = (X * X) @ mstar
    Xt = rng.standard_normal((2000, d))
    yt = (Xt * Xt) @ mstar
    for (label, bias), n in zip(VARIANTS, fixed):
        t1 = time.perf_counter()
        Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        W = np.sqrt(init) * Q
        b = np.array([y.mean() if bias else 0.0])
        hist = []

        def step(epoch):
            nonlocal W
            XW = X @ W.T  # rows: W x_i
            r = np.einsum("ij,ij->i", XW, XW) + b[0] - y
            loss = float(r @ r) / m
            gW = (4.0 / m) * (XW * r[:, None]).T @ X  # 2 W G with G = (2/m) X^T diag(r) X, written as (W X^T) diag(r) X
            if bias:
                b[0] -= lr * 2.0 * r.sum() / m
            W = W - lr * gW
            hist.append((np.linalg.svd(W.T @ W, compute_uv=False)[:5], b[0]))  # RecordValues
            return loss

        steps, own, loss = common.gd_loop(step, budget, n, thr)
        M = W.T @ W
        test = float(np.mean((np.einsum("ij,jk,ik->i", Xt, M, Xt) + b[0] - yt) ** 2) / np.var(yt))
        common.report(label, steps, own, loss, f"test mse/var {test:.4g}, b {b[0]:.3g}, top-5 "
                      + " ".join(f"{v:.3f}" for v in hist[-1][0]), t1)
    print(f"TOTAL {time.perf_counter() - t0:.3f}")


if __name__ == "__main__":
    main()
