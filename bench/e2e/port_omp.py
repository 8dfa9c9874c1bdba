#!/usr/bin/python3
"""End-to-end numpy port of the authors' OMP_experiment.py for `depthbias reproduce omp` (gissin.md 3.5), float64.

Reproduces: 6 variants = seeds 0-5; per seed X (n = 80 x d = 1000) N(0, 1) with unit-norm columns, beta*
5-sparse at random indices with Exp(scale 10) + 1 entries, y = X beta*; OMP (argmax |X_j^T r|, least-squares refit
on the support, stop at 1/2 |r|^2 < 1e-4 or a repeated index); the depth-5 toy model beta = u+^5 - u-^5,
u+-(0) = init^(1/5), init 3e-4, full-batch GD lr 3e-3 on Keras mse (1/n) sum (x^T beta - y)^2; per epoch: the
logged loss, the stop test and the activation test of the script (an index is chosen at the first epoch with
beta_i > 0.1, signed); at the end the concurrence of the GD and OMP supports and whether the first choices agree.
Skips: nothing of the training or of the comparison; plots.
"""
import time

import numpy as np

import common

SEEDS = [0, 1, 2, 3, 4, 5]


def omp(X, y):
    r, support = y.copy(), []
    while 0.5 * r @ r >= 1e-4:
        j = int(np.argmax(np.abs(X.T @ r)))
        if j in support:
            break
        support.append(j)
        coef, *_ = np.linalg.lstsq(X[:, support], y, rcond=None)
        r = y - X[:, support] @ coef
    return support


def main():
    ap = common.parser(__doc__)
    a = ap.parse_args()
    t0 = common.start("numpy peer (omp port)")
    fixed = common.steps_list(a.steps, len(SEEDS))
    n, d, k, depth, lr, init, thr, budget = 80, 1000, 5, 5, 3e-3, 3e-4, 0.01, 300000
    for seed, steps_n in zip(SEEDS, fixed):
        t1 = time.perf_counter()
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, d))
        X /= np.linalg.norm(X, axis=0)
        bstar = np.zeros(d)
        bstar[rng.choice(d, k, replace=False)] = rng.exponential(10.0, k) + 1.0
        y = X @ bstar
        s_omp = omp(X, y)
        up = np.full(d, init ** (1.0 / depth))
        um = up.copy()
        chosen_at = np.zeros(d, dtype=np.int64)  # 0 = not yet

        def step(epoch):
            beta = up ** depth - um ** depth
            r = X @ beta - y
            loss = float(r @ r) / n
            g = (2.0 / n) * (X.T @ r)
            gp = depth * up ** (depth - 1) * g
            gm = -depth * um ** (depth - 1) * g
            up[:] -= lr * gp
            um[:] -= lr * gm
            new = ((up ** depth - um ** depth) > 0.1) & (chosen_at == 0)  # the script's activation test
            if new.any():
                chosen_at[new] = epoch
            return loss

        steps, own, loss = common.gd_loop(step, budget, steps_n, thr)
        idx = np.nonzero(chosen_at)[0]
        s_gd = list(idx[np.argsort(chosen_at[idx], kind="stable")])
        conc = len(set(s_gd) & set(s_omp)) / max(1, min(len(s_gd), len(s_omp)))
        first = bool(s_gd and s_gd[0] == s_omp[0])
        common.report(f"seed {seed}", steps, own, loss, f"concurrence {conc:.2f}, first agrees {first}, "
                      f"GD order {s_gd}, OMP {s_omp}", t1)
    print(f"TOTAL {time.perf_counter() - t0:.3f}")


if __name__ == "__main__":
    main()
