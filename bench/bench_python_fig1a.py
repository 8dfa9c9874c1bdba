#!/usr/bin/python3
"""P8b: the Figure 1a reproduction driven from Python (`depthbias.run(preset="fig1a", jobs=1)`, the preset as
shipped: d = 50, m = 1000, float32 storage, depths 1-4 one after another) against the numpy port of the authors'
loop (bench/e2e/port_fig1a.py, run with --steps = our step counts so both sides do the same number of GD steps,
and the preset's storage). One BLAS thread each side (OPENBLAS_NUM_THREADS=1 etc. set before numpy or the engine
load; both sides checked with bench/peers/blas_check.py: exit 3 on the reference BLAS). Interleaved rounds
(the order alternates), medians of wall and CPU time (ours: this process's CPU time across its threads, during
the call; the port: the child's), ratio port / ours printed (> 1: ours faster).

    PYTHONPATH=build/python bench/bench_python_fig1a.py [--rounds 3] [--write]

The same rounds also time `depthbias reproduce fig1a --no-figures --jobs 1` (the same work from the command line;
--binary '' skips it): the Python front should cost nothing measurable on a 5 s experiment. With --write the table is appended to bench/results/python_fig1a.txt.
"""
import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "GOTO_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "peers"))

import depthbias as db  # noqa: E402
import blas_check  # noqa: E402

PORT = os.path.join(HERE, "e2e", "port_fig1a.py")


def ours():
    w0, c0 = time.perf_counter(), time.process_time()
    exp = db.run(preset="fig1a", jobs=1)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    steps = [r.summary.steps for r in exp.runs]
    return wall, cpu, steps, exp


def cli(binary):
    import tempfile
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="depthbias-bench-fig1a-") as out:
        p = subprocess.run([binary, "reproduce", "fig1a", "--no-figures", "--jobs", "1", "--out", out],
                           capture_output=True, text=True)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"depthbias reproduce fig1a failed ({p.returncode}): {p.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def port(steps):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/python3", PORT, "--steps", ",".join(map(str, steps)), "--storage", "float32"],
                       capture_output=True, text=True)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"port failed ({p.returncode}): {p.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.stdout


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--binary", default=os.environ.get("DEPTHBIAS_BINARY", os.path.join(HERE, "..", "build", "depthbias")),
                    help="also time `depthbias reproduce fig1a --jobs 1` (the same work from the command line); '' skips")
    a = ap.parse_args()
    blas_check.require_optimized("depthbias from Python (engine and numpy in one process)")
    info = blas_check.describe()
    head = [f"# P8b Figure 1a from Python vs the numpy port; depthbias {db.__version__}",
            f"# date: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}; load average {os.getloadavg()}",
            f"# BLAS of this process: {info['vendor']}, {info['blas_threads']} thread(s) ({'; '.join(info['libraries'])})"]
    print("\n".join(head), flush=True)
    w, c, steps, exp = ours()  # warm-up, and the step counts the port is given
    print(f"# warm-up: {w:.2f} s, steps per variant {','.join(map(str, steps))}; checks "
          f"{sum(ch.passed for ch in exp.checks)}/{len(exp.checks)} pass", flush=True)
    sides = ["ours", "port"] + (["cli"] if a.binary else [])
    rows = {k: [] for k in sides}
    for r in range(a.rounds):
        for side in (sides if r % 2 == 0 else sides[::-1]):
            if side == "ours":
                wall, cpu, s, _ = ours()
                assert s == steps, (s, steps)  # deterministic: the same steps every round
            elif side == "cli":
                wall, cpu = cli(a.binary)
            else:
                wall, cpu, _ = port(steps)
            rows[side].append((wall, cpu))
            print(f"# round {r + 1} {side}: wall {wall:.3f} s, CPU {cpu:.3f} s", flush=True)
    med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for k, v in rows.items()}
    total = sum(steps)
    lines = [
        f"fig1a from Python ({total} GD steps, {a.rounds} interleaved rounds, medians, one BLAS thread each side):",
        f"  ours (depthbias.run):  wall {med['ours'][0]:.3f} s, CPU {med['ours'][1]:.3f} s, "
        f"{1e6 * med['ours'][1] / total:.1f} us/step",
        f"  numpy port:            wall {med['port'][0]:.3f} s, CPU {med['port'][1]:.3f} s, "
        f"{1e6 * med['port'][1] / total:.1f} us/step",
        f"  ratio port / ours: wall {med['port'][0] / med['ours'][0]:.2f}x, CPU {med['port'][1] / med['ours'][1]:.2f}x",
    ]
    if "cli" in med:
        lines += [f"  CLI (reproduce --jobs 1): wall {med['cli'][0]:.3f} s, CPU {med['cli'][1]:.3f} s; "
                  f"Python / CLI: wall {med['ours'][0] / med['cli'][0]:.3f}, CPU {med['ours'][1] / med['cli'][1]:.3f}"]
    print("\n".join(lines))
    if a.write:
        with open(os.path.join(HERE, "results", "python_fig1a.txt"), "a") as f:
            f.write("\n".join(head + lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
