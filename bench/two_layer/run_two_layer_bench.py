#!/usr/bin/python3
"""Side by side: one GD step of the two_layer model (all parameters, ASI, ReLU, Fig. 1 data, float64), depthbias
(the CLI binary, one run, OpenBLAS/Eigen single-threaded as the executable sets it) against the PyTorch port
(two_layer_torch.py, torch.set_num_threads(1)). CPU seconds per step: ours from two runs of different step counts
(children's rusage; the difference removes start-up, references and output), torch from its own timed loop.

  /usr/bin/python3 bench/two_layer/run_two_layer_bench.py [--binary build/depthbias] [--n 40960]

Prints both per-step CPU times and the ratio torch / ours (> 1: depthbias faster). Also a bound: the step reads
and writes ~ (M + 8) x 2n doubles (preactivations, parameters, gradients), so at B GB/s it cannot beat
8 (M + 8) 2n / B seconds; the printed `bytes/step / cpu` is the bandwidth the step achieves.
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def ours(binary, n, steps, tmp):
    cfg = os.path.join(tmp, f"cfg_{steps}.toml")
    with open(cfg, "w") as f:
        f.write(f"""[task]
kind = "points"
[model]
kind = "two_layer"
init = "uniform"
width = {n}
[dynamics]
kind = "gd"
lr = {0.6 / n!r}
max_steps = {steps}
loss_threshold = 0
[observe]
schedule = "log"
points_per_decade = 2
""")
    c0 = children_cpu()
    subprocess.run([binary, "run", cfg, "--out", os.path.join(tmp, f"run_{steps}"), "--no-figures"], check=True,
                   stdout=subprocess.DEVNULL, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    return children_cpu() - c0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/depthbias")
    ap.add_argument("--n", type=int, default=40960)
    ap.add_argument("--steps", type=int, default=400)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lo, hi = ours(a.binary, a.n, 20, tmp), ours(a.binary, a.n, 20 + a.steps, tmp)
    our_step = (hi - lo) / a.steps
    res = {}
    for variant in ["manual", "autograd"]:
        out = subprocess.run([sys.executable, os.path.join(HERE, "two_layer_torch.py"), "--n", str(a.n), "--steps",
                              str(a.steps // 2), "--variant", variant, "--threads", "1"], check=True,
                             capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1")).stdout
        line = [l for l in out.splitlines() if l.startswith("RESULT")][0].split()
        res[variant] = float(line[5])
    m = 5
    bytes_step = 8.0 * (m + 8) * 2 * a.n
    print(f"n = {a.n} (2n = {2 * a.n} hidden units with ASI), M = {m}, float64, one thread each side")
    print(f"depthbias      {our_step:.3e} CPU s/step  ({bytes_step / our_step / 1e9:.2f} GB/s of ~{bytes_step / 1e6:.1f} MB/step)")
    for v, t in res.items():
        print(f"torch {v:9s} {t:.3e} CPU s/step  ratio torch/ours = {t / our_step:.2f}")


if __name__ == "__main__":
    main()
