#!/usr/bin/python3
"""numpy peer for P4: one full-batch GD step of a depth-3 diagonal network and of a depth-3 circular-conv
network on binary classification (d = 100, n = 200, exponential loss, mean), float64.

Same steps as bench/bench_diagonal_conv_step.cpp:
  data      X~ (n x d), rows x~_n = s_n x_n, x_n ~ N(0, I_d), s_n = sign(<x_n, w*>)
  loss      L = (1/n) sum_n exp(-x~_n^T beta),  e = exp(-X~ beta),  g = dL/dbeta = -(1/n) X~^T e
  diagonal  beta = u+^3 - u-^3 (u±(0) = 0.01^(1/3)),  dL/du+ = 3 u+^2 g,  dL/du- = -3 u-^2 g,  lr 0.01
  conv      beta = w1 (*) w2 (*) v (circular convolution) = irfft(rfft(w1) rfft(w2) rfft(v)), as the authors'
            get_canonical_model; dL/dx_k = irfft(rfft(g) conj(prod_{l != k} rfft(x_l))),  lr 1e-3
  update    theta -= lr dL/dtheta (in place)
The gradient is written out by hand (numpy has no autograd); the fast plain-numpy port.
--matvec blas   : X~ @ beta and X~.T @ e with numpy's BLAS (whatever libblas numpy is linked to: printed; on
                  Debian 12 by default the reference BLAS) -- what a user writes
--matvec einsum : np.einsum's own SIMD loops for the two products (faster than the reference BLAS here)

--check DIR  loads the data and the start written by `bench_diagonal_conv_step --dump=DIR`, runs the same GD
             steps and prints the largest relative differences of the loss trace and of the end point.
Prints per model: RESULT numpy <model> <label> <median wall s/step> <median CPU s/step> | <wall samples...>
Run with /usr/bin/python3 (Debian's python3-numpy).
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import blas_check  # same directory: which BLAS, threads; exits 3 on the reference BLAS

D, N, DEPTH = 100, 200, 3
LR = {"diagonal": 0.01, "conv": 1e-3}


def signed_sample(rng, n, w):
    x = rng.standard_normal((n, w.size))
    s = np.where(x @ w < 0, -1.0, 1.0)
    return x * s[:, None]


def make_problem(model, seed=0):
    rng = np.random.default_rng(seed)
    if model == "diagonal":
        w = np.zeros(D)
        w[:4] = [8.0, 4.0, 2.0, 1.0]
        theta = np.full(2 * D, 0.01 ** (1.0 / DEPTH))
    else:
        c = np.zeros(D // 2 + 1)
        c[:4] = [3.0, 4.0, 6.0, 12.0]
        w = np.fft.irfft(c, n=D)
        theta = rng.standard_normal(DEPTH * D) * ((1.5e-3) ** (1.0 / DEPTH) / np.sqrt(D))
    w /= np.linalg.norm(w)
    return signed_sample(rng, N, w), theta


MATVEC = {  # (X~ v, X~^T e)
    "blas": (lambda x, v: x @ v, lambda x, e: x.T @ e),
    "einsum": (lambda x, v: np.einsum("ij,j->i", x, v), lambda x, e: np.einsum("i,ij->j", e, x)),
}


def loaded_blas():
    """The BLAS shared objects mapped into this process (which library numpy really calls)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() or "lapack" in line.lower()}
        return ", ".join(sorted(os.path.realpath(x) for x in libs if x.startswith("/"))) or "none found"
    except OSError:
        return "unknown"


class DiagonalStep:
    """beta = u+^3 - u-^3; theta = [u+; u-] updated in place."""

    def __init__(self, xt, theta, lr, matvec="blas"):
        self.xt, self.theta, self.lr = xt, theta, lr
        self.up, self.um = theta[:D], theta[D:]  # views
        self.n = xt.shape[0]
        self.mv, self.rmv = MATVEC[matvec]

    def __call__(self):
        up, um, xt = self.up, self.um, self.xt
        beta = up ** 3 - um ** 3
        e = np.exp(-self.mv(xt, beta))
        loss = e.sum() / self.n
        g = self.rmv(xt, e)
        g *= -1.0 / self.n
        up -= self.lr * (3.0 * up * up * g)
        um -= self.lr * (-3.0 * um * um * g)
        return loss

    def gradient(self):
        up, um, xt = self.up, self.um, self.xt
        g = -self.rmv(xt, np.exp(-self.mv(xt, up ** 3 - um ** 3))) / self.n
        return np.concatenate([3.0 * up * up * g, -3.0 * um * um * g])


