#!/usr/bin/python3
"""Builds the plain-text report of bench/run_benchmarks.sh from the raw outputs in bench/results/raw/.
Usage: make_report.py RAW_DIR  (prints the report). Medians over rounds; nothing is asserted."""
import glob
import json
import os
import re
import statistics
import sys

RAW = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results", "p1_p3_raw")
out = []
verdicts = []


def p(s=""):
    out.append(s)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def read(name):
    try:
        with open(os.path.join(RAW, name)) as f:
            return f.read()
    except OSError:
        return ""


def to_s(value, unit):
    return value * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


p("depthbias benchmarks (bench/run_benchmarks.sh)")
p("=" * 100)
p(read("machine.txt").rstrip())
p()

# ---------------------------------------------------------------- P1
ours = {}  # variant -> {"wall": [...], "cpu": [...], counters}
bw = {}    # MB -> {"wall": [...], "cpu": [...]}
alloc_selftest = []
for f in sorted(glob.glob(os.path.join(RAW, "p1_ours_*.json"))):
    with open(f) as fh:
        data = json.load(fh)
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        name = b["name"]
        wall, cpu = to_s(b["real_time"], b["time_unit"]), to_s(b["cpu_time"], b["time_unit"])
        if name.startswith("BM_SensingStep/"):
            v = name.split("/")[1]
            e = ours.setdefault(v, {"wall": [], "cpu": [], "bytes": b.get("bytes_per_step"), "allocs": [], "diff": []})
            e["wall"].append(wall)
            e["cpu"].append(cpu)
            e["allocs"].append(b.get("allocs_per_step"))
            e["diff"].append(b.get("rel_diff_vs_f64"))
        elif name.startswith("BM_ReadBandwidth/"):
            mb = int(name.split("/")[1])
            e = bw.setdefault(mb, {"wall": [], "cpu": []})
            nbytes = mb * 1024 * 1024 * 4  # 4 passes per iteration
            e["wall"].append(nbytes / wall / 1e9)
            e["cpu"].append(nbytes / cpu / 1e9)
        elif name.startswith("BM_AllocCounterSelfTest"):
            alloc_selftest.append(b.get("allocs_per_step"))

peers = {}
blas_note = set()
for f in sorted(glob.glob(os.path.join(RAW, "p1_peers_*.txt"))):
    for line in open(f):
        m = re.match(r"RESULT (\S+) (\S+) (\S+) (\S+)", line)
        if m:
            e = peers.setdefault(m.group(2), {"wall": [], "cpu": []})
            e["wall"].append(float(m.group(3)))
            e["cpu"].append(float(m.group(4)))
for f in sorted(glob.glob(os.path.join(RAW, "p1_peers_*.err"))):
    for line in open(f):
        if line.startswith("#"):
            blas_note.add(re.sub(r", env \{.*\}", "", line.strip()))
rounds = len(glob.glob(os.path.join(RAW, "p1_ours_*.json")))

p("P1  one full GD step (value_and_gradient + update), depth 4, d = 100, m = 1000 (A: 1000 x 10000), 1 thread")
p("-" * 100)
p(f"medians over {rounds} interleaved rounds; wall = elapsed time, cpu = process CPU time (the machine is shared,")
p("so wall includes time other processes took the core; both are shown, the goal is judged on wall and on cpu)")
p()
p("peers (same step, float64; ms per step):")
p(f"  {'peer':44s} {'wall ms':>9s} {'cpu ms':>9s}")
for k, e in sorted(peers.items(), key=lambda kv: med(kv[1]["wall"])):
    p(f"  {k:44s} {med(e['wall']) * 1e3:9.3f} {med(e['cpu']) * 1e3:9.3f}")
for n in sorted(blas_note):
    p(f"  {n}")
fast_wall = min((med(e["wall"]), k) for k, e in peers.items()) if peers else (float("nan"), "-")
fast_cpu = min((med(e["cpu"]), k) for k, e in peers.items()) if peers else (float("nan"), "-")
p(f"  fastest peer: wall {fast_wall[1]} ({fast_wall[0] * 1e3:.3f} ms), cpu {fast_cpu[1]} ({fast_cpu[0] * 1e3:.3f} ms)")
p()
p("memory read bandwidth probe (sum of a float64 array, 4 passes; GB/s = 1e9 bytes/s):")
for mb in sorted(bw):
    p(f"  {mb:5d} MB: {med(bw[mb]['wall']):6.1f} GB/s (wall)  {med(bw[mb]['cpu']):6.1f} GB/s (cpu)")
