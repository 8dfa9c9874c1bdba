"""Sweeps from Python: started and resumed as a subprocess of the `depthbias` command (its worker pool forks,
which is unsafe inside a multi-threaded notebook kernel), read back from the sweep's result table.

The command is $DEPTHBIAS_BINARY when set, else the build tree's (python/depthbias/_paths.py), else `depthbias`
on PATH.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from typing import Iterable, List, Optional

from . import _depthbias
from .results import read_table


def binary() -> str:
    """The depthbias command sweeps run."""
    env = os.environ.get("DEPTHBIAS_BINARY")
    if env:
        return env
    try:
        from ._paths import BUILD_BINARY
        if os.access(BUILD_BINARY, os.X_OK):
            return BUILD_BINARY
    except ImportError:
        pass
    found = shutil.which("depthbias")
    if found:
        return found
    raise _depthbias.IoError("no depthbias command: set DEPTHBIAS_BINARY to the built binary")


def sweep(config: str, out: str, *, workers: int = 0, set: Optional[Iterable[str]] = None,
          quiet: bool = True) -> "object":
    """Run (or resume: same `out`) a sweep (docs/SWEEPS.md) and return its result table (read_sweep(out)).

    config: a sweep TOML file or a sweep preset name. Bad input raises depthbias.ConfigError with the CLI's
    message; a failed sweep raises RuntimeError with its output.
    """
    cmd: List[str] = [binary(), "sweep", config, "--out", out, "--workers", str(workers)]
    for s in set or []:
        cmd += ["--set", s]
    if quiet:
        cmd.append("--quiet")
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode == 2:
        raise _depthbias.ConfigError(p.stderr.strip().removeprefix("error: "))
    if p.returncode != 0:
        raise RuntimeError(f"depthbias sweep exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return read_sweep(out)


def read_sweep(out: str, *, refresh: bool = True):
    """The tidy result table of a sweep directory (report/sweep.csv, docs/SWEEPS.md: one row per point, the
    deterministic columns then attempts, worker, wall_seconds, overhead_seconds) as a DataFrame (a dict of arrays
    without pandas). refresh: rewrite the table first with `depthbias sweep report DIR --no-figures` (it reflects
    the store as it is, unfinished points included)."""
    path = os.path.join(out, "report", "sweep.csv")
    if refresh or not os.path.exists(path):
        p = subprocess.run([binary(), "sweep", "report", out, "--no-figures"], capture_output=True, text=True)
        if p.returncode != 0:
            raise _depthbias.IoError(f"depthbias sweep report {out} exited {p.returncode}: {p.stderr.strip()}")
    return read_table(path)
