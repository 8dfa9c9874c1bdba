#!/usr/bin/python3
"""numpy/PyTorch port of the whole `spline-bias` preset (experiments/spline-bias.toml): every variant trained with
the same protocol as depthbias (two_layer model: standard parametrization, ASI, ReLU, uniform init W ~ U(-1, 1),
B ~ U(-2, 2), output layer ~ U(-1/sqrt n, 1/sqrt n); float64; loss (1/M) sum 1/2 r^2; full-batch GD at the
variant's lr; the same stopping rule: stop at step k when loss(theta_k) < dynamics.loss_threshold or k =
dynamics.max_steps, diverged when the loss exceeds 1e6 x loss0 or is not finite), losses recorded on a log schedule
(10 per decade), and the same per-run metrics (trained function on 401 points of [x_1, x_M]; the output-layer
minimum-norm interpolants from theta0 with and without a free affine part; sup distances between them and to the
function-space references g* and the infinite-width kernel interpolant; one function.csv per run).

The references themselves (g*, kernel limit: a few thousand adaptive quadratures) are read from a depthbias output
directory (--refs DIR: the first run's function.csv) instead of recomputed: depthbias's timing includes computing
them, the port's does not (in the port's favour).

Step counts: with --steps FILE (JSON {label: steps} from a depthbias run) each run also stops at depthbias's step
count for that variant, so that both sides do the same number of GD steps (the inits differ: depthbias's RNG is not
ported). The GD loop is PyTorch (torch.no_grad, preallocated buffers, in-place updates, the gradient written out:
bench/two_layer/two_layer_torch.py's fast `manual` port), the small dense algebra numpy.

  /usr/bin/python3 bench/two_layer/spline_bias_port.py --preset experiments/spline-bias.toml --refs DIR \
      [--steps steps.json] [--out DIR] [--threads 1]
Prints one line per run and: RESULT port <runs> <total steps> <cpu s>
"""
import argparse
import json
import math
import os
import re
import resource
import sys
import time
import tomllib

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def slug(label):
    s = ""
    for c in label:
        if c.isalnum():
            s += c.lower()
        elif s and s[-1] != "-":
            s += "-"
    return s.rstrip("-") or "run"


S2 = 0.5 ** 0.5


class Net:
    """theta = (W, B, A) over 2n ASI units, C (2 output biases), skip (u~, v~) with factor r = sqrt(skip_rate)."""

    def __init__(self, n, seed, skip, skip_rate, train_input):
        g = torch.Generator().manual_seed(seed)
        d = torch.float64
        w = torch.rand(n, generator=g, dtype=d) * 2 - 1
        b = (torch.rand(n, generator=g, dtype=d) * 2 - 1) * 2
        a = (torch.rand(n, generator=g, dtype=d) * 2 - 1) / math.sqrt(n)
        c = (torch.rand(1, generator=g, dtype=d) * 2 - 1) / math.sqrt(n)
        self.W, self.B, self.A = torch.cat([w, w]), torch.cat([b, b]), torch.cat([a, a])
        self.C = torch.cat([c, c])
        self.s = torch.cat([torch.full((n,), S2, dtype=d), torch.full((n,), -S2, dtype=d)])
        self.sk = torch.tensor([S2, -S2], dtype=d)
        self.skip, self.r, self.train_input = skip, math.sqrt(skip_rate), train_input
        self.uv = torch.zeros(2, dtype=d)

    def state(self):
        return [t.clone() for t in (self.W, self.B, self.A, self.C, self.uv)]

    def evaluate(self, xs, st=None):
        W, B, A, C, uv = st if st is not None else (self.W, self.B, self.A, self.C, self.uv)
        xs = torch.as_tensor(xs, dtype=torch.float64)
        out = torch.empty(xs.numel(), dtype=torch.float64)
        if not hasattr(self, "buf") or self.buf.shape[1] != W.numel():
            self.buf = torch.empty(16, W.numel(), dtype=torch.float64)  # reused: no page faults per block
        sa = self.s * A
        bias = float(self.sk @ C)
        for i0 in range(0, xs.numel(), 16):  # blocks of 16 grid points in a preallocated buffer
            blk = xs[i0:i0 + 16]
            z = self.buf[:blk.numel()]
            torch.addr(B.expand(blk.numel(), -1), blk, W, out=z)
            z.clamp_(min=0)
            torch.mv(z, sa, out=out[i0:i0 + 16])
        out += bias
        if self.skip:
            out += self.r * (uv[0] * xs + uv[1])
        return out.numpy()

    def features(self, x, st):
        """Output-layer features at the points x: J (M x p), df/d(A, C, u~, v~)."""
        W, B = st[0], st[1]
        x = torch.as_tensor(x, dtype=torch.float64)
        cols = [torch.clamp(torch.outer(x, W) + B, min=0) * self.s, self.sk.expand(x.numel(), 2)]
        if self.skip:
            cols += [self.r * x[:, None], self.r * torch.ones(x.numel(), 1, dtype=torch.float64)]
        return torch.cat(cols, 1).numpy()


