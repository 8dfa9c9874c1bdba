#!/usr/bin/python3
"""End-to-end numpy port for `depthbias reproduce toy`: the decoupled toy model of gissin.md 1 (the authors ship
no script for it; this is the plain numpy GD loop a user would write), float64.

Reproduces: 3 variants = depths 2, 3, 4; sigma_i = prod_k w_{k,i} for 4 components, balanced start
w_k(0) = sigma0^(1/N), sigma0 = 1e-4, targets (12, 6, 4, 3); loss 1/2 |sigma - sigma*|^2; full-batch GD lr 1e-3,
stop at loss < 1e-8 (budget 2e5); per epoch: the loss, the stop test and a record of sigma (as the scripts'
RecordValues); at the end the GD half-times t_1/2 = lr x (first epoch with sigma_i >= sigma_i*/2) against the
closed-form flow (N = 2 logistic; N >= 3 by numerical quadrature of the implicit form, gissin.md 1.4, c = N).
Skips: the 5%/95% event interpolation of ours; plots.
"""
import time

import numpy as np

import common

DEPTHS = [2, 3, 4]


def t_half_flow(N, s, s0, c):
    if N == 2:
        return np.log((s / s0 - 1.0)) / (c * s)
    u0, u = (s0 / s) ** (1.0 / N), 0.5 ** (1.0 / N)
    v = np.linspace(u0, u, 20001)
    f = v / (1.0 - v ** N)
    integral = float(np.sum((f[1:] + f[:-1]) * np.diff(v)) / 2.0)
    return N / (c * s ** (2.0 - 2.0 / N)) * ((u0 ** (2 - N) - u ** (2 - N)) / (N - 2) + integral)


def main():
    ap = common.parser(__doc__)
    a = ap.parse_args()
    t0 = common.start("numpy peer (toy port)")
    fixed = common.steps_list(a.steps, len(DEPTHS))
    target = np.array([12.0, 6.0, 4.0, 3.0])
    lr, s0, thr, budget = 1e-3, 1e-4, 1e-8, 200000
    for depth, steps_n in zip(DEPTHS, fixed):
        t1 = time.perf_counter()
        W = np.full((depth, 4), s0 ** (1.0 / depth))
        hist = []
        half_at = np.zeros(4, dtype=np.int64)

        def step(epoch):
            sigma = np.prod(W, axis=0)
            r = sigma - target
            loss = 0.5 * float(r @ r)
            if depth == 1:
                others = np.ones_like(W)
            else:
                pre = np.cumprod(np.vstack([np.ones((1, 4)), W[:-1]]), axis=0)
                suf = np.cumprod(np.vstack([np.ones((1, 4)), W[::-1][:-1]]), axis=0)[::-1]
                others = pre * suf
            W[:] -= lr * (others * r)
            s = np.prod(W, axis=0)
            hist.append(s)
            new = (s >= 0.5 * target) & (half_at == 0)
            if new.any():
                half_at[new] = epoch
            return loss

        steps, own, loss = common.gd_loop(step, budget, steps_n, thr)
        err = max(abs(lr * h / t_half_flow(depth, s, s0, depth) - 1.0) for h, s in zip(half_at, target))
        common.report(f"depth {depth}", steps, own, loss, f"max rel. t_1/2 error vs flow {err:.2e}", t1)
    print(f"TOTAL {time.perf_counter() - t0:.3f}")


if __name__ == "__main__":
    main()
