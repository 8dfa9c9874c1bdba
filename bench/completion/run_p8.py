#!/usr/bin/python3
"""P8 (issue 13): the completion-depth GroupRMSprop step (n = 100, m = 2000, depth 3, float64), depthbias
(bench_completion_step, Google Benchmark; the engine's step with its sparse pull-back, and the same step forced
dense) against the PyTorch port of the authors' step (completion_torch.py), one thread each side, interleaved
rounds in one invocation (rotated order), medians of the per-round ratios torch / ours in CPU seconds per step.
Also printed: the matrix-product floor of a step that forms every product (3 (N - 1) = 6 dense 100 x 100
products; Eigen on our side, torch.mm on the port's), and the BLAS each side uses.

  /usr/bin/python3 bench/completion/run_p8.py [--build build] [--rounds 5] [--torch-steps 400] [--out FILE]

The build directory needs -DDEPTHBIAS_BUILD_BENCH=ON (target bench_completion_step). Before timing, the port runs
5 steps from the engine's own instance and init (--dump / --check) and must reproduce the engine's losses.
Needs Debian's libopenblas0-pthread (the port on the reference BLAS is not a fair peer): checked, exit 3 if absent.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PY = "/usr/bin/python3"
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")


def load():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def openblas_installed():
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "libopenblas0-pthread"], capture_output=True, text=True)
    return "install ok installed" in r.stdout


def ours(binary, min_time):
    out = subprocess.run([binary, "--benchmark_filter=BM_CompletionStep|BM_ProductFloor",
                          "--benchmark_format=json", f"--benchmark_min_time={min_time}"],
                         check=True, capture_output=True, text=True, env=ENV).stdout
    res = {}
    for b in json.loads(out)["benchmarks"]:
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        res[b["name"]] = {"cpu": b["cpu_time"] * scale, "wall": b["real_time"] * scale,
                          "allocs": b.get("allocs_per_step")}
    return res


def torch_port(steps):
    out = subprocess.run([PY, os.path.join(HERE, "completion_torch.py"), "--steps", str(steps)], check=True,
                         capture_output=True, text=True, env=ENV)
    vals = {}
    for line in out.stdout.splitlines():
        k, *v = line.split()
        vals[k] = [float(x) for x in v]
    return {"cpu": vals["RESULT"][0], "wall": vals["RESULT"][1], "floor": vals["FLOOR"][0], "blas": out.stderr.strip()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--torch-steps", type=int, default=400)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "p8_completion.txt"))
    a = ap.parse_args()
    if not openblas_installed():
        print("error: libopenblas0-pthread is not installed (Debian's libblas.so.3 would be the reference BLAS: not a "
              "fair peer). Install it (scripts/install-deps.sh --with-bench, or apt-get install libopenblas0-pthread) "
              "and run again.", file=sys.stderr)
        sys.exit(3)
    binary = os.path.join(a.build, "bench_completion_step")
    if not os.path.exists(binary):
        print(f"error: {binary} not found: configure with -DDEPTHBIAS_BUILD_BENCH=ON and build bench_completion_step",
              file=sys.stderr)
        sys.exit(2)
    lines = [f"date: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}", f"load average at start: {load()}"]
    info = subprocess.run([os.path.join(a.build, "depthbias"), "info"], capture_output=True, text=True).stdout
    blas_ours = [l for l in info.splitlines() if l.startswith("BLAS")]
    lines.append("# BLAS depthbias: " + (blas_ours[0][5:].strip() if blas_ours else "(depthbias info: no BLAS line)") +
                 " (the step's products are Eigen's own GEMM: no BLAS call)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([binary, f"--dump={tmp}"], check=True, env=ENV)
        chk = subprocess.run([PY, os.path.join(HERE, "completion_torch.py"), "--check", tmp], capture_output=True,
                             text=True, env=ENV)
    lines += [l for l in chk.stdout.splitlines()]
    if chk.returncode != 0:
        print("\n".join(lines) + "\n" + chk.stderr, file=sys.stderr)
        sys.exit(1)
    rounds = []
    for r in range(a.rounds):
        order = ["ours", "torch"] if r % 2 == 0 else ["torch", "ours"]
        got = {}
        for who in order:
            got[who] = ours(binary, a.min_time) if who == "ours" else torch_port(a.torch_steps)
        rounds.append(got)
        o, t = got["ours"], got["torch"]
        en, sp, de, fl = (o["BM_CompletionStep/2000/0"], o["BM_CompletionStep/2000/1"], o["BM_CompletionStep/2000/2"],
                          o["BM_ProductFloor"])
        lines.append(f"round {r + 1} ({' then '.join(order)}, load {load()}): CPU s/step ours (engine) {en['cpu']:.3e}, "
                     f"forced sparse {sp['cpu']:.3e}, forced dense {de['cpu']:.3e}, torch {t['cpu']:.3e}; floors: Eigen "
                     f"{fl['cpu']:.3e}, torch.mm {t['floor']:.3e}; ratio torch/ours {t['cpu'] / en['cpu']:.2f}; m = 500: "
                     f"engine {o['BM_CompletionStep/500/0']['cpu']:.3e}, dense {o['BM_CompletionStep/500/2']['cpu']:.3e}")
    lines.insert(3, rounds[0]["torch"]["blas"])
    med = lambda f: statistics.median(f(g) for g in rounds)  # noqa: E731
    key = lambda m, k: (lambda g: g["ours"][f"BM_CompletionStep/{m}/{k}"]["cpu"])  # noqa: E731
    en, sp, de = med(key(2000, 0)), med(key(2000, 1)), med(key(2000, 2))
    en5, de5 = med(key(500, 0)), med(key(500, 2))
    tc = med(lambda g: g["torch"]["cpu"])
    fe = med(lambda g: g["ours"]["BM_ProductFloor"]["cpu"])
    ft = med(lambda g: g["torch"]["floor"])
    ratio = med(lambda g: g["torch"]["cpu"] / key(2000, 0)(g))
    allocs = rounds[-1]["ours"]["BM_CompletionStep/2000/0"]["allocs"]
    lines += [
        f"medians over {a.rounds} rounds (CPU seconds per step, one thread each side):",
        f"  depthbias step (the engine's, m = 2000: dense path at 20% density): {en:.3e}   allocations per step: {allocs}",
        f"  depthbias step, sparse pull-back forced:       {sp:.3e}  (dense / sparse = {de / sp:.2f})",
        f"  depthbias step, dense pull-back forced:        {de:.3e}",
        f"  m = 500 (5% density): engine (sparse path) {en5:.3e}, dense forced {de5:.3e}: sparse-gradient ratio "
        f"dense / sparse = {de5 / en5:.2f}",
        f"  PyTorch port of the authors' step:              {tc:.3e}",
        f"  matrix-product floor (6 dense 100 x 100 products): Eigen {fe:.3e}, torch.mm {ft:.3e}",
        f"  ratio torch / ours per CPU second (median of per-round ratios): {ratio:.2f}x",
        f"  ours / our floor {en / fe:.2f}; torch / its floor {tc / ft:.2f}",
        f"load average at end: {load()}",
    ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
