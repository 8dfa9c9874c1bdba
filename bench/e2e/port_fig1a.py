#!/usr/bin/python3
"""End-to-end numpy port of the authors' matrix_sensing_experiment.py for `depthbias reproduce fig1a`
(gissin.md 3.1; the loop of bench/peers/fig1a_numpy.py with the preset's storage and step counts).

Reproduces: d = 50, m = 1000 Gaussian measurements of W* = diag(12, 6, 4, 3, 0...), y = A vec(W*); depths 1-4
trained one after another on the same data (4 variants), W = W_1...W_N, Gaussian init N(0, (init^(1/N)/sqrt d)^2),
init 1e-4, full-batch GD lr 1e-3 on Keras mse (1/m) sum r^2; per epoch: the logged loss, the stop test and the
RecordValues callback (np.linalg.svd of the updated d x d product, recomputed from the layers, top 5 kept);
at the end the reconstruction error and a 200-sample test error.
Storage: --storage float32 (the preset's task.storage; the authors' TensorFlow ran float32): A is held in float32
and the two products over it (A w, A^T r) run in float32 BLAS (sgemv, OpenBLAS), everything else float64.
--storage float64: A and all arithmetic float64.
Skips: plots; the learning-event interpolation and incremental-learning analysis of ours (cheap, post hoc).
"""
import time

import numpy as np

import common

DEPTHS = [1, 2, 3, 4]


def main():
    ap = common.parser(__doc__)
    ap.add_argument("--d", type=int, default=50)
    ap.add_argument("--m", type=int, default=1000)
    ap.add_argument("--storage", choices=["float32", "float64"], default="float32")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    t0 = common.start("numpy peer (fig1a port)")
    fixed = common.steps_list(a.steps, len(DEPTHS))
    lr, init, thr, budget = 1e-3, 1e-4, 0.01, 100000
    rng = np.random.default_rng(a.seed)
    d, m = a.d, a.m
    dt = np.float32 if a.storage == "float32" else np.float64
    A = rng.standard_normal((m, d * d)).astype(dt)
    wstar = np.zeros((d, d))
    wstar[range(4), range(4)] = [12.0, 6.0, 4.0, 3.0]
    y = (A @ wstar.reshape(-1).astype(dt)).astype(np.float64)
    At = rng.standard_normal((200, d * d))
    yt = At @ wstar.reshape(-1)
    print(f"# storage {a.storage}: A {A.dtype} ({A.nbytes / 1e6:.1f} MB), products A w and A^T r in {A.dtype} BLAS")
    for depth, n in zip(DEPTHS, fixed):
        t1 = time.perf_counter()
        std = init ** (1.0 / depth) / np.sqrt(d)
        Ws = [rng.normal(0.0, std, (d, d)) for _ in range(depth)]
        hist = []

        def step(epoch):
            prefixes = [Ws[0]]
            for k in range(1, depth):
                prefixes.append(prefixes[-1] @ Ws[k])
            r = (A @ prefixes[-1].reshape(-1).astype(dt)).astype(np.float64) - y
            loss = float(r @ r) / m
            G = (2.0 / m) * (A.T @ r.astype(dt)).astype(np.float64).reshape(d, d)
            B = G
            for k in range(depth - 1, -1, -1):
                g = B if k == 0 else prefixes[k - 1].T @ B
                if k > 0:
                    B = B @ Ws[k].T
                Ws[k] -= lr * g
            Wn = Ws[0]  # RecordValues.on_epoch_end: singular values of the updated product
            for k in range(1, depth):
                Wn = Wn @ Ws[k]
            hist.append(np.linalg.svd(Wn, compute_uv=False)[:5])
            return loss

        steps, own, loss = common.gd_loop(step, budget, n, thr)
        Wn = Ws[0]
        for k in range(1, depth):
            Wn = Wn @ Ws[k]
        rec = float(np.sum((Wn - wstar) ** 2) / np.sum(wstar ** 2))
        test = float(np.mean((At @ Wn.reshape(-1) - yt) ** 2))
        common.report(f"depth {depth}", steps, own, loss,
                      f"reconstruction error {rec:.4g}, test mse {test:.4g}, top-5 "
                      + " ".join(f"{v:.3f}" for v in hist[-1]), t1)
    print(f"TOTAL {time.perf_counter() - t0:.3f}")


if __name__ == "__main__":
    main()
