"""Figures for the example notebooks through gnuplot (the engine's plotting program; matplotlib is not a
dependency of depthbias): plot() writes the curves as data blocks of a gnuplot script, renders a PNG with the
pngcairo terminal and returns it as an IPython image (displayed inline when it is a cell's last value).

    plot([Curve(x, y, "depth 3"), ...], title="...", xlabel="epoch", logy=True, vlines=[(t, "label")])

Contract: x and y are 1-d sequences of equal length (non-finite points are dropped); vlines are (x, label)
pairs drawn as dashed vertical lines. Raises RuntimeError with gnuplot's message when gnuplot fails.
"""
from __future__ import annotations

import math
import os
import subprocess
import tempfile
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple


@dataclass
class Curve:
    x: Sequence[float]
    y: Sequence[float]
    title: str
    style: str = "lines lw 2"


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plot(curves: List[Curve], title: str = "", xlabel: str = "", ylabel: str = "", logx: bool = False,
         logy: bool = False, vlines: Sequence[Tuple[float, str]] = (), size: Tuple[int, int] = (800, 480),
         path: Optional[str] = None):
    """Render the curves with gnuplot; returns IPython.display.Image (or the PNG path without IPython)."""
    lines = [f"set terminal pngcairo size {size[0]},{size[1]} font ',10'"]
    out = path or os.path.join(tempfile.mkdtemp(prefix="nbplot-"), "figure.png")
    lines.append(f"set output {_quote(out)}")
    lines += [f"set title {_quote(title)}", f"set xlabel {_quote(xlabel)}", f"set ylabel {_quote(ylabel)}",
              "set key below", "set grid"]
    if logx:
        lines.append("set logscale x")
    if logy:
        lines += ["set logscale y", "set format y '10^{%L}'"]
    for i, (x, label) in enumerate(vlines):
        lines.append(f"set arrow {i + 1} from first {x!r}, graph 0 to first {x!r}, graph 1 nohead dt 2 lc rgb 'gray40'")
    for i, c in enumerate(curves):
        lines.append(f"$d{i} << EOD")
        for a, b in zip(c.x, c.y):
            a, b = float(a), float(b)
            if math.isfinite(a) and math.isfinite(b) and (not logx or a > 0) and (not logy or b > 0):
                lines.append(f"{a!r} {b!r}")
        lines.append("EOD")
    parts = [f"$d{i} using 1:2 with {c.style} title {_quote(c.title)}" for i, c in enumerate(curves)]
    if vlines:  # one legend entry for the dashed lines
        parts.append(f"NaN with lines dt 2 lc rgb 'gray40' title {_quote(vlines[0][1])}")
    lines.append("plot " + ", ".join(parts))
    p = subprocess.run(["gnuplot"], input="\n".join(lines) + "\n", capture_output=True, text=True)
    if p.returncode != 0 or not os.path.exists(out):
        raise RuntimeError(f"gnuplot failed: {p.stderr.strip()}")
    try:
        from IPython.display import Image
    except ImportError:  # pragma: no cover
        return out
    return Image(filename=out)
