#!/usr/bin/env bash
# P5: the dual flow (moroshko_woodworth.md 2.5) to margin gamma = 1e6 on the 2-D example of 2.4
# (x~1 = (1, 0.5), x~2 = (2, 2); five (D, alpha) variants, experiments/moroshko.toml): wall time and step count.
# Runs `depthbias reproduce moroshko --no-figures --out <tmp> --force` REPS times (default 3) and reads
# <tmp>/experiment.json -> runs[].summary: per variant wall_seconds (the run's own clock, from task set-up to the
# end of the integration: manifest, references, recording included) and steps (accepted Dormand-Prince steps);
# the total over the variants; the process wall time of each repetition.
# Diagnostic (interleaved, same count): the same command with a PATH that holds no gnuplot, so the run
# manifest's `gnuplot --version` probe (a subprocess inside each run's wall_seconds) returns at once.
# Usage: bench/bench_dual_flow.sh [--reps N] [--build DIR] [--raw DIR] [--no-diagnostic]
#   --build DIR  where the depthbias binary is (default build-p4 at the repository root)
#   --raw DIR    keep each repetition's experiment.json and log there (p5_<rep>.json / .log, p5diag_<rep>.*)
# Machine-readable lines, one per variant and repetition (KIND = P5 or P5DIAG), then a summary of medians:
#   KIND <rep> <label, spaces as _> <status> <steps> <gradient_evaluations> <wall_seconds> <time tau> <tau at gamma=1e6> <final gamma>
#   KIND-TOTAL <rep> <sum of wall_seconds> <process wall seconds> <exit code>
# Exit codes of `depthbias` other than "no experiment.json" are reported, not fatal. Speed is never asserted.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-p4"
REPS=3
RAWDIR=""
DIAG=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --reps) REPS=$2; shift 2 ;;
        --build) BUILD=$2; shift 2 ;;
        --raw) RAWDIR=$2; shift 2 ;;
        --no-diagnostic) DIAG=0; shift ;;
        -h|--help) sed -n 2,16p "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
PY=/usr/bin/python3
BIN="$BUILD/depthbias"
[[ -x "$BIN" ]] || { echo "no $BIN: build it first (cmake --build $BUILD -j1 --target depthbias)" >&2; exit 1; }
[[ -n "$RAWDIR" ]] && mkdir -p "$RAWDIR"

LINES=$(mktemp /tmp/depthbias-p5-lines.XXXXXX)
NOGP=$(mktemp -d /tmp/depthbias-p5-nopath.XXXXXX)   # an empty directory: PATH without gnuplot
trap 'rm -rf "$LINES" "$NOGP"' EXIT

one_rep() {  # one_rep KIND REP
    local kind=$1 i=$2 tmp t0 t1 rc=0 path=$PATH
    [[ $kind == P5DIAG ]] && path=$NOGP
    tmp=$(mktemp -d /tmp/depthbias-p5.XXXXXX)
    echo "[$(date +%H:%M:%S)] $kind rep $i/$REPS: depthbias reproduce moroshko --no-figures --out $tmp --force" \
         "$([[ $kind == P5DIAG ]] && echo '(PATH without gnuplot)')" >&2
    t0=$(date +%s.%N)
    PATH=$path "$BIN" reproduce moroshko --no-figures --out "$tmp" --force > "$tmp.log" 2>&1 || rc=$?
    t1=$(date +%s.%N)
    if [[ ! -f "$tmp/experiment.json" ]]; then
        echo "$kind rep $i: no experiment.json (exit code $rc); log:" >&2
        tail -20 "$tmp.log" >&2
        rm -rf "$tmp" "$tmp.log"
        exit 1
    fi
    if [[ $rc != 0 ]]; then
        local err; err=$(grep -o 'error:.*' "$tmp.log" | tail -1 || true)
        echo "$kind-ERR $i exit code $rc: ${err:-$(tail -1 "$tmp.log")}" >> "$LINES"
    fi
    if [[ -n "$RAWDIR" ]]; then
        local stem; stem=$(echo "$kind" | tr '[:upper:]' '[:lower:]')
        cp "$tmp/experiment.json" "$RAWDIR/${stem}_$i.json"
        cp "$tmp.log" "$RAWDIR/${stem}_$i.log"
    fi
    $PY - "$tmp/experiment.json" "$kind" "$i" "$t0" "$t1" "$rc" <<'EOF' | tee -a "$LINES"
import json, sys
path, kind, rep, t0, t1, rc = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
e = json.load(open(path))
total = 0.0
for r in e["runs"]:
    s = r["summary"]
    s["wall_seconds"] = s.get("timing", {}).get("wall_seconds", s.get("wall_seconds"))  # (in "timing" since issue 9)
    total += s["wall_seconds"]
    cps = [c for c in s.get("margin_checkpoints", []) if abs(c["gamma"] / 1e6 - 1) < 1e-6]
    tau6 = cps[0]["tau"] if cps else float("nan")
    gend = (s.get("final") or {}).get("min_margin")
    print(kind, rep, r["label"].replace(" ", "_"), s["status"], s["steps"], s["gradient_evaluations"],
          f"{s['wall_seconds']:.6f}",
          f"{s['time']:.6g}", f"{tau6:.6g}", "nan" if gend is None else f"{gend:.4g}")
print(kind + "-TOTAL", rep, f"{total:.6f}", f"{t1 - t0:.3f}", rc)
EOF
    rm -rf "$tmp" "$tmp.log"
}

