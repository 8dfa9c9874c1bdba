#!/usr/bin/python3
"""P8 peer (issue 13): a PyTorch port of the step of Arora, Cohen, Hu & Luo's matrix-completion loop
(roosephu/deep_matrix_factorization main.py and opt.py, as exact_dln.md 5.1 describes it), float64, one thread:
per iteration e2e = W3 W2 W1, train loss = mean over observed entries of (e2e_ij - y)^2, the parameters' squared
norm (their loop computes it every iteration), zero_grad, backward, the test loss on all n^2 entries under no_grad,
loss.item() (their stopping test), then GroupRMSprop: one running mean of ||grad||^2 over all parameters
(alpha 0.99, bias correction, eps 1e-4 outside the root), p -= lr grad / (sqrt(avg / (1 - alpha^k)) + eps).
Deviations from their code, both to compute the engine's step exactly: float64 everywhere (their running mean is a
float32 CPU tensor), and the layers stored as the engine's W_k (their nn.Linear chain forms the transpose).

  completion_torch.py --steps K [--m 2000]   times K steps (after 20 warm-up steps) on a random instance of the
                                             preset's size; prints RESULT cpu_s_per_step wall_s_per_step and
                                             FLOOR cpu_s (3 (N - 1) = 6 dense 100 x 100 torch.mm, the product floor)
  completion_torch.py --check DIR            runs 5 steps from the engine's instance and init
                                             (bench_completion_step --dump=DIR) and compares the losses
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
import blas_check  # noqa: E402

N, DEPTH, LR, ALPHA, EPS, INIT = 100, 3, 1e-3, 0.99, 1e-4, 1e-3


class GroupRMSprop:
    """Their optimizer's update, float64."""

    def __init__(self, params):
        self.params, self.square_avg, self.k = params, torch.tensor(0.0, dtype=torch.float64), 0

    def step(self):
        self.square_avg.mul_(ALPHA)
        self.k += 1
        for p in self.params:
            self.square_avg.add_((1 - ALPHA) * p.grad.pow(2).sum())
        avg = self.square_avg.div(1 - ALPHA ** self.k).sqrt_().add_(EPS)
        lr = LR / avg
        for p in self.params:
            p.data.add_(-lr * p.grad)


def make_instance(m, seed=0):
    rng = np.random.default_rng(seed)
    u = np.linalg.qr(rng.standard_normal((N, 5)))[0]
    v = np.linalg.qr(rng.standard_normal((N, 5)))[0]
    w = u @ np.diag([56.133, 50.635, 42.515, 36.848, 33.465]) @ v.T
    idx = np.sort(rng.choice(N * N, m, replace=False))
    layers = [rng.standard_normal((N, N)) * INIT ** (1.0 / DEPTH) / np.sqrt(N) for _ in range(DEPTH)]
    return w, idx, w.flatten(order="F")[idx], layers


def setup(w_gt, idx, ys, layers):
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in layers]
    rows, cols = torch.tensor(idx % N), torch.tensor(idx // N)
    return params, rows, cols, torch.tensor(ys, dtype=torch.float64), torch.tensor(w_gt, dtype=torch.float64)


def iteration(params, rows, cols, ys_, w_gt, opt):
    e2e = params[2] @ params[1] @ params[0]
    loss = (e2e[rows, cols] - ys_).pow(2).mean()
    params_norm = 0
    for p in params:
        params_norm = params_norm + p.pow(2).sum()
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        test_loss = (w_gt - e2e).view(-1).pow(2).mean()
        value = loss.item()
    opt.step()
    return value, test_loss


def check(d):
    obs = np.loadtxt(os.path.join(d, "observed.txt"))
    theta = np.loadtxt(os.path.join(d, "theta0.txt"))
    ours = np.loadtxt(os.path.join(d, "losses.txt"))
    idx = obs[:, 0].astype(np.int64)
    layers = [theta[k * N * N:(k + 1) * N * N].reshape((N, N), order="F") for k in range(DEPTH)]
    params, rows, cols, ys, w = setup(np.zeros((N, N)), idx, obs[:, 1], layers)
    opt = GroupRMSprop(params)
    got = np.array([iteration(params, rows, cols, ys, w, opt)[0] for _ in range(len(ours))])
    rel = np.max(np.abs(got - ours) / np.abs(ours))
    print(f"CHECK losses of the first {len(ours)} steps: engine {ours.tolist()}")
    print(f"CHECK                              port   {got.tolist()}")
    print(f"CHECK max relative difference {rel:.3e} ({'ok' if rel < 1e-10 else 'DIFFERENT'})")
    return 0 if rel < 1e-10 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--m", type=int, default=2000)
    ap.add_argument("--check", default=None)
    a = ap.parse_args()
    torch.set_num_threads(1)
    blas_check.require_optimized(f"torch {torch.__version__} port")
    if a.check:
        sys.exit(check(a.check))
    params, rows, cols, ys, w = setup(*make_instance(a.m))
    opt = GroupRMSprop(params)
    for _ in range(20):
        iteration(params, rows, cols, ys, w, opt)
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(a.steps):
        iteration(params, rows, cols, ys, w, opt)
    cpu, wall = (time.process_time() - c0) / a.steps, (time.perf_counter() - w0) / a.steps
    x, y = torch.randn(N, N, dtype=torch.float64), torch.randn(N, N, dtype=torch.float64)
    best = float("inf")
    for _ in range(20):
        c0 = time.process_time()
        for _ in range(50 * 3 * (DEPTH - 1)):
            torch.mm(x, y)
        best = min(best, (time.process_time() - c0) / 50)
    print(f"RESULT {cpu:.6e} {wall:.6e}")
    print(f"FLOOR {best:.6e}")


if __name__ == "__main__":
    main()
