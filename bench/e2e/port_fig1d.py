#!/usr/bin/python3
"""End-to-end numpy port of the authors' convolution_experiment.py for `depthbias reproduce fig1d`
(gissin.md 3.4), float64.

Reproduces: 9 variants = depths 1-3 x 3 datasets (seeds 0, 1, 2); d = 100, n = 200, target w* = irfft of bins
0..3 = (3, 4, 6, 12), normalized, labels sign(<x, w*>); depth N = N-1 circular-convolution layers and a dense
layer v, beta = w_1 (*) ... (*) w_{N-1} (*) v = irfft(prod_k rfft(x_k)) (the script's get_canonical_model);
init: every layer N(0, ((1.5 init)^(1/N) d^((N-1)/(2N)) / d)^2), init 0.01; full-batch GD lr 1e-3 on the mean
exponential loss; gradient through the FFT (dL/dx_k = irfft(rfft(g) conj(prod_{l != k} rfft(x_l))), as the P4
peer bench/peers/diagonal_conv_numpy.py); per epoch: the logged loss, the stop test (<=, as this script) and
RecordValues (the canonical model recomputed from the updated layers: rfft of each layer, product, top-5
amplitudes by a full sort); at the end the time-domain correlation with w* and the test accuracy (2000 samples).
The Keras layers compute the convolutions directly (O(d^2) per sample and layer); the FFT form is the fast port.
Skips: the LinearSVC baseline (ours solves the exact l2 max-margin QP: extra work on our side only); plots.
"""
import time

import numpy as np

import common

VARIANTS = [(depth, seed) for seed in (0, 1, 2) for depth in (1, 2, 3)]


def main():
    ap = common.parser(__doc__)
    a = ap.parse_args()
    t0 = common.start("numpy peer (fig1d port)")
    fixed = common.steps_list(a.steps, len(VARIANTS))
    d, n, lr, init, thr, budget = 100, 200, 1e-3, 0.01, 0.01, 500000
    c = np.zeros(d // 2 + 1)
    c[:4] = [3.0, 4.0, 6.0, 12.0]
    wstar = np.fft.irfft(c, n=d)
    wstar /= np.linalg.norm(wstar)
    data = {}
    for seed in (0, 1, 2):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, d))
        Xt = rng.standard_normal((2000, d))
        data[seed] = (X * np.where(X @ wstar < 0, -1.0, 1.0)[:, None], Xt, np.sign(Xt @ wstar), rng)
    for (depth, seed), steps_n in zip(VARIANTS, fixed):
        t1 = time.perf_counter()
        xt, Xtest, ytest, rng = data[seed]
        std = (1.5 * init) ** (1.0 / depth) * d ** ((depth - 1) / (2.0 * depth)) / d
        blocks = rng.normal(0.0, std, (depth, d))
        hist = []

        def step(epoch):
            S = np.fft.rfft(blocks, axis=1)
            beta = np.fft.irfft(np.prod(S, axis=0), n=d)
            e = np.exp(-(xt @ beta))
            loss = e.sum() / n
            G = np.fft.rfft(xt.T @ e) * (-1.0 / n)
            if depth == 1:
                others = np.ones_like(S)
            else:  # prod_{l != k} S_l by prefix / suffix products (no division by small bins)
                pre = np.cumprod(np.vstack([np.ones((1, S.shape[1])), S[:-1]]), axis=0)
                suf = np.cumprod(np.vstack([np.ones((1, S.shape[1])), S[::-1][:-1]]), axis=0)[::-1]
                others = pre * suf
            blocks[:] -= lr * np.fft.irfft(G * others.conj(), n=d, axis=1)
            amp = np.abs(np.prod(np.fft.rfft(blocks, axis=1), axis=0))  # RecordValues: canonical model
            hist.append(np.sort(amp)[-5:])
            return loss

        steps, own, loss = common.gd_loop(step, budget, steps_n, thr, strict=False)
        beta = np.fft.irfft(np.prod(np.fft.rfft(blocks, axis=1), axis=0), n=d)
        corr = float(wstar @ beta / np.linalg.norm(beta))
        acc = float(np.mean(np.sign(Xtest @ beta) == ytest))
        common.report(f"depth {depth} seed {seed}", steps, own, loss, f"correlation {corr:.4f}, test acc {acc:.3f}", t1)
    print(f"TOTAL {time.perf_counter() - t0:.3f}")


if __name__ == "__main__":
    main()
