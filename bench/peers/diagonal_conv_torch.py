#!/usr/bin/python3
"""PyTorch peer for P4: one full-batch GD step of a depth-3 diagonal network and of a depth-3 circular-conv
network on binary classification (d = 100, n = 200, exponential loss, mean), float64, CPU.

Same steps as bench/bench_diagonal_conv_step.cpp and bench/peers/diagonal_conv_numpy.py:
  loss      L = mean_n exp(-x~_n^T beta)
  diagonal  beta = u+^3 - u-^3, u±(0) = 0.01^(1/3), lr 0.01
  conv      beta = irfft(rfft(w1) rfft(w2) rfft(v), n = d) (torch.fft; = w1 (*) w2 (*) v), lr 1e-3
  update    theta -= lr dL/dtheta
Variants:
  autograd  loss.backward() and an in-place update under no_grad (what a PyTorch user writes): the peer of P4
  manual    the gradient written out as in the numpy port, under no_grad (informational)
Threads: --threads N calls torch.set_num_threads(N); --threads 0 keeps torch's default (reported).
--check DIR  runs the same GD steps from `bench_diagonal_conv_step --dump=DIR` and prints relative differences.
Prints per model: RESULT torch <model> <label> <median wall s/step> <median CPU s/step> | <wall samples...>
"""
import argparse
import os
import statistics
import sys
import time

import torch
import blas_check  # same directory: which BLAS, threads; exits 3 on the reference BLAS

D, N, DEPTH = 100, 200, 3
LR = {"diagonal": 0.01, "conv": 1e-3}
F64 = torch.float64


def signed_sample(g, n, w):
    x = torch.randn(n, w.numel(), generator=g, dtype=F64)
    s = torch.where(x @ w < 0, -1.0, 1.0).to(F64)
    return x * s[:, None]


