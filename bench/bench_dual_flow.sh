#!/usr/bin/env bash
# P5: the dual flow (moroshko_woodworth.md 2.5) to margin gamma = 1e6 on the 2-D example of 2.4
# (x~1 = (1, 0.5), x~2 = (2, 2); D = 2, 3; five (D, alpha) variants, experiments/moroshko.toml): wall time and
# step count. Runs `depthbias reproduce moroshko --no-figures --out <tmp> --force` REPS times (default 3) and
# reads <tmp>/experiment.json -> runs[].summary: per variant wall_seconds (the run's own clock: integration,
# recording, references), steps (accepted Dormand-Prince steps) and gradient_evaluations (right-hand-side
# evaluations); plus the process wall time of each repetition (start-up, references and analysis included).
# Usage: bench/bench_dual_flow.sh [--reps N] [--build DIR] [--raw DIR]
#   --build DIR  where the depthbias binary is (default build-p4 at the repository root)
#   --raw DIR    also keep each repetition's experiment.json and log there (as p5_<rep>.json / .log)
# Prints one machine-readable line per variant and repetition,
#   P5 <rep> <label with spaces as _> <status> <steps> <gradient_evaluations> <wall_seconds> <final log10 loss>
#   P5TOTAL <rep> <sum of wall_seconds> <process wall seconds> <exit code>
# then the medians over repetitions. Exit code 4 of `depthbias` (a reproduction check failed) is reported, not
# fatal. Speed is measured, never asserted.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-p4"
REPS=3
RAWDIR=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --reps) REPS=$2; shift 2 ;;
        --build) BUILD=$2; shift 2 ;;
        --raw) RAWDIR=$2; shift 2 ;;
        -h|--help) sed -n 2,15p "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
PY=/usr/bin/python3
BIN="$BUILD/depthbias"
[[ -x "$BIN" ]] || { echo "no $BIN: build it first (cmake --build $BUILD -j1 --target depthbias)" >&2; exit 1; }
[[ -n "$RAWDIR" ]] && mkdir -p "$RAWDIR"

LINES=$(mktemp /tmp/depthbias-p5-lines.XXXXXX)
trap 'rm -f "$LINES"' EXIT
for ((i = 1; i <= REPS; i++)); do
    TMP=$(mktemp -d /tmp/depthbias-p5.XXXXXX)
    echo "[$(date +%H:%M:%S)] P5 rep $i/$REPS: depthbias reproduce moroshko --no-figures --out $TMP --force" >&2
    t0=$(date +%s.%N)
    rc=0
    "$BIN" reproduce moroshko --no-figures --out "$TMP" --force > "$TMP.log" 2>&1 || rc=$?
    t1=$(date +%s.%N)
    if [[ ! -f "$TMP/experiment.json" ]]; then
        echo "P5 rep $i: no experiment.json (exit code $rc); log:" >&2
        tail -20 "$TMP.log" >&2
        rm -rf "$TMP" "$TMP.log"
        exit 1
    fi
    if [[ -n "$RAWDIR" ]]; then
        cp "$TMP/experiment.json" "$RAWDIR/p5_$i.json"
        cp "$TMP.log" "$RAWDIR/p5_$i.log"
    fi
    $PY - "$TMP/experiment.json" "$i" "$t0" "$t1" "$rc" <<'EOF' | tee -a "$LINES"
import json, sys
path, rep, t0, t1, rc = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
e = json.load(open(path))
total = 0.0
for r in e["runs"]:
    s = r["summary"]
    total += s["wall_seconds"]
    l10 = (s.get("final") or {}).get("log10_loss")
    print("P5", rep, r["label"].replace(" ", "_"), s["status"], s["steps"], s["gradient_evaluations"],
          f"{s['wall_seconds']:.6f}", "nan" if l10 is None else f"{l10:.6g}")
print("P5TOTAL", rep, f"{total:.6f}", f"{t1 - t0:.3f}", rc)
EOF
    rm -rf "$TMP" "$TMP.log"
done

$PY - "$LINES" <<'EOF'
import statistics, sys
runs, totals = {}, []
for line in open(sys.argv[1]):
    f = line.split()
    if f[0] == "P5":
        runs.setdefault(f[2], []).append((f[3], int(f[4]), int(f[5]), float(f[6]), f[7]))
    elif f[0] == "P5TOTAL":
        totals.append((float(f[2]), float(f[3]), f[4]))
n = len(totals)
print(f"\nP5: dual flow to gamma = 1e6 (experiments/moroshko.toml, rtol 1e-10, atol 1e-12), medians over {n} reps")
print(f"  {'variant':<14} {'status':<10} {'steps':>7} {'rhs evals':>9} {'wall s (median)':>15} {'min':>9} {'max':>9}"
      f"  {'log10 loss':>11}")
for label, rs in runs.items():
    w = [r[3] for r in rs]
    steps = sorted({r[1] for r in rs})
    evals = sorted({r[2] for r in rs})
    st = ",".join(sorted({r[0] for r in rs}))
    print(f"  {label.replace('_', ' '):<14} {st:<10} {'/'.join(map(str, steps)):>7} {'/'.join(map(str, evals)):>9}"
          f" {statistics.median(w):>15.4f} {min(w):>9.4f} {max(w):>9.4f}  {rs[0][4]:>11}")
sw = [t[0] for t in totals]
pw = [t[1] for t in totals]
print(f"  {'total':<14} {'':<10} {sum(statistics.median([r[1] for r in rs]) for rs in runs.values()):>7}"
      f" {sum(statistics.median([r[2] for r in rs]) for rs in runs.values()):>9}"
      f" {statistics.median(sw):>15.4f} {min(sw):>9.4f} {max(sw):>9.4f}   (sum of the runs' wall_seconds)")
print(f"  process wall (start-up, references, analysis included): median {statistics.median(pw):.3f} s,"
      f" min {min(pw):.3f}, max {max(pw):.3f}; exit codes {' '.join(t[2] for t in totals)}")
EOF