@torch.no_grad()
def train(net, x, y, lr, max_steps, threshold):
    """GD as depthbias's step loop: loss and gradient at theta_k, stop rules, then the update."""
    x = torch.as_tensor(x, dtype=torch.float64)
    y = torch.as_tensor(y, dtype=torch.float64)
    M, H = x.numel(), net.W.numel()
    Z, P, D = (torch.empty(M, H, dtype=torch.float64) for _ in range(3))
    sa, gW, gB, gA = (torch.empty(H, dtype=torch.float64) for _ in range(4))
    records, next_t, loss0 = [], lr, None
    k = 0
    status = "budget"
    while True:
        torch.mul(net.s, net.A, out=sa)
        torch.addr(net.B.expand(M, -1), x, net.W, out=Z)
        torch.clamp(Z, min=0, out=P)
        f = P @ sa + net.sk @ net.C
        if net.skip:
            f = f + net.r * (net.uv[0] * x + net.uv[1])
        r = (f - y) / M
        loss = 0.5 * M * float(r @ r)
        if loss0 is None:
            loss0 = loss
        t = k * lr
        if t >= next_t or k == 0:
            records.append((k, t, loss))
            next_t = t * 10 ** 0.1 if t > 0 else lr
        if not math.isfinite(loss) or loss > 1e6 * max(loss0, 1e-300):
            status = "diverged"
            break
        if loss < threshold:
            status = "converged"
            break
        if k >= max_steps:
            break
        torch.mv(P.t(), r, out=gA)
        gA.mul_(net.s)
        if net.train_input:
            D.copy_(Z > 0)
            D.mul_(r.unsqueeze(1))
            torch.sum(D, 0, out=gB)
            torch.mv(D.t(), x, out=gW)
            gB.mul_(sa)
            gW.mul_(sa)
            net.W.sub_(lr * gW)
            net.B.sub_(lr * gB)
        net.A.sub_(lr * gA)
        net.C.sub_(lr * (net.sk * r.sum()))
        if net.skip:
            net.uv.sub_(lr * net.r * torch.stack([(r * x).sum(), r.sum()]))
        k += 1
    records.append((k, k * lr, loss))
    return status, k, loss, records