def make_problem(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    if model == "diagonal":
        w = torch.zeros(D, dtype=F64)
        w[:4] = torch.tensor([8.0, 4.0, 2.0, 1.0], dtype=F64)
        theta = torch.full((2 * D,), 0.01 ** (1.0 / DEPTH), dtype=F64)
    else:
        c = torch.zeros(D // 2 + 1, dtype=torch.complex128)
        c[:4] = torch.tensor([3.0, 4.0, 6.0, 12.0], dtype=torch.complex128)
        w = torch.fft.irfft(c, n=D)
        theta = torch.randn(DEPTH * D, generator=g, dtype=F64) * ((1.5e-3) ** (1.0 / DEPTH) / D ** 0.5)
    w = w / w.norm()
    return signed_sample(g, N, w), theta


def diagonal_beta(up, um):
    return up ** 3 - um ** 3


def conv_beta(blocks):
    S = torch.fft.rfft(blocks, dim=1)
    return torch.fft.irfft(S[0] * S[1] * S[2], n=D)


class AutogradStep:
    def __init__(self, model, xt, theta, lr):
        self.model, self.xt, self.lr = model, xt, lr
        if model == "diagonal":
            self.params = [theta[:D].clone().requires_grad_(True), theta[D:].clone().requires_grad_(True)]
        else:
            self.params = [theta.view(DEPTH, D).clone().requires_grad_(True)]

    def loss(self):
        beta = diagonal_beta(*self.params) if self.model == "diagonal" else conv_beta(self.params[0])
        return torch.exp(-(self.xt @ beta)).mean()

    def __call__(self):
        loss = self.loss()
        for p in self.params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in self.params:
                p.sub_(p.grad, alpha=self.lr)
        return float(loss)

    def gradient(self):
        loss = self.loss()
        grads = torch.autograd.grad(loss, self.params)
        return torch.cat([g.reshape(-1) for g in grads]).detach()

    def theta(self):
        return torch.cat([p.detach().reshape(-1) for p in self.params])


class ManualStep:
    def __init__(self, model, xt, theta, lr):
        self.model, self.xt, self.lr = model, xt, lr
        self.t = theta.clone()
        self.n = xt.shape[0]

    @torch.no_grad()
    def _grad(self):
        xt, n = self.xt, self.n
        if self.model == "diagonal":
            up, um = self.t[:D], self.t[D:]
            e = torch.exp(-(xt @ diagonal_beta(up, um)))
            g = (xt.t() @ e) * (-1.0 / n)
            return e.sum().item() / n, torch.cat([3.0 * up * up * g, -3.0 * um * um * g])
        S = torch.fft.rfft(self.t.view(DEPTH, D), dim=1)
        P01 = S[0] * S[1]
        e = torch.exp(-(xt @ torch.fft.irfft(P01 * S[2], n=D)))
        G = torch.fft.rfft(xt.t() @ e) * (-1.0 / n)
        others = torch.stack([S[1] * S[2], S[0] * S[2], P01])
        return e.sum().item() / n, torch.fft.irfft(G * others.conj(), n=D, dim=1).reshape(-1)

    @torch.no_grad()
    def __call__(self):
        loss, g = self._grad()
        self.t.sub_(g, alpha=self.lr)
        return loss

    def gradient(self):
        return self._grad()[1]

    def theta(self):
        return self.t


VARIANTS = {"autograd": AutogradStep, "manual": ManualStep}


def check(dirname, variant):
    import numpy as np  # only to read the text files

    d, n, lr_diag, lr_conv, steps = np.loadtxt(os.path.join(dirname, "meta.txt"))
    assert (int(d), int(n)) == (D, N), "dump is for another size"
    load = lambda name: torch.from_numpy(np.loadtxt(os.path.join(dirname, name)))
    worst = 0.0
    for model, lr, xfile in (("diagonal", lr_diag, "xt.txt"), ("conv", lr_conv, "xt_conv.txt")):
        step = VARIANTS[variant](model, load(xfile), load(model + "_theta0.txt"), float(lr))
        g0 = load(model + "_grad0.txt")
        dg = float((step.gradient() - g0).norm() / g0.norm())
        trace = load(model + "_trace.txt")
        ours = torch.tensor([step() for _ in range(int(steps))], dtype=F64)
        dl = float(((ours - trace).abs() / trace.abs()).max())
        end = load(model + "_theta_end.txt")
        dt = float((step.theta() - end).norm() / end.norm())
        worst = max(worst, dg, dl, dt)
        print(f"CHECK torch-{variant} {model}: {int(steps)} GD steps from the engine's start: rel. diff grad0 "
              f"{dg:.2e}, loss trace {dl:.2e}, end point {dt:.2e}")
    return worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="diagonal,conv")
    ap.add_argument("--steps", type=int, default=500, help="steps per timed sample")
    ap.add_argument("--samples", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads; 0 = torch's default")
    ap.add_argument("--variant", choices=sorted(VARIANTS), default="autograd")
    ap.add_argument("--label", default=None)
    ap.add_argument("--check", metavar="DIR", help="compare with `bench_diagonal_conv_step --dump=DIR` and exit")
    args = ap.parse_args()

    default_threads = torch.get_num_threads()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    blas_check.require_optimized("torch peer (diagonal/conv)")
    if args.check:
        return 0 if check(args.check, args.variant) < 1e-9 else 1

    print(f"# torch {torch.__version__}, default threads {default_threads}, using {threads}", file=sys.stderr)
    label = args.label or f"torch-{args.variant}-threads{threads}"
    for model in args.models.split(","):
        xt, theta = make_problem(model)
        step = VARIANTS[args.variant](model, xt, theta, LR[model])
        for _ in range(20):  # warm-up
            step()
        wall, cpu = [], []
        for _ in range(args.samples):
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(args.steps):
                loss = step()
            wall.append((time.perf_counter() - t0) / args.steps)
            cpu.append((time.process_time() - c0) / args.steps)
        if not loss == loss or loss == float("inf"):
            print(f"# torch {model}: loss not finite after the timed steps", file=sys.stderr)
            return 1
        print("RESULT torch", model, label, f"{statistics.median(wall):.6e}", f"{statistics.median(cpu):.6e}",
              "|", " ".join(f"{s:.4e}" for s in wall), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
