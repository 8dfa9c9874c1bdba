#!/usr/bin/env bash
# Issue 10, "time to solution for every preset against its peer": every Gissin preset (fig1a, fig1b, fig1c,
# fig1d, omp, toy) and kernel-rich end to end, `depthbias reproduce NAME --no-figures --jobs 1` against a numpy
# port of the authors' protocol doing the same work (bench/e2e/port_*.py, each documents what it includes and
# skips), one BLAS thread per side, interleaved rounds, medians of wall and CPU time, ratios port / ours.
#   bench/run_e2e.sh [--tag NAME] [--rounds N] [--presets fig1a,fig1b,...] [--set PRESET:KEY=VALUE ...]
#                    [--port-arg PRESET:ARG ...]
# Writes bench/results/e2e.txt (raw outputs under bench/results/e2e_raw/); with --tag NAME (first argument)
# bench/results/e2e_NAME.txt and e2e_NAME_raw/. Example: the fig1a port on float64 storage (the basis of the
# P1 step ratio): bench/run_e2e.sh --tag fig1a_f64 --presets fig1a --port-arg fig1a:--storage=float64 Needs build/depthbias (Release):
#   cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build --target depthbias
# Peers run with Debian's /usr/bin/python3 (numpy on OpenBLAS); exit 3 if a peer is on the reference BLAS.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/build/depthbias"
PY=/usr/bin/python3
RES="$ROOT/bench/results"
NAME=e2e
if [[ "${1:-}" == --tag ]]; then NAME="e2e_$2"; shift 2; fi
RAW="$RES/${NAME}_raw"
[[ -x "$BIN" ]] || { echo "build/depthbias not found: build it first (see the header of $0)" >&2; exit 1; }
rm -rf "$RAW"; mkdir -p "$RAW"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 GOTO_NUM_THREADS=1

BLAS_LINES=$({ echo "# BLAS depthbias: $("$BIN" info | sed -n 's/^BLAS: //p')"
               $PY "$ROOT/bench/peers/blas_check.py" --label "numpy peers (ports)"; } 2>&1) || {
    echo "$BLAS_LINES" >&2; exit 3; }
{
    echo "# bench/run_e2e.sh $*"
    echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc --all) cores"
    echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# depthbias: $(cd "$ROOT" && git rev-parse --short HEAD) ($(cd "$ROOT" && git status --porcelain | grep -qv '^??' && echo modified || echo clean) working tree)"
    echo "# $($PY -c 'import numpy; print("numpy", numpy.__version__)')"
    echo "# thread variables: OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 GOTO_NUM_THREADS=1 (both sides)"
    echo "$BLAS_LINES"
    $PY "$ROOT/bench/e2e/run_e2e.py" --raw "$RAW" "$@"
    echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# date at end: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} 2>&1 | tee "$RES/$NAME.txt"
exit "${PIPESTATUS[0]}"