def min_norm(net, st0, x, y, grid, free_affine):
    """theta0 with theta_out += J^T c, K c (+ T(a, b)) = y - f0 (bordered when free_affine)."""
    j = net.features(x, st0)
    f0 = net.evaluate(x, st0)
    k = j @ j.T
    m = len(x)
    if free_affine:
        big = np.zeros((m + 2, m + 2))
        big[:m, :m] = k
        big[:m, m] = 1
        big[:m, m + 1] = x
        big[m, :m] = 1
        big[m + 1, :m] = x
        sol = np.linalg.solve(big, np.r_[y - f0, 0, 0])
        c, a, b = sol[:m], sol[m], sol[m + 1]
    else:
        c, a, b = np.linalg.solve(k, y - f0), 0.0, 0.0
    delta = torch.as_tensor(j.T @ c)
    W, B, A, C, uv = (t.clone() for t in st0)
    H = A.numel()
    A += delta[:H] * 1.0  # features are s_i phi_i: d f / d A_i
    C += delta[H:H + 2]
    if net.skip:
        uv += delta[H + 2:H + 4]
    return net.evaluate(grid, (W, B, A, C, uv)) + a + b * grid


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="experiments/spline-bias.toml")
    ap.add_argument("--refs", required=True, help="a depthbias spline-bias output directory (its references)")
    ap.add_argument("--steps", default=None, help="JSON {label: steps} of a depthbias run")
    ap.add_argument("--out", default=None)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with open(a.preset, "rb") as f:
        preset = tomllib.load(f)
    steps_of = json.load(open(a.steps)) if a.steps else {}
    base = {"task.x": preset["task"].get("x", [-2, -1, 0, 1, 2]), "task.y": preset["task"].get("y"),
            "model.width": preset["model"].get("width", 64), "dynamics.lr": preset["dynamics"]["lr"],
            "dynamics.max_steps": preset["dynamics"]["max_steps"],
            "dynamics.loss_threshold": preset["dynamics"]["loss_threshold"], "model.skip": False,
            "model.skip_rate": 1.0, "model.train_input": True, "run.seed": 1}
    refs = {}  # references per data set (y): read from depthbias's function.csv of a run on that data
    for v in preset["variant"]:
        d = os.path.join(a.refs, slug(v["label"]), "function.csv")
        key = tuple(v.get("task.y", base["task.y"]))
        if key not in refs and os.path.exists(d):
            tab = np.genfromtxt(d, delimiter=",", names=True)
            refs[key] = {n: tab[n] for n in tab.dtype.names if n in ("spline", "kernel_limit")}
            refs[key]["x"] = tab["x"]
    c0, w0 = cpu(), time.perf_counter()
    total_steps = 0
    for v in preset["variant"]:
        p = dict(base)
        p.update({k: val for k, val in v.items() if k != "label"})
        x, y = np.array(p["task.x"], float), np.array(p["task.y"], float)
        grid = np.linspace(x[0], x[-1], 401)
        max_steps = p["dynamics.max_steps"]
        if v["label"] in steps_of:
            max_steps = min(max_steps, steps_of[v["label"]])
        net = Net(p["model.width"], p["run.seed"], p["model.skip"], p["model.skip_rate"], p["model.train_input"])
        st0 = net.state()
        status, k, loss, records = train(net, x, y, p["dynamics.lr"], max_steps, p["dynamics.loss_threshold"])
        total_steps += k
        metrics = {}
        if status != "diverged":
            f = net.evaluate(grid)
            mn = min_norm(net, st0, x, y, grid, False)
            mna = min_norm(net, st0, x, y, grid, True)
            metrics["sup_to_min_norm"] = float(np.max(np.abs(f - mn)))
            metrics["rel_sup_to_min_norm"] = metrics["sup_to_min_norm"] / float(np.max(np.abs(mn)))
            metrics["sup_to_min_norm_affine"] = float(np.max(np.abs(f - mna)))
            cols = {"x": grid, "network": f, "min_norm": mn, "min_norm_affine": mna}
            for name, ref in refs.get(tuple(y), {}).items():
                if name == "x":
                    continue
                metrics["sup_to_" + name] = float(np.max(np.abs(f - ref)))
                metrics["min_norm_sup_to_" + name] = float(np.max(np.abs(mn - ref)))
                metrics["min_norm_affine_sup_to_" + name] = float(np.max(np.abs(mna - ref)))
                cols[name] = ref
            if a.out:
                d = os.path.join(a.out, slug(v["label"]))
                os.makedirs(d, exist_ok=True)
                np.savetxt(os.path.join(d, "function.csv"), np.column_stack(list(cols.values())), delimiter=",",
                           header=",".join(cols), comments="", fmt="%.17g")
                np.savetxt(os.path.join(d, "losses.csv"), np.array(records), delimiter=",", header="step,time,loss",
                           comments="", fmt="%.17g")
                with open(os.path.join(d, "summary.json"), "w") as fo:
                    json.dump({"status": status, "steps": k, "loss": loss, "final": metrics}, fo)
        print(f"{v['label']}: {status} after {k} steps, loss {loss:.3e}, "
              + ", ".join(f"{n} {val:.4g}" for n, val in metrics.items() if "spline" in n or n == "sup_to_min_norm"))
    print(f"RESULT port {len(preset['variant'])} {total_steps} {cpu() - c0:.4f} {time.perf_counter() - w0:.4f}")


if __name__ == "__main__":
    main()
