#!/usr/bin/python3
"""End to end: the whole `spline-bias` preset (114 runs: 105 min-norm interpolant runs of one step, 6 GD runs to
loss < 1e-16, one output-only run to 1e-20, two skip runs to 1e-14; per-run function-space metrics) by depthbias
(`depthbias reproduce spline-bias --jobs 1 --no-figures`, references included) against its numpy/PyTorch port
(bench/two_layer/spline_bias_port.py: the same protocol, stopping rule and, through --steps, at most depthbias's step
count per run; references read from depthbias's output, i.e. not computed by the port). One thread each side
(OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = 1, torch.set_num_threads(1), --jobs 1); the BLAS each side loads is
printed (exit 3 if the port is on the reference BLAS: install libopenblas0-pthread). Interleaved rounds (each round
runs both, in a rotated order); the report takes medians of the CPU seconds (children's rusage) and of the per-round
ratios port / ours.

  /usr/bin/python3 bench/two_layer/run_spline_bias_e2e.py [--binary build/depthbias] [--rounds 3]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
sys.path.insert(0, HERE)
from spline_bias_port import slug  # noqa: E402


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def ours(binary, out):
    c0, w0 = children_cpu(), time.perf_counter()
    subprocess.run([binary, "reproduce", "spline-bias", "--out", out, "--no-figures", "--force", "--jobs", "1"],
                   check=True, stdout=subprocess.DEVNULL, env=ENV)
    return children_cpu() - c0, time.perf_counter() - w0


def port(refs, steps, out):
    c0, w0 = children_cpu(), time.perf_counter()
    res = subprocess.run([sys.executable, os.path.join(HERE, "spline_bias_port.py"), "--preset",
                          os.path.join(ROOT, "experiments", "spline-bias.toml"), "--refs", refs, "--steps", steps,
                          "--out", out], check=True, capture_output=True, text=True, env=ENV).stdout
    line = [l for l in res.splitlines() if l.startswith("RESULT")][0].split()
    return children_cpu() - c0, time.perf_counter() - w0, int(line[3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "depthbias"))
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    info = subprocess.run([a.binary, "info"], capture_output=True, text=True, env=ENV).stdout
    print("# BLAS depthbias:", " ".join(l[6:] for l in info.splitlines() if l.startswith("BLAS: ")) or "(not reported)")
    chk = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "peers", "blas_check.py"), "--torch", "--label",
                          "port (numpy + torch, one thread)"], capture_output=True, text=True, env=ENV)
    print((chk.stdout + chk.stderr).strip())
    if chk.returncode != 0:
        sys.exit(3)
    print(f"# load average at start: {' '.join(open('/proc/loadavg').read().split()[:3])}")
    with tempfile.TemporaryDirectory() as tmp:
        ref_dir = os.path.join(tmp, "ours_ref")
        ours(a.binary, ref_dir)  # untimed: the port's references and step counts
        preset = tomllib.load(open(os.path.join(ROOT, "experiments", "spline-bias.toml"), "rb"))
        steps = {v["label"]: json.load(open(os.path.join(ref_dir, slug(v["label"]), "summary.json")))["steps"]
                 for v in preset["variant"]}
        steps_file = os.path.join(tmp, "steps.json")
        json.dump(steps, open(steps_file, "w"))
        our_steps = sum(steps.values())
        rows = []
        for r in range(a.rounds):
            got = {}
            for side in (["ours", "port"] if r % 2 == 0 else ["port", "ours"]):
                if side == "ours":
                    got["ours"] = ours(a.binary, os.path.join(tmp, f"ours_{r}"))
                else:
                    got["port"] = port(ref_dir, steps_file, os.path.join(tmp, f"port_{r}"))
            ratio = got["port"][0] / got["ours"][0]
            rows.append((got["ours"][0], got["port"][0], ratio, got["port"][2]))
            print(f"round {r + 1}: ours {got['ours'][0]:.2f} CPU s ({got['ours'][1]:.2f} s wall), port "
                  f"{got['port'][0]:.2f} CPU s ({got['port'][1]:.2f} s wall, {got['port'][2]} GD steps), "
                  f"ratio {ratio:.2f}; load {open('/proc/loadavg').read().split()[0]}")
    print(f"spline-bias end to end, {len(preset['variant'])} runs, one thread each side, {a.rounds} rounds")
    print(f"depthbias {statistics.median(r[0] for r in rows):.2f} CPU s (median; {our_steps} GD steps)")
    print(f"port      {statistics.median(r[1] for r in rows):.2f} CPU s (median; {rows[0][3]} GD steps: the same "
          f"stopping rule, capped at depthbias's count per run)")
    print(f"median per-round ratio port / ours = {statistics.median(r[2] for r in rows):.2f}")


if __name__ == "__main__":
    main()