for ((i = 1; i <= REPS; i++)); do
    one_rep P5 "$i"
    [[ $DIAG == 1 ]] && one_rep P5DIAG "$i"
done

$PY - "$LINES" <<'EOF'
import math, statistics, sys
med = statistics.median
runs, totals, errors = {"P5": {}, "P5DIAG": {}}, {"P5": [], "P5DIAG": []}, set()
for line in open(sys.argv[1]):
    f = line.split()
    if f[0] in runs:
        runs[f[0]].setdefault(f[2], []).append(
            dict(status=f[3], steps=int(f[4]), evals=int(f[5]), wall=float(f[6]), tau=float(f[7]), tau6=float(f[8]),
                 gend=float(f[9])))
    elif f[0] == "P5-ERR":
        errors.add(" ".join(f[2:]))  # "exit code N: message", the same for every repetition in practice
    elif f[0].endswith("-TOTAL"):
        totals[f[0][:-6]].append((float(f[2]), float(f[3]), f[4]))
n = len(totals["P5"])
# The digest's fixed-step RK4 (moroshko_woodworth.md 2.4): h = 2e-3 for D = 2, 1e-4 for D = 3 (4 evaluations/step).
H_RK4 = {"2": 2e-3, "3": 1e-4}
print(f"\nP5: dual flow to gamma = 1e6 (experiments/moroshko.toml: Dormand-Prince, rtol 1e-10, atol 1e-12),"
      f" medians over {n} reps")
print(f"  {'variant':<14} {'status':<10} {'steps':>6} {'wall_seconds':>12} {'[min, max]':>19}   {'tau(1e6)':>9}"
      f" {'RK4 steps':>10} {'gamma at stop':>14}")
for label, rs in runs["P5"].items():
    w = [r["wall"] for r in rs]
    steps = "/".join(map(str, sorted({r["steps"] for r in rs})))
    st = ",".join(sorted({r["status"] for r in rs}))
    depth = label.split("_")[0].split("=")[1]
    rk4 = rs[0]["tau6"] / H_RK4.get(depth, math.nan)
    print(f"  {label.replace('_', ' '):<14} {st:<10} {steps:>6} {med(w):>12.4f} {f'[{min(w):.4f}, {max(w):.4f}]':>19}"
          f"   {rs[0]['tau6']:>9.4g} {rk4:>10.0f} {rs[0]['gend']:>14.4g}")
sw = [t[0] for t in totals["P5"]]
pw = [t[1] for t in totals["P5"]]
tot_steps = sum(med([r["steps"] for r in rs]) for rs in runs["P5"].values())
print(f"  {'total':<14} {'':<10} {tot_steps:>6.0f} {med(sw):>12.4f} {f'[{min(sw):.4f}, {max(sw):.4f}]':>19}"
      "   (sum of the five runs' wall_seconds)")
print(f"  process wall of `depthbias reproduce moroshko` (start-up, references, analysis, checks included):"
      f" median {med(pw):.3f} s [{min(pw):.3f}, {max(pw):.3f}]; exit codes {' '.join(t[2] for t in totals['P5'])}")
for e in sorted(errors):
    print(f"  depthbias {e} (printed after experiment.json was written complete)")
same = all(r["evals"] == r["steps"] for rs in runs["P5"].values() for r in rs)
print("  steps: accepted Dormand-Prince steps; a DP5 step costs 6 right-hand-side evaluations (FSAL) plus rejected")
print("  tries (" + ("the engine's gradient_evaluations field repeats the step count)." if same else
      "the engine's gradient_evaluations: " + ", ".join(str(rs[0]["evals"]) for rs in runs["P5"].values()) + ")."))
print("  RK4 steps: tau(1e6) / h with the digest's fixed h (2e-3 for D = 2, 1e-4 for D = 3), for scale.")
over = [k for k, rs in runs["P5"].items() if rs[0]["gend"] > 1e6 * (1 + 1e-6)]
print("  gamma at stop: min margin of the returned state" + (
      ": the last step ends past gamma = 1e6 for " + ", ".join(k.replace("_", " ") for k in over) + "." if over
      else " (1e6: the run stops on the target)."))
if totals["P5DIAG"]:
    dw = [t[0] for t in totals["P5DIAG"]]
    dp = [t[1] for t in totals["P5DIAG"]]
    per = {label: med([r["wall"] for r in rs]) for label, rs in runs["P5DIAG"].items()}
    print(f"  diagnostic, PATH without gnuplot (no `gnuplot --version` probe in the run manifest), {len(dw)} reps:")
    print("    per variant wall_seconds " + ", ".join(f"{k.replace('_', ' ')} {v:.4f}" for k, v in per.items()))
    print(f"    total {med(dw):.4f} s [{min(dw):.4f}, {max(dw):.4f}]; process wall {med(dp):.3f} s;"
          f" difference from the runs above {med(sw) - med(dw):+.3f} s of {med(sw):.3f} s (the probe's cost, where a"
          " build still runs it inside wall_seconds)")
EOF