ref_bw = bw.get(80, {"wall": [float("nan")], "cpu": [float("nan")]})
p()
p("ours (d = 100 rows are P1; kernel: src/depthbias/tasks/sensing_kernel.hpp).")
p("x wall / x cpu = fastest peer time / our time (d = 100 only); GB/s = bytes of A read per step / time;")
p("%bw = our cpu GB/s / the probe's cpu GB/s at the size of A in float64 (80 MB for d = 100, 20 MB for d = 50):")
p(f"  {'variant':30s} {'wall ms':>8s} {'cpu ms':>8s} {'x wall':>7s} {'x cpu':>7s} {'MB/step':>8s} {'GB/s w':>7s} "
  f"{'GB/s c':>7s} {'%bw':>5s} {'allocs':>6s} {'rel.diff f64':>12s}")
for v, e in ours.items():
    w, c = med(e["wall"]), med(e["cpu"])
    nb = e["bytes"] or 0
    d = "d100" if v.startswith("d100") else "d50"
    peer_w = fast_wall[0] if d == "d100" else float("nan")
    peer_c = fast_cpu[0] if d == "d100" else float("nan")
    bwref = med(bw.get(80 if d == "d100" else 20, {"cpu": [float("nan")]})["cpu"])
    p(f"  {v:30s} {w * 1e3:8.3f} {c * 1e3:8.3f} {peer_w / w:7.2f} {peer_c / c:7.2f} {nb / 1e6:8.1f} "
      f"{nb / w / 1e9:7.1f} {nb / c / 1e9:7.1f} {100 * nb / c / 1e9 / bwref:5.0f} "
      f"{max(x or 0 for x in e['allocs']):6.2g} {med(e['diff']):12.2e}")
p("  (allocs = heap allocations per step inside the timed loop, max over rounds; allocation-counter self-test,")
p(f"   one allocation per iteration, reads {med(alloc_selftest):.2g} per step; rel.diff f64 = max relative difference")
p("   of loss and gradient vs the engine's float64 two_pass step at the starting point)")
if "d100_fused_float64" in ours and peers:
    for v in ("d100_fused_float64", "d100_fused_float32", "d100_two_pass_float64"):
        if v in ours:
            sw = fast_wall[0] / med(ours[v]["wall"])
            sc = fast_cpu[0] / med(ours[v]["cpu"])
            line = (f"P1 (>= 2x faster than the faster peer) {v}: {sw:.2f}x wall, {sc:.2f}x cpu -> "
                    f"{'met' if min(sw, sc) >= 2 else 'NOT met'}")
            p("  " + line)
            verdicts.append(line)
    if "d100_two_pass_float64" in ours:
        for v in ("d100_fused_float64", "d100_fused_float32"):
            if v in ours:
                line = (f"engine {v} vs two_pass_float64: {med(ours['d100_two_pass_float64']['cpu']) / med(ours[v]['cpu']):.2f}x "
                        f"(cpu) while reading {ours['d100_two_pass_float64']['bytes'] / ours[v]['bytes']:.0f}x fewer bytes")
                p("  " + line)
                verdicts.append(line)
p()
p("float32 storage, accuracy effect:")
for line in read("p1_accuracy.txt").rstrip().splitlines():
    p("  " + line)
p()

# ---------------------------------------------------------------- P2
p("P2  Figure 1a end to end (depths 1-4 to loss < 0.01; d = 50, m = 1000, init 1e-4, lr 1e-3)")
p("-" * 100)


def times(prefix):
    ws, cs = [], []
    for f in sorted(glob.glob(os.path.join(RAW, prefix + "_*.time"))):
        if not re.fullmatch(re.escape(prefix) + r"_\d+\.time", os.path.basename(f)):
            continue  # p2_numpy_* must not pick up p2_numpy_nosvd_*
        parts = open(f).read().split()
        if len(parts) >= 3:
            ws.append(float(parts[0]))
            cs.append(float(parts[1]) + float(parts[2]))
    return ws, cs


def ours_depths(text):
    rows = re.findall(r"Depth (\d+): converged after (\d+) steps.*?reconstruction error ([0-9.eE+-]+)", text)
    return {int(d): (int(s), float(r)) for d, s, r in rows}


def numpy_depths(text):
    rows = re.findall(r"depth (\d+): epochs (\d+), loss \S+, reconstruction error ([0-9.eE+-]+)", text)
    return {int(d): (int(s), float(r)) for d, s, r in rows}


p2 = {}
for key, label in [("p2_ours_default", "depthbias reproduce fig1a (f32 storage, --jobs auto)"),
                   ("p2_ours_f32_j1", "depthbias ... --jobs 1 (f32 storage, one core)"),
                   ("p2_ours_f64_j1", "depthbias ... --jobs 1 --set task.storage=float64"),
                   ("p2_numpy", "fig1a_numpy.py (per-epoch SVD, as the authors)"),
                   ("p2_numpy_nosvd", "fig1a_numpy.py --no-svd")]:
    ws, cs = times(key)
    if ws:
        p2[key] = (med(ws), med(cs), len(ws))
        p(f"  {label:52s} wall {med(ws):8.2f} s  cpu {med(cs):8.2f} s  (median of {len(ws)}: "
          + ", ".join(f"{w:.1f}" for w in ws) + ")")
