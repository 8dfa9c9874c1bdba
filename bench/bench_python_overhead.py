#!/usr/bin/python3
"""P8a: the Python front's calling overhead. 200 short runs (the toy model, 4 targets, depth 3, GD to loss 1e-6:
about 5 ms of engine work each) as a Python loop of depthbias.run(..., layout="flat") calls, each writing its run's
five files directly into its own `out` directory (config.resolved.toml, manifest.json, timeseries.csv, events.csv,
summary.json; no experiment.json), against the same 200 runs through the CLI's sweep with 1 worker (`depthbias
sweep --workers 1`: one process, every point's same five files in its directory points/<hash>/, plus a row of its
SQLite store and report/sweep.csv). Both sides create one directory and five files per run. Interleaved
rounds (the order alternates), wall and CPU time (user + system) of each side, medians, per run, ratios printed
(CPU time is the steadier one on a loaded machine: other processes' load shows in wall time only). Goal: the Python loop
within 10% of the sweep per run. Speed is measured, never asserted.

    PYTHONPATH=build/python bench/bench_python_overhead.py [--rounds 5] [--runs 200] [--binary build/depthbias]

Also reports where the Python side's time goes (one profiled loop of 50 runs, cProfile, top entries) when
--profile is given. Results: appended to bench/results/python_overhead.txt (with --write).
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import depthbias as db

BASE = {
    "run.name": "overhead", "task.kind": "toy", "task.target": [12.0, 6.0, 4.0, 3.0],
    "model.kind": "diagonal_product", "model.depth": 3, "model.init_scale": 1e-2,
    "dynamics.kind": "gd", "dynamics.lr": 1e-3, "dynamics.loss_threshold": 1e-6, "dynamics.max_steps": 1000000,
    "observe.schedule": "log",
}


def sweep_toml(runs: int) -> str:
    sections = {}
    for k, v in BASE.items():
        sec, name = k.split(".", 1)
        sections.setdefault(sec, []).append(f"{name} = {db.runs._toml_value(v, k)}")
    text = "".join(f"[{s}]\n" + "\n".join(lines) + "\n" for s, lines in sections.items())
    return text + f"[sweep]\nseeds = {runs}\n"


def python_loop(out: str, runs: int) -> tuple:
    """(wall, CPU) seconds of the loop; CPU = user + system time of this process (the engine runs in it)."""
    t0, c0 = time.perf_counter(), time.process_time()
    for seed in range(runs):
        db.run(keys={**BASE, "run.seed": seed}, out=os.path.join(out, str(seed)), layout="flat")
    return time.perf_counter() - t0, time.process_time() - c0


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cli_sweep(binary: str, config: str, out: str) -> tuple:
    """(wall, CPU) seconds of the sweep command; CPU = user + system time of the child process."""
    t0, c0 = time.perf_counter(), children_cpu()
    p = subprocess.run([binary, "sweep", config, "--out", out, "--workers", "1", "--quiet"], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"sweep failed ({p.returncode}): {p.stderr}")
    return dt, children_cpu() - c0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--binary", default=os.environ.get("DEPTHBIAS_BINARY", "build/depthbias"))
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--dir", default=None, help="where the runs are written (default: the temp dir; try /dev/shm "
                    "to take the filesystem's file-creation cost out)")
    ap.add_argument("--write", action="store_true", help="write bench/results/python_overhead.txt")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="depthbias-bench-py-", dir=a.dir)
    try:
        config = os.path.join(work, "sweep.toml")
        with open(config, "w") as f:
            f.write(sweep_toml(a.runs))
        py, cli = [], []
        # Warm-up (page cache, the binary, the package) outside the timed rounds.
        python_loop(os.path.join(work, "warm-py"), 10)
        cli_sweep(a.binary, config, os.path.join(work, "warm-cli"))
        for r in range(a.rounds):
            order = ("py", "cli") if r % 2 == 0 else ("cli", "py")
            for side in order:
                out = os.path.join(work, f"{side}-{r}")
                # Each side starts from the same file-system state: earlier rounds' files stay until the end
                # (deleting them made the next round pay ext4's deferred inode freeing, whichever side it was) and
                # dirty pages and the journal are flushed outside the timed region.
                os.sync()
                if side == "py":
                    py.append(python_loop(out, a.runs))
                else:
                    cli.append(cli_sweep(a.binary, config, out))
        mp, mc = statistics.median(w for w, _ in py), statistics.median(w for w, _ in cli)
        cp, cc = statistics.median(c for _, c in py), statistics.median(c for _, c in cli)
        lines = [
            f"# {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, load average {os.getloadavg()}, depthbias {db.__version__}",
            f"P8a Python calling overhead: {a.runs} toy runs (depth 3, GD to loss 1e-6), {a.rounds} interleaved rounds, "
            f"files in {os.path.dirname(work)}",
            f"  python loop of run(out=, layout=flat): wall rounds {', '.join(f'{w:.3f}' for w, _ in py)} s; "
            f"median {mp:.3f} s = {1e3 * mp / a.runs:.2f} ms/run; CPU median {cp:.3f} s = {1e3 * cp / a.runs:.2f} ms/run",
            f"  depthbias sweep --workers 1:          wall rounds {', '.join(f'{w:.3f}' for w, _ in cli)} s; "
            f"median {mc:.3f} s = {1e3 * mc / a.runs:.2f} ms/run; CPU median {cc:.3f} s = {1e3 * cc / a.runs:.2f} ms/run",
            f"  ratio python / sweep per run: wall {mp / mc:.3f}, CPU {cp / cc:.3f}  (goal <= 1.10)",
        ]
        print("\n".join(lines))
        if a.profile:
            import cProfile
            import pstats
            prof = cProfile.Profile()
            prof.enable()
            python_loop(os.path.join(work, "prof"), 50)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(15)
        if a.write:
            path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "python_overhead.txt")
            with open(path, "a") as f:
                f.write("\n".join(lines) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
