#!/usr/bin/python3
"""PyTorch port of one full-batch GD step of the two_layer model (src/depthbias/models/two_layer_network.hpp) on
the points task (tasks/point_regression.hpp): float64, CPU, ASI (2n hidden units, output signs +-sqrt(2)/2), ReLU,
all parameters trained, loss (1/M) sum 1/2 (f(x_j) - y_j)^2, Fig. 1 data (M = 5).

  manual   - the gradient written out with preallocated buffers and in-place updates (the fast port)
  autograd - loss.backward() on the same graph (what a PyTorch user writes; informational)

Prints: RESULT torch <variant> <n> <wall s/step> <cpu s/step> <loss after the steps>
"""
import argparse
import resource
import time

import torch


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def setup(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], dtype=torch.float64)
    y = torch.tensor([1.5, 0.5, 1.5, 0.5, 1.5], dtype=torch.float64)
    w = torch.rand(n, generator=g, dtype=torch.float64) * 2 - 1
    b = (torch.rand(n, generator=g, dtype=torch.float64) * 2 - 1) * 2
    a = (torch.rand(n, generator=g, dtype=torch.float64) * 2 - 1) / n ** 0.5
    c = (torch.rand(1, generator=g, dtype=torch.float64) * 2 - 1) / n ** 0.5
    s = torch.cat([torch.full((n,), 0.5 ** 0.5), torch.full((n,), -(0.5 ** 0.5))]).to(torch.float64)
    W, B, A = torch.cat([w, w]), torch.cat([b, b]), torch.cat([a, a])
    C = torch.cat([c, c])
    sk = torch.tensor([0.5 ** 0.5, -(0.5 ** 0.5)], dtype=torch.float64)
    return x, y, W, B, A, C, s, sk


@torch.no_grad()
def run_manual(n, steps, lr):
    x, y, W, B, A, C, s, sk = setup(n)
    M = x.numel()
    Z = torch.empty(M, W.numel(), dtype=torch.float64)
    P = torch.empty_like(Z)
    D = torch.empty_like(Z)
    sa = torch.empty_like(W)
    gW, gB, gA = torch.empty_like(W), torch.empty_like(W), torch.empty_like(W)
    loss = 0.0
    for _ in range(steps):
        torch.mul(s, A, out=sa)
        torch.addr(B.expand(M, -1), x, W, out=Z)  # Z[j, i] = w_i x_j + b_i
        torch.clamp(Z, min=0, out=P)
        f = P @ sa + (sk @ C)
        r = (f - y) / M
        loss = 0.5 * M * float(r @ r)
        torch.mv(P.t(), r, out=gA)
        gA.mul_(s)
        D.copy_(Z > 0)
        D.mul_(r.unsqueeze(1))
        torch.sum(D, 0, out=gB)
        torch.mv(D.t(), x, out=gW)
        gB.mul_(sa)
        gW.mul_(sa)
        gC = sk * r.sum()
        W.sub_(lr * gW)
        B.sub_(lr * gB)
        A.sub_(lr * gA)
        C.sub_(lr * gC)
    return loss


def run_autograd(n, steps, lr):
    x, y, W, B, A, C, s, sk = setup(n)
    params = [W.requires_grad_(), B.requires_grad_(), A.requires_grad_(), C.requires_grad_()]
    M = x.numel()
    loss = None
    for _ in range(steps):
        f = torch.relu(x[:, None] * W[None, :] + B[None, :]) @ (s * A) + sk @ C
        loss = 0.5 * ((f - y) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(lr * p.grad)
    return float(loss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=40960)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--variant", default="manual", choices=["manual", "autograd"])
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    lr = 0.6 / a.n
    fn = run_manual if a.variant == "manual" else run_autograd
    fn(a.n, 3, lr)  # warm-up
    t0, c0 = time.perf_counter(), cpu()
    loss = fn(a.n, a.steps, lr)
    t1, c1 = time.perf_counter(), cpu()
    print(f"RESULT torch {a.variant} {a.n} {(t1 - t0) / a.steps:.6e} {(c1 - c0) / a.steps:.6e} {loss:.6e}")


if __name__ == "__main__":
    main()