class ConvStep:
    """beta = irfft(prod_k rfft(x_k)); theta = [w1; w2; v] updated in place."""

    def __init__(self, xt, theta, lr, matvec="blas"):
        self.xt, self.theta, self.lr = xt, theta, lr
        self.blocks = theta.reshape(DEPTH, D)  # a view: rfft over the last axis does all blocks at once
        self.n = xt.shape[0]
        self.mv, self.rmv = MATVEC[matvec]

    def _grad(self):
        S = np.fft.rfft(self.blocks, axis=1)  # (3, 51)
        P01 = S[0] * S[1]
        beta = np.fft.irfft(P01 * S[2], n=D)
        e = np.exp(-self.mv(self.xt, beta))
        loss = e.sum() / self.n
        G = np.fft.rfft(self.rmv(self.xt, e)) * (-1.0 / self.n)
        others = np.stack([S[1] * S[2], S[0] * S[2], P01])
        return loss, np.fft.irfft(G * others.conj(), n=D, axis=1)

    def __call__(self):
        loss, grad = self._grad()
        self.blocks -= self.lr * grad
        return loss

    def gradient(self):
        return self._grad()[1].reshape(-1)


STEPS = {"diagonal": DiagonalStep, "conv": ConvStep}


def check(dirname, matvec):
    """The same GD steps from the engine's data and start; relative differences."""
    d, n, lr_diag, lr_conv, steps = np.loadtxt(os.path.join(dirname, "meta.txt"))
    assert (int(d), int(n)) == (D, N), "dump is for another size"
    worst = 0.0
    for model, lr, xfile in (("diagonal", lr_diag, "xt.txt"), ("conv", lr_conv, "xt_conv.txt")):
        xt = np.loadtxt(os.path.join(dirname, xfile))
        theta = np.loadtxt(os.path.join(dirname, model + "_theta0.txt"))
        step = STEPS[model](xt, theta, lr, matvec)
        g0 = np.loadtxt(os.path.join(dirname, model + "_grad0.txt"))
        dg = np.linalg.norm(step.gradient() - g0) / np.linalg.norm(g0)
        trace = np.loadtxt(os.path.join(dirname, model + "_trace.txt"))
        ours = np.array([step() for _ in range(int(steps))])
        dl = np.max(np.abs(ours - trace) / np.abs(trace))
        end = np.loadtxt(os.path.join(dirname, model + "_theta_end.txt"))
        dt = np.linalg.norm(theta - end) / np.linalg.norm(end)
        worst = max(worst, dg, dl, dt)
        print(f"CHECK numpy-{matvec} {model}: {int(steps)} GD steps from the engine's start: rel. diff grad0 {dg:.2e}, "
              f"loss trace {dl:.2e}, end point {dt:.2e}")
    return worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="diagonal,conv")
    ap.add_argument("--steps", type=int, default=2000, help="steps per timed sample")
    ap.add_argument("--samples", type=int, default=7)
    ap.add_argument("--matvec", choices=sorted(MATVEC), default="blas")
    ap.add_argument("--label", default=None)
    ap.add_argument("--check", metavar="DIR", help="compare with `bench_diagonal_conv_step --dump=DIR` and exit")
    args = ap.parse_args()
    blas_check.require_optimized("numpy peer (diagonal/conv)")

    if args.check:
        return 0 if check(args.check, args.matvec) < 1e-9 else 1

    label = args.label or f"numpy-{args.matvec}"
    np.ones((2, 2)) @ np.ones(2)  # load the BLAS before reporting it
    print(f"# numpy {np.__version__}, matvec {args.matvec}, BLAS loaded: {loaded_blas()}, "
          f"env OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}", file=sys.stderr)
    for model in args.models.split(","):
        xt, theta = make_problem(model)
        step = STEPS[model](xt, theta, LR[model], args.matvec)
        for _ in range(50):  # warm-up
            step()
        wall, cpu = [], []
        for _ in range(args.samples):
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(args.steps):
                loss = step()
            wall.append((time.perf_counter() - t0) / args.steps)
            cpu.append((time.process_time() - c0) / args.steps)
        if not np.isfinite(loss):
            print(f"# numpy {model}: loss not finite after the timed steps", file=sys.stderr)
            return 1
        print("RESULT numpy", model, label, f"{statistics.median(wall):.6e}", f"{statistics.median(cpu):.6e}",
              "|", " ".join(f"{s:.4e}" for s in wall), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
