#!/usr/bin/python3
"""numpy float64 port of the authors' matrix_sensing_experiment.py (Gissin et al. 2020, Fig. 1a), for P2.

What the Keras script does (gissin.md section 3.1) and this port repeats:
  data    x_i in R^{d^2} iid N(0, 1) (a d x d Gaussian matrix flattened row-major), y_i = <x_i, vec(W*)>,
          W* = diag(12, 6, 4, 3, 0, ...); the same data for every depth
  model   W = W_1 W_2 ... W_N (d x d each), f(x) = <x, vec(W)>, depths 1, 2, 3, 4 trained one after another
  init    Gaussian, entries N(0, (init^(1/N) / sqrt(d))^2)
  train   full-batch GD (Keras SGD(lr), batch_size = data_size, shuffle = False): one epoch = one step,
          loss mse = (1/m) sum (f(x_i) - y_i)^2; the logged loss is the one computed before the epoch's
          update; StopAtThreshold stops after the epoch whose logged loss is < threshold; epoch budget 1e5
  record  RecordValues callback: at every epoch end, the top-5 singular values of the product W
          (np.linalg.svd of the d x d product, recomputed from the layers, as the callback does)
  report  final ||W - W*||_F^2 / ||W*||_F^2 per depth
Differences from the Keras script: float64 (Keras: float32), numpy instead of TensorFlow (faster per epoch:
no graph/session overhead), plots are not drawn. --no-svd skips the per-epoch SVD (and the product it needs)
to show how much of the time that recording costs.

Matrix-vector products over the m x d^2 data: Debian's numpy is linked to the reference BLAS here, whose
dgemv is slower than numpy's own einsum loops; --matvec auto (default) times both at start and keeps the
faster for each of the two products, so the peer is the fastest plain-numpy port we could write.

Prints per depth: epochs, final loss, reconstruction error, seconds; then TOTAL <seconds> (end to end,
data generation included).
"""
import argparse
import sys
import time

import numpy as np
import blas_check  # same directory: which BLAS, threads; exits 3 on the reference BLAS


def pick_matvecs(A, mode):
    m, n = A.shape
    w = np.ones(n)
    r = np.ones(m)
    fwd = {"blas": lambda A, w: A @ w, "einsum": lambda A, w: np.einsum("ij,j->i", A, w)}
    bwd = {"blas": lambda A, r: A.T @ r, "einsum": lambda A, r: np.einsum("i,ij->j", r, A)}
    if mode != "auto":
        return fwd[mode], bwd[mode], mode, mode

    def best(fns, x):
        times = {}
        for k, f in fns.items():
            f(A, x)
            t0 = time.perf_counter()
            for _ in range(5):
                f(A, x)
            times[k] = time.perf_counter() - t0
        k = min(times, key=times.get)
        return fns[k], k

    f, kf = best(fwd, w)
    b, kb = best(bwd, r)
    return f, b, kf, kb


def train(depth, A, y, wstar, d, init, lr, threshold, epochs, rng, record_svd, fwd, bwd):
    m = A.shape[0]
    std = init ** (1.0 / depth) / np.sqrt(d)
    Ws = [rng.normal(0.0, std, (d, d)) for _ in range(depth)]
    history = []
    loss = np.inf
    epoch = 0
    for epoch in range(1, epochs + 1):
        # forward: prefixes P_k = W_1 ... W_k
        prefixes = [Ws[0]]
        for k in range(1, depth):
            prefixes.append(prefixes[-1] @ Ws[k])
        W = prefixes[-1]
        r = fwd(A, W.reshape(-1)) - y
        loss = float(r @ r) / m  # logged loss: before this epoch's update
        G = (2.0 / m) * bwd(A, r).reshape(d, d)
        # backward: dL/dW_k = (W_1..W_{k-1})^T G (W_{k+1}..W_N)^T
        grads = [None] * depth
        B = G
        for k in range(depth - 1, -1, -1):
            grads[k] = B if k == 0 else prefixes[k - 1].T @ B
            if k > 0:
                B = B @ Ws[k].T
        for k in range(depth):
            Ws[k] -= lr * grads[k]
        if record_svd:  # RecordValues.on_epoch_end: singular values of the (updated) product
            Wn = Ws[0]
            for k in range(1, depth):
                Wn = Wn @ Ws[k]
            history.append(np.linalg.svd(Wn, compute_uv=False)[:5])
        if loss < threshold:  # StopAtThreshold.on_epoch_end
            break
    Wn = Ws[0]
    for k in range(1, depth):
        Wn = Wn @ Ws[k]
    rec = float(np.sum((Wn - wstar) ** 2) / np.sum(wstar ** 2))
    return epoch, loss, rec, history


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=50)
    ap.add_argument("--data-size", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--init", type=float, default=1e-4)
    ap.add_argument("--epochs", type=int, default=100000)
    ap.add_argument("--threshold", type=float, default=0.01)
    ap.add_argument("--depths", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-svd", action="store_true", help="skip the per-epoch SVD recording")
    ap.add_argument("--matvec", choices=["auto", "blas", "einsum"], default="auto")
    args = ap.parse_args()
    blas_check.require_optimized("numpy peer (fig1a port)")

    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    d, m = args.d, args.data_size
    A = rng.standard_normal((m, d * d))
    wstar = np.zeros((d, d))
    for i, s in enumerate([12.0, 6.0, 4.0, 3.0]):
        wstar[i, i] = s
    y = A @ wstar.reshape(-1)
    fwd, bwd, kf, kb = pick_matvecs(A, args.matvec)
    print(f"# numpy {np.__version__}; matvec A w: {kf}, A^T r: {kb}; per-epoch SVD: {not args.no_svd}")
    for depth in args.depths:
        t1 = time.perf_counter()
        epochs, loss, rec, hist = train(depth, A, y, wstar, d, args.init, args.lr, args.threshold, args.epochs,
                                        rng, not args.no_svd, fwd, bwd)
        top = " ".join(f"{v:.3f}" for v in hist[-1]) if hist else "-"
        print(f"depth {depth}: epochs {epochs}, loss {loss:.6g}, reconstruction error {rec:.4g}, "
              f"top-5 {top}, {time.perf_counter() - t1:.2f} s", flush=True)
    print(f"TOTAL {time.perf_counter() - t0:.3f}")


if __name__ == "__main__":
    sys.exit(main())