p(f"  (--jobs auto = one run per hardware thread: {os.cpu_count()} here; cpu = user + sys of the process)")
if "p2_ours_default" in p2 and "p2_numpy" in p2:
    rw = p2["p2_numpy"][0] / p2["p2_ours_default"][0]
    rc = p2["p2_numpy"][1] / p2["p2_ours_default"][1]
    line = (f"P2 (>= 10x faster end to end than the numpy port) numpy / `depthbias reproduce fig1a`: {rw:.2f}x wall "
            f"-> {'met' if rw >= 10 else 'NOT met'} end to end; {rc:.2f}x in CPU time")
    p("  " + line)
    verdicts.append(line)
    for key, what in [("p2_ours_f32_j1", "--jobs 1 (one core), float32 storage"),
                      ("p2_ours_f64_j1", "--jobs 1 (one core), float64 storage")]:
        if key in p2:
            p(f"  ratio numpy / depthbias {what}: {p2['p2_numpy'][0] / p2[key][0]:.2f}x wall, "
              f"{p2['p2_numpy'][1] / p2[key][1]:.2f}x cpu")
    if "p2_numpy_nosvd" in p2:
        p(f"  per-epoch SVD share of the numpy port: {1 - p2['p2_numpy_nosvd'][0] / p2['p2_numpy'][0]:.0%} of its wall time; "
          f"numpy --no-svd / depthbias (default): {p2['p2_numpy_nosvd'][0] / p2['p2_ours_default'][0]:.2f}x wall")
o64 = ours_depths(read("p2_ours_f64_j1_1.txt"))
o32 = ours_depths(read("p2_ours_default_1.txt"))
npd = numpy_depths(read("p2_numpy_1.txt"))
p()
p(f"  {'depth':>5s} | {'ours f64: steps, rec. error':>30s} | {'ours f32 storage: steps, rec. error':>36s} | "
  f"{'numpy port: epochs, rec. error':>30s}")
for dpt in sorted(set(o64) | set(o32) | set(npd)):
    a = o64.get(dpt)
    b = o32.get(dpt)
    c = npd.get(dpt)
    fa = f"{a[0]:6d}, {a[1]:.6g}" if a else "n/a"
    fb = f"{b[0]:6d}, {b[1]:.6g}" + (f" (rel. diff {abs(b[1] - a[1]) / a[1]:.1e})" if a and b else "") if b else "n/a"
    fc = f"{c[0]:6d}, {c[1]:.4g}" if c else "n/a"
    p(f"  {dpt:5d} | {fa:>30s} | {fb:>36s} | {fc:>30s}")
p("  (the numpy port draws its data and init with numpy's default_rng, so its epochs differ from ours: same")
p("   distribution, different draws; ours f32 vs f64 use the same draws, rounded)")
steps_total = sum(v[0] for v in o32.values())
epochs_total = sum(v[0] for v in npd.values())
if steps_total and epochs_total and "p2_ours_f32_j1" in p2 and "p2_numpy" in p2:
    p(f"  per step, one core (wall / cpu): ours {p2['p2_ours_f32_j1'][0] / steps_total * 1e3:.3f} / "
      f"{p2['p2_ours_f32_j1'][1] / steps_total * 1e3:.3f} ms (all {steps_total} steps; observers, data generation "
      f"included), numpy {p2['p2_numpy'][0] / epochs_total * 1e3:.3f} / {p2['p2_numpy'][1] / epochs_total * 1e3:.3f} ms "
      f"({epochs_total} epochs)")
for v in ("d50_fused_float64", "d50_fused_float32"):
    if v in ours:
        p(f"  bench step at d = 50 (depth 4): {v:28s} {med(ours[v]['wall']) * 1e3:7.3f} ms wall "
          f"{med(ours[v]['cpu']) * 1e3:7.3f} ms cpu")
p()

# ---------------------------------------------------------------- P3
p("P3  gradient evaluations: adaptive flow vs GD (fig1a depth 4)")
p("-" * 100)
for line in read("p3.txt").rstrip().splitlines():
    p("  " + line)

for line in read("p3.txt").splitlines():
    if "ratio" in line and "goal" in line:
        verdicts.append("P3 " + line.strip())
p()
p("P3  seconds: GD vs Dormand-Prince vs implicit CVODE flow (fig1a depth 4, interleaved rounds)")
p("-" * 100)
for line in read("p3_wallclock.txt").rstrip().splitlines():
    p("  " + line)
p()
p("Summary")
p("-" * 100)
for v in verdicts:
    p("  " + v)

print("\n".join(out))
