#!/usr/bin/python3
"""Side by side: one GD step of the two_layer model (all parameters, ASI, ReLU, Fig. 1 data, float64), depthbias
(the CLI binary, one run, one BLAS thread as the executable sets it) against the PyTorch port
(two_layer_torch.py, torch.set_num_threads(1), manual and autograd variants), in interleaved rounds (each round runs
every contender once, in a rotated order; the report takes medians over rounds of the CPU time per step and of the
per-round ratios). CPU seconds per step: ours from two runs of different step counts (children's rusage; the
difference removes start-up, references and output), torch from its own timed loop. Before timing, the BLAS each
side loads is printed (bench/peers/blas_check.py; exit 3 if the peer is on the reference BLAS: install
libopenblas0-pthread); every process runs with OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1.

  /usr/bin/python3 bench/two_layer/run_two_layer_bench.py [--binary build/depthbias] [--n 40960] [--rounds 5]

Prints per-round lines, the medians, the machine's bound for the step (flops and memory traffic per step) and how
close ours comes to it.
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")


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
    subprocess.run([binary, "run", cfg, "--out", os.path.join(tmp, f"run_{steps}"), "--no-figures", "--force"], check=True,
                   stdout=subprocess.DEVNULL, env=ENV)
    return children_cpu() - c0


def torch_step(variant, n, steps):
    out = subprocess.run([sys.executable, os.path.join(HERE, "two_layer_torch.py"), "--n", str(n), "--steps",
                          str(steps), "--variant", variant, "--threads", "1"], check=True, capture_output=True,
                         text=True, env=ENV).stdout
    return float([l for l in out.splitlines() if l.startswith("RESULT")][0].split()[5])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/depthbias")
    ap.add_argument("--n", type=int, default=40960)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    info = subprocess.run([a.binary, "info"], capture_output=True, text=True, env=ENV).stdout
    print("# BLAS depthbias:", " ".join(l[6:] for l in info.splitlines() if l.startswith("BLAS: ")) or "(not reported)")
    chk = subprocess.run([sys.executable, os.path.join(HERE, "..", "peers", "blas_check.py"), "--torch", "--label",
                          "torch port (one thread)"], capture_output=True, text=True, env=ENV)
    print((chk.stdout + chk.stderr).strip())
    if chk.returncode != 0:
        sys.exit(3)
    print(f"# load average at start: {open('/proc/loadavg').read().split()[:3]}")
    contenders = ["ours", "manual", "autograd"]
    times = {c: [] for c in contenders}
    ratios = {c: [] for c in contenders[1:]}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.rounds):
            order = contenders[r % 3:] + contenders[:r % 3]
            got = {}
            for c in order:
                if c == "ours":
                    lo, hi = ours(a.binary, a.n, 20, tmp), ours(a.binary, a.n, 20 + a.steps, tmp)
                    got[c] = (hi - lo) / a.steps
                else:
                    got[c] = torch_step(c, a.n, a.steps // 2 if c == "manual" else a.steps // 4)
            for c in contenders:
                times[c].append(got[c])
            for c in contenders[1:]:
                ratios[c].append(got[c] / got["ours"])
            print(f"round {r + 1} ({' '.join(order)}): ours {got['ours']:.3e}, torch manual {got['manual']:.3e} "
                  f"({got['manual'] / got['ours']:.2f}x), autograd {got['autograd']:.3e} "
                  f"({got['autograd'] / got['ours']:.2f}x) CPU s/step; load {open('/proc/loadavg').read().split()[0]}")
    m, h = 5, 2 * a.n
    med = statistics.median(times["ours"])
    print(f"n = {a.n} (2n = {h} hidden units with ASI), M = {m}, float64, one thread each side, {a.rounds} rounds")
    print(f"depthbias       {med:.3e} CPU s/step (median)")
    for c in contenders[1:]:
        print(f"torch {c:9s} {statistics.median(times[c]):.3e} CPU s/step (median); median per-round ratio "
              f"torch/ours = {statistics.median(ratios[c]):.2f}")
    # The machine's bandwidth for arrays of this size (h doubles each, 3 per pass: the step's working set sits in
    # L2/L3), measured by a numpy triad c = a + b (one thread), and one core's FMA peak from lscpu's clock.
    import numpy as np
    import time
    arr_a, arr_b, arr_c = np.random.rand(h), np.random.rand(h), np.empty(h)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(500):
            np.add(arr_a, arr_b, out=arr_c)
        best = min(best, (time.perf_counter() - t0) / 500)
    bw = 3 * 8.0 * h / best
    mhz = [l for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines() if "MHz" in l]
    print(f"machine: triad bandwidth on 3 x {h} doubles: {bw / 1e9:.1f} GB/s (numpy, best of 5); lscpu: "
          f"{'; '.join(x.strip() for x in mhz) or 'no MHz line'}; AVX2 FMA peak 16 flop/cycle")
    flops = 12.0 * h * m
    # memory traffic of our step, in arrays of h doubles: forward (read w, b, s, a; write sa), backward (read w, b,
    # s, sa; write gw, gb, ga), GD update (read theta and g: 6; write theta: 3) = 21 array passes.
    traffic = 21 * 8.0 * h
    print(f"bound: {flops / 1e6:.2f} Mflop/step -> {flops / med / 1e9:.1f} Gflop/s achieved; "
          f"{traffic / 1e6:.1f} MB/step of array traffic -> {traffic / med / 1e9:.1f} GB/s achieved "
          f"({traffic / med / bw:.2f} of the triad bandwidth; traffic-bound time {traffic / bw:.2e} s/step)")


if __name__ == "__main__":
    main()
