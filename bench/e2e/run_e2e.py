#!/usr/bin/python3
"""Issue 10, "time to solution for every preset against its peer": `depthbias reproduce NAME --no-figures
--jobs 1` against a numpy port of the authors' protocol (bench/e2e/port_NAME.py) doing the same work, one BLAS
thread on each side, interleaved rounds (ours, port, ours, port, ... ; the order alternates per round), medians of
wall time and of CPU time (user + sys of the child, from os.wait4). Called by bench/run_e2e.sh.

Same work: before the timed rounds ours runs each preset once (a warm-up, not timed) and the steps of every
variant are read from its summary.json; each port then runs exactly those steps (--steps), so both sides take
the same number of GD steps per variant whatever their random draws. kernel-rich runs an adaptive flow on both
sides (same method, same tolerances; the port saves its endpoints and its accuracy against the exact flow limit
is computed afterwards, untimed; ours reports its own in summary.json).

fig1a: a streaming-read probe (OpenBLAS sgemv over a float32 buffer of the size of the measurement matrix,
m x d^2 x 4 bytes, best of 30) runs once per round; the bandwidth floor is sum(steps) x m d^2 x 4 bytes / that
bandwidth (ours reads A once per step, in float32).
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
E2E = os.path.join(ROOT, "bench", "e2e")
PY = "/usr/bin/python3"
PRESETS = ["fig1a", "fig1b", "fig1c", "fig1d", "omp", "toy", "kernel-rich"]
PORT = {p: os.path.join(E2E, "port_" + p.replace("-", "_") + ".py") for p in PRESETS}
# Step-benchmark ratios (per CPU second, one thread, OpenBLAS peers) re-measured in issue 10: P1 float32 storage
# against the faster numpy peer (fig1a), P4 against numpy (fig1c diagonal, fig1d conv). None: no step benchmark.
STEP_RATIO = {"fig1a": (3.3, 5.2, "P1 float32 storage vs numpy, issue 10"),
              "fig1c": (4.7, 4.7, "P4 diagonal vs numpy, issue 10"),
              "fig1d": (5.9, 5.9, "P4 conv vs numpy, issue 10")}
MEMORY_BOUND = {"fig1a"}
ENV1 = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "GOTO_NUM_THREADS": "1"}


def env():
    e = dict(os.environ)
    e.update(ENV1)
    return e


def timed(cmd, out_path):
    """Runs cmd with stdout+stderr to out_path; returns (wall s, CPU s = user + sys of the child, rc)."""
    with open(out_path, "w") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env(), cwd=ROOT)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, p.returncode


def our_cmd(binary, preset, out, extra):
    return [binary, "reproduce", preset, "--out", out, "--force", "--no-figures", "--jobs", "1"] + extra


def our_runs(out):
    """[(label, summary dict)] in preset order (experiment.json), or sorted by directory when absent."""
    exp = os.path.join(out, "experiment.json")
    runs = []
    if os.path.exists(exp):
        with open(exp) as f:
            j = json.load(f)
        for r in j.get("runs", []):  # {"directory", "label", "summary"} in preset order
            if "summary" in r:
                runs.append((r.get("label", r.get("directory")), r["summary"]))
    if not runs:
        for sp in sorted(glob.glob(os.path.join(out, "*", "summary.json"))):
            with open(sp) as f:
                runs.append((os.path.basename(os.path.dirname(sp)), json.load(f)))
    return runs


def read_probe(path):
    with open(path) as f:
        for line in f:
            if line.startswith("BANDWIDTH"):
                return float(line.split()[1])
    return None


PROBE = r"""
import sys, time, numpy as np
sys.path.insert(0, sys.argv[2]); import blas_check; blas_check.require_optimized("bandwidth probe")
nbytes = int(sys.argv[1]); A = np.random.default_rng(0).standard_normal((1000, nbytes // 4000)).astype(np.float32)
x = np.ones(A.shape[1], np.float32); A @ x
ts = sorted((lambda t0: (A @ x, time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(30))
best, med = ts[0], ts[15]
print(f"BANDWIDTH {A.nbytes / best / 1e9:.3f} GB/s (sgemv over {A.nbytes / 1e6:.1f} MB, best of 30: {best * 1e3:.3f} ms; "
      f"median {med * 1e3:.3f} ms = {A.nbytes / med / 1e9:.1f} GB/s)")
"""


def fmt_ratio(x):
    return f"{x:.2f}x"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "depthbias"))
    ap.add_argument("--raw", default=None, help="directory for the raw outputs (default: a temporary one)")
    ap.add_argument("--set", action="append", default=[], metavar="PRESET:KEY=VALUE",
                    help="scale a preset on our side (--set fig1d:dynamics.max_steps=100000); the port follows "
                         "through the step counts read from our warm-up run")
    ap.add_argument("--port-arg", action="append", default=[], metavar="PRESET:ARG",
                    help="extra argument for a port (--port-arg fig1a:--storage=float64)")
    a = ap.parse_args()
    presets = a.presets.split(",")
    port_args = {p: [] for p in presets}
    for s in a.port_arg:
        p, arg = s.split(":", 1)
        port_args[p].append(arg)
    raw = a.raw or tempfile.mkdtemp(prefix="depthbias-e2e-")
    os.makedirs(raw, exist_ok=True)
    work = tempfile.mkdtemp(prefix="depthbias-e2e-runs-")
    sets = {p: [] for p in presets}
    for s in a.set:
        p, kv = s.split(":", 1)
        sets[p] += ["--set", kv]

    # ---- warm-up: our step counts per variant ----
    steps, ours_info = {}, {}
    for p in presets:
        out = os.path.join(work, p + "-warm")
        w, c, rc = timed(our_cmd(a.binary, p, out, sets[p]), os.path.join(raw, f"{p}_warmup.txt"))
        if rc not in (0, 4):  # 4: checks not all passed (still a finished experiment)
            sys.exit(f"warm-up of {p} failed (exit {rc}), see {raw}/{p}_warmup.txt")
        runs = our_runs(out)
        steps[p] = [int(s["steps"]) for _, s in runs]
        ours_info[p] = runs
        print(f"# warm-up {p}: exit {rc}, {w:.2f} s wall; {len(runs)} runs, steps per variant "
              f"{','.join(map(str, steps[p]))} (total {sum(steps[p])})", flush=True)

    # ---- timed, interleaved rounds ----
    res = {p: {"ours": [], "port": []} for p in presets}
    bw = []
    for r in range(1, a.rounds + 1):
        for p in presets:
            order = ["ours", "port"] if r % 2 == 1 else ["port", "ours"]
            for side in order:
                log = os.path.join(raw, f"{p}_{side}_{r}.txt")
                if side == "ours":
                    cmd = our_cmd(a.binary, p, os.path.join(work, p), sets[p])
                else:
                    cmd = [PY, PORT[p], "--steps", ",".join(map(str, steps[p]))] + port_args[p]
                    if p == "kernel-rich":
                        cmd = [PY, PORT[p], "--save", os.path.join(work, "kernel_rich_ends.npy")] + port_args[p]
                w, c, rc = timed(cmd, log)
                if rc == 3 and side == "port":
                    print(open(log).read(), file=sys.stderr)
                    sys.exit(3)
                if rc not in (0, 4):
                    sys.exit(f"{side} {p} round {r} failed (exit {rc}), see {log}")
                res[p][side].append((w, c))
                print(f"# round {r} {p:11s} {side:4s}: wall {w:8.3f} s, CPU {c:8.3f} s", flush=True)
            if p == "fig1a":
                log = os.path.join(raw, f"probe_{r}.txt")
                timed([PY, "-c", PROBE, str(1000 * 2500 * 4), os.path.join(ROOT, "bench", "peers")], log)
                bw.append(read_probe(log))
                print(f"# round {r} fig1a read-bandwidth probe: " + open(log).read().split("BANDWIDTH ")[-1].strip(),
                      flush=True)
        print(f"# load average after round {r}: {open('/proc/loadavg').read().split()[:3]}", flush=True)

    # ---- report ----
    print()
    print(f"Medians over {a.rounds} interleaved rounds; ratio = port / ours (> 1: ours faster); one BLAS thread each side")
    print(f"{'preset':12s} {'steps':>9s} {'ours wall':>10s} {'ours CPU':>9s} {'port wall':>10s} {'port CPU':>9s} "
          f"{'wall ratio':>10s} {'CPU ratio':>9s} {'ours us/step':>12s} {'port us/step':>12s}  CPU ratio per round")
    summary = {}
    for p in presets:
        ow = statistics.median(x[0] for x in res[p]["ours"])
        oc = statistics.median(x[1] for x in res[p]["ours"])
        pw = statistics.median(x[0] for x in res[p]["port"])
        pc = statistics.median(x[1] for x in res[p]["port"])
        per_round = [q[1] / o[1] for o, q in zip(res[p]["ours"], res[p]["port"])]
        summary[p] = (ow, oc, pw, pc)
        print(f"{p:12s} {sum(steps[p]):9d} {ow:10.3f} {oc:9.3f} {pw:10.3f} {pc:9.3f} {fmt_ratio(pw / ow):>10s} "
              f"{fmt_ratio(pc / oc):>9s} {oc / sum(steps[p]) * 1e6:12.2f} {pc / sum(steps[p]) * 1e6:12.2f}  "
              + " ".join(f"{x:.2f}" for x in per_round))
    print()
    print("Goals (issue 10): CPU ratio >= 0.8 x the step benchmark's ratio; >= 4x where the step is not memory-bound;")
    print("fig1a (memory-bound): our time within 1.3x of the bandwidth floor.")
    for p in presets:
        ow, oc, pw, pc = summary[p]
        ratio = pc / oc
        lines = []
        if p in STEP_RATIO:
            lo, hi, src = STEP_RATIO[p]
            need = 0.8 * lo
            lines.append(f"step ratio {lo:g}-{hi:g}x ({src}): need >= {need:.2f}x (0.8 x {lo:g}; {0.8 * hi:.2f}x "
                         f"against {hi:g}): {'met' if ratio >= 0.8 * hi else ('met against the low end only' if ratio >= need else 'NOT met')}")
        else:
            lines.append("no step benchmark for this preset")
        if p not in MEMORY_BOUND:
            lines.append(f">= 4x per CPU second: {'met' if ratio >= 4 else 'NOT met'} ({ratio:.2f}x)")
        if p == "fig1a" and all(b for b in bw):
            b = statistics.median(bw)
            nbytes = 1000 * 2500 * 4
            floor = sum(steps[p]) * nbytes / (b * 1e9)
            lines.append(f"bandwidth floor {sum(steps[p])} steps x {nbytes / 1e6:.0f} MB / {b:.2f} GB/s (median over rounds of the best-of-30 probe) "
                         f"= {floor:.3f} s; ours {ow:.3f} s wall, {oc:.3f} s CPU = {ow / floor:.2f}x / {oc / floor:.2f}x "
                         f"the floor: {'met' if oc <= 1.3 * floor else 'NOT met'} (goal <= 1.3x); port {pc / floor:.2f}x")
        print(f"{p:12s} " + "; ".join(lines))
    if "kernel-rich" in presets:
        print()
        print("kernel-rich accuracy (equal-accuracy check):")
        for label, s in ours_info["kernel-rich"]:
            fin = s.get("final") or {}
            vals = fin.get("values", fin) if isinstance(fin, dict) else {}
            print(f"  ours {label}: steps {s.get('steps')}, gradient evaluations {s.get('gradient_evaluations')}, "
                  f"relative_error_to_q {vals.get('relative_error_to_q')}, loss {vals.get('loss')}, "
                  f"run wall {s.get('timing', {}).get('wall_seconds', s.get('wall_seconds'))} s")
        subprocess.run([PY, PORT["kernel-rich"], "--check", os.path.join(work, "kernel_rich_ends.npy")], env=env(),
                       check=False)
        for f in sorted(glob.glob(os.path.join(raw, "kernel-rich_port_1.txt"))):
            for line in open(f):
                if line.startswith("variant"):
                    print("  port " + line.strip())
    print("us/step: CPU time of the whole process (start-up, data, analysis, output included) / total GD steps "
          "(kernel-rich: accepted flow steps)")
    shutil.rmtree(work, ignore_errors=True)  # our run directories and the port's endpoints
    print(f"\nraw outputs: {raw}")


if __name__ == "__main__":
    main()
