#!/usr/bin/python3
"""End-to-end numpy port of the authors' classification_experiment.py for `depthbias reproduce fig1c`
(gissin.md 3.3), float64.

Reproduces: 15 variants = depths 1-5 x 3 datasets (seeds 0, 1, 2); d = 100, n = 200, x ~ N(0, I),
w* ~ (8, 4, 2, 1, 0...) normalized, labels sign(<x, w*>); f(x) = <x, u+^N - u-^N>, u+-(0) = init^(1/N), init 0.01;
full-batch GD lr 0.01 on the mean exponential loss (1/n) sum exp(-s_i f(x_i)), written on X~ = diag(s) X as the
P4 peer (bench/peers/diagonal_conv_numpy.py); per epoch: the logged loss, the stop test and RecordValues (top-5 |w|,
raw and normalized, by a full sort as the callback does); at the end the correlation <w*, w/|w|> and the test
accuracy on 2000 fresh samples.
Skips: the LinearSVC baseline (ours solves the exact l2 max-margin QP instead: extra work on our side only); plots.
"""
import time

import numpy as np

import common

VARIANTS = [(depth, seed) for seed in (0, 1, 2) for depth in (1, 2, 3, 4, 5)]


def main():
    ap = common.parser(__doc__)
    a = ap.parse_args()
    t0 = common.start("numpy peer (fig1c port)")
    fixed = common.steps_list(a.steps, len(VARIANTS))
    d, n, lr, init, thr, budget = 100, 200, 0.01, 0.01, 0.01, 100000
    wstar = np.zeros(d)
    wstar[:4] = [8.0, 4.0, 2.0, 1.0]
    wstar /= np.linalg.norm(wstar)
    data = {}
    for seed in (0, 1, 2):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, d))
        Xt = rng.standard_normal((2000, d))
        data[seed] = (X * np.where(X @ wstar < 0, -1.0, 1.0)[:, None], Xt, np.sign(Xt @ wstar))
    for (depth, seed), steps_n in zip(VARIANTS, fixed):
        t1 = time.perf_counter()
        xt, Xtest, ytest = data[seed]
        up = np.full(d, init ** (1.0 / depth))
        um = up.copy()
        hist = []

        def step(epoch):
            beta = up ** depth - um ** depth
            e = np.exp(-(xt @ beta))
            loss = e.sum() / n
            g = (xt.T @ e) * (-1.0 / n)
            gp = depth * up ** (depth - 1) * g
            gm = -depth * um ** (depth - 1) * g
            up[:] -= lr * gp
            um[:] -= lr * gm
            w = up ** depth - um ** depth  # RecordValues.on_epoch_end
            top = np.sort(np.abs(w))[-5:]
            hist.append((top, top / np.linalg.norm(w)))
            return loss

        steps, own, loss = common.gd_loop(step, budget, steps_n, thr)
        w = up ** depth - um ** depth
        corr = float(wstar @ w / np.linalg.norm(w))
        acc = float(np.mean(np.sign(Xtest @ w) == ytest))
        common.report(f"depth {depth} seed {seed}", steps, own, loss, f"correlation {corr:.4f}, test acc {acc:.3f}", t1)
    print(f"TOTAL {time.perf_counter() - t0:.3f}")


if __name__ == "__main__":
    main()
