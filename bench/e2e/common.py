"""Shared bits of the end-to-end numpy ports (bench/e2e/port_*.py, issue 10 "time to solution").

Every port takes --steps S1,S2,... : the number of full-batch GD steps of each variant, read by
bench/e2e/run_e2e.py from depthbias's own run of the preset (summary.json, "steps"), so both sides do the same
number of steps whatever their random draws (the ports draw their data with numpy's default_rng, not our
generator). The authors' stop test (logged loss < threshold) is still evaluated every epoch, as their
StopAtThreshold callback does; the ports report the epoch at which it would have fired ("own stop") but keep
going to the prescribed count. Without --steps a port stops like the authors' script (threshold or budget).

Every port checks its BLAS with bench/peers/blas_check.py (exits 3 on the reference BLAS) and prints
  variant <label>: steps <n>, own stop <n or ->, loss <final>, <metric> ..., <seconds> s
  TOTAL <seconds>
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
import blas_check  # noqa: E402  (exits 3 on the reference BLAS)


def parser(doc):
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", default=None,
                    help="comma-separated GD steps per variant (preset order); default: the authors' stop rule")
    return ap


def steps_list(arg, n_variants):
    if arg is None:
        return [None] * n_variants
    s = [int(x) for x in arg.split(",")]
    if len(s) != n_variants:
        sys.exit(f"--steps has {len(s)} entries, the preset has {n_variants} variants")
    return s


def start(side):
    blas_check.require_optimized(side)
    return time.perf_counter()


def report(label, steps, own_stop, loss, extra, t0):
    print(f"variant {label}: steps {steps}, own stop {own_stop if own_stop is not None else '-'}, "
          f"loss {loss:.6g}, {extra}, {time.perf_counter() - t0:.3f} s", flush=True)


def gd_loop(step, budget, fixed, threshold, strict=True):
    """Runs step(epoch) -> logged loss (computed before the update, as Keras logs it) and returns
    (epochs run, epoch at which loss < threshold first held, last loss). fixed: exact count (None: the
    authors' rule, stop after the epoch whose logged loss is below threshold, or at the budget)."""
    n = fixed if fixed is not None else budget
    own = None
    loss = float("nan")
    e = 0
    for e in range(1, n + 1):
        loss = step(e)
        if own is None and (loss < threshold if strict else loss <= threshold):
            own = e
            if fixed is None:
                break
    return e, own, loss
