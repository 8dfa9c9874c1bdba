#!/usr/bin/python3
"""PyTorch peer for P1: one full-batch GD step of depth-4 deep matrix sensing (float64, CPU).

Same step as bench/peers/sensing_step_numpy.py and bench/bench_sensing_step.cpp:
  W = W4 W3 W2 W1, r = A vec(W) - y, L = (1/m)|r|^2, G = (2/m) A^T r, dL/dW_k = (W_N..W_{k+1})^T G (W_{k-1}..W_1)^T.
Two variants:
  manual   - the gradient written out (torch.mv into preallocated buffers, in-place updates): the fast port
  autograd - loss.backward() on the same graph (what a PyTorch user would write; informational)
Threads: --threads N calls torch.set_num_threads(N); --threads 0 keeps torch's default (reported).
Prints: RESULT torch <label> <median wall s/step> <median CPU s/step> | <wall samples...>
"""
import argparse
import statistics
import sys
import time

import torch
import blas_check  # same directory: which BLAS, threads; exits 3 on the reference BLAS


def make_problem(d, m, seed=0, init=1e-4, depth=4):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(m, d * d, generator=g, dtype=torch.float64)
    wstar = torch.zeros(d, d, dtype=torch.float64)
    for i, s in enumerate([12.0, 6.0, 4.0, 3.0]):
        wstar[i, i] = s
    y = A @ wstar.reshape(-1)
    Ws = [torch.randn(d, d, generator=g, dtype=torch.float64) * (init ** (1.0 / depth) / d ** 0.5)
          for _ in range(depth)]
    return A, y, Ws


class ManualStep:
    def __init__(self, A, y, Ws, lr):
        self.A, self.y, self.Ws, self.lr = A, y, Ws, lr
        self.m = A.shape[0]
        self.r = torch.empty(A.shape[0], dtype=A.dtype)
        self.g = torch.empty(A.shape[1], dtype=A.dtype)

    @torch.no_grad()
    def __call__(self):
        A, y, (W1, W2, W3, W4), lr, m = self.A, self.y, self.Ws, self.lr, self.m
        d = W1.shape[0]
        P2 = W2 @ W1
        P3 = W3 @ P2
        W = W4 @ P3
        torch.mv(A, W.reshape(-1), out=self.r)        # pass 1 over A
        self.r -= y
        loss = float(self.r @ self.r) / m
        self.r *= 2.0 / m
        torch.mv(A.t(), self.r, out=self.g)           # pass 2 over A
        G = self.g.view(d, d)
        g4 = G @ P3.t()
        B = W4.t() @ G
        g3 = B @ P2.t()
        B = W3.t() @ B
        g2 = B @ W1.t()
        g1 = W2.t() @ B
        W1.sub_(g1, alpha=lr)
        W2.sub_(g2, alpha=lr)
        W3.sub_(g3, alpha=lr)
        W4.sub_(g4, alpha=lr)
        return loss


class AutogradStep:
    def __init__(self, A, y, Ws, lr):
        self.A, self.y, self.lr = A, y, lr
        self.Ws = [w.clone().requires_grad_(True) for w in Ws]

    def __call__(self):
        W1, W2, W3, W4 = self.Ws
        W = W4 @ W3 @ W2 @ W1
        loss = ((self.A @ W.reshape(-1) - self.y) ** 2).mean()
        for w in self.Ws:
            w.grad = None
        loss.backward()
        with torch.no_grad():
            for w in self.Ws:
                w.sub_(w.grad, alpha=self.lr)
        return float(loss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=100)
    ap.add_argument("--m", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--samples", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads; 0 = torch's default")
    ap.add_argument("--variant", choices=["manual", "autograd"], default="manual")
    ap.add_argument("--label", default=None)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()

    default_threads = torch.get_num_threads()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    blas_check.require_optimized("torch peer (sensing step)")
    A, y, Ws = make_problem(args.d, args.m)
    step = (ManualStep if args.variant == "manual" else AutogradStep)(A, y, Ws, args.lr)
    for _ in range(5):
        step()
    wall, cpu = [], []
    for _ in range(args.samples):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.steps):
            step()
        wall.append((time.perf_counter() - t0) / args.steps)
        cpu.append((time.process_time() - c0) / args.steps)
    label = args.label or f"{args.variant}-threads{threads}"
    print(f"# torch {torch.__version__}, default threads {default_threads}, using {threads}", file=sys.stderr)
    print("RESULT torch", label, f"{statistics.median(wall):.6e}", f"{statistics.median(cpu):.6e}", "|",
          " ".join(f"{s:.4e}" for s in wall))


if __name__ == "__main__":
    main()
