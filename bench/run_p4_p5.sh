#!/usr/bin/env bash
# P4 and P5 benchmarks of depthbias, peers side by side in one run. Writes bench/results/p4_p5.txt (raw outputs
# under bench/results/p4_p5_raw/) and prints the report.
#   bench/run_p4_p5.sh           5 interleaved P4 rounds, 3 P5 repetitions (~5 min on the 2-core machine)
#   bench/run_p4_p5.sh --quick   3 rounds, fewer peer steps
# P4: one full GD step (d = 100, n = 200, depth 3, exponential loss, mean, float64) of the diagonal network
#     u+^3 - u-^3 and of the circular-conv network w1 (*) w2 (*) v: bench_diagonal_conv_step (Google Benchmark)
#     against bench/peers/diagonal_conv_numpy.py (hand-written gradient; matvecs through numpy's BLAS, i.e. `@`,
#     and through np.einsum) and bench/peers/diagonal_conv_torch.py (autograd, torch.set_num_threads(1) and
#     torch's default; the hand-written torch port is informational).
#     Every contender runs once per round, in a rotated order; the report takes medians over rounds of the
#     wall and CPU time per step and of the per-round ratios ours/peer. Before timing, each peer runs the
#     engine's first GD steps from the engine's data (--check) to show it computes the same step.
# P5: bench/bench_dual_flow.sh (dual flow to gamma = 1e6 on the 2-D example, 3 repetitions).
# Speed is measured, never asserted. Peers run with /usr/bin/python3 (Debian's numpy / torch).
set -euo pipefail
# One BLAS thread per process on every side (issue 10: fixed thread counts; numpy would otherwise take one per core,
# which the CPU column then charges to the peer). The "default-threads" torch contender keeps torch's own intra-op default.
export OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 GOTO_NUM_THREADS=1  # (OMP_NUM_THREADS left: torch's default)

QUICK=0
for a in "$@"; do
    case "$a" in
        --quick) QUICK=1 ;;
        -h|--help) sed -n 2,14p "$0"; exit 0 ;;
        *) echo "unknown argument: $a (use --quick)" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-p4"
PY=/usr/bin/python3
PEERS="$ROOT/bench/peers"
RES="$ROOT/bench/results"
RAW="$RES/p4_p5_raw"
rm -rf "$RAW"
mkdir -p "$RAW"

if [[ $QUICK == 1 ]]; then ROUNDS=3; SAMPLES=5; NP_STEPS=1000; TORCH_STEPS=300; P5_REPS=3;
else ROUNDS=5; SAMPLES=7; NP_STEPS=2000; TORCH_STEPS=500; P5_REPS=3; fi

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# ---- build ----------------------------------------------------------------------------------------------
log "building (-j1) bench_diagonal_conv_step depthbias in $BUILD"
{ cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DDEPTHBIAS_WITH_TORCH=OFF -DDEPTHBIAS_BUILD_BENCH=ON > "$RAW/cmake.log" 2>&1 &&
    cmake --build "$BUILD" -j1 --target bench_diagonal_conv_step depthbias > "$RAW/make.log" 2>&1; } || {
    echo "build failed, see $RAW/cmake.log and $RAW/make.log" >&2; tail -20 "$RAW/make.log" >&2; exit 1; }

# ---- BLAS of each side: printed, and no peer on the reference BLAS (issue 10; bench/peers/blas_check.py) -----
# depthbias's own kernels do not call BLAS (CLP and LibTorch do; one BLAS thread per process, core/blas.hpp).
BLAS_LINES=$({ echo "# BLAS depthbias: $("$BUILD/depthbias" info | sed -n 's/^BLAS: //p')"
               $PY "$PEERS/blas_check.py" --torch --label "peers (numpy + torch, one BLAS thread)"; } 2>&1) || {
    echo "$BLAS_LINES" >&2; exit 3; }
echo "$BLAS_LINES" >&2

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "mode: $([[ $QUICK == 1 ]] && echo quick || echo full) ($ROUNDS P4 rounds, $P5_REPS P5 repetitions)"
    echo "cpu: lscpu model name '$(lscpu | sed -n 's/^Model name: *//p')', $(nproc) cores, family" \
         "$(sed -n 's/^cpu family\t*: //p' /proc/cpuinfo | head -1) model $(sed -n 's/^model\t*: //p' /proc/cpuinfo | head -1)," \
         "$(grep -c avx512f /proc/cpuinfo | sed 's/^0$/no /;s/^[1-9][0-9]*$//')AVX-512"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "$BLAS_LINES"
    $PY -c 'import numpy, torch; print("numpy", numpy.__version__, "| torch", torch.__version__, "| torch default threads", torch.get_num_threads())'
} > "$RAW/machine.txt" 2>&1

# ---- P4: the peers compute the engine's steps -------------------------------------------------------------
log "P4: cross-check of the peers against the engine's first GD steps"
"$BUILD/bench_diagonal_conv_step" --dump="$RAW/dump" > /dev/null
{
    $PY "$PEERS/diagonal_conv_numpy.py" --check "$RAW/dump" --matvec blas || echo "CHECK numpy-blas FAILED"
    $PY "$PEERS/diagonal_conv_numpy.py" --check "$RAW/dump" --matvec einsum || echo "CHECK numpy-einsum FAILED"
    $PY "$PEERS/diagonal_conv_torch.py" --check "$RAW/dump" --variant autograd || echo "CHECK torch-autograd FAILED"
    $PY "$PEERS/diagonal_conv_torch.py" --check "$RAW/dump" --variant manual || echo "CHECK torch-manual FAILED"
} > "$RAW/p4_check.txt" 2>&1
cat "$RAW/p4_check.txt" >&2

# ---- P4: interleaved rounds --------------------------------------------------------------------------------
contender() {  # contender INDEX ROUND: run one contender, output to $RAW
    local k=$1 i=$2
    case $k in
        0) "$BUILD/bench_diagonal_conv_step" --benchmark_out="$RAW/p4_ours_$i.json" --benchmark_out_format=json \
               > "$RAW/p4_ours_$i.txt" 2>&1 ;;
        1) $PY "$PEERS/diagonal_conv_numpy.py" --samples $SAMPLES --steps $NP_STEPS --matvec blas ;;
        2) $PY "$PEERS/diagonal_conv_numpy.py" --samples $SAMPLES --steps $NP_STEPS --matvec einsum ;;
        3) $PY "$PEERS/diagonal_conv_torch.py" --samples $SAMPLES --steps $TORCH_STEPS --threads 1 \
               --label "torch-autograd-set_num_threads(1)" ;;
        4) $PY "$PEERS/diagonal_conv_torch.py" --samples $SAMPLES --steps $TORCH_STEPS --threads 0 \
               --label "torch-autograd-default-threads" ;;
        5) $PY "$PEERS/diagonal_conv_torch.py" --samples $SAMPLES --steps $TORCH_STEPS --threads 1 --variant manual \
               --label "torch-manual-set_num_threads(1)" ;;
    esac
}
NC=6
for ((i = 1; i <= ROUNDS; i++)); do
    for ((j = 0; j < NC; j++)); do
        k=$(( (i - 1 + j) % NC ))   # rotate the order from round to round
        log "P4 round $i/$ROUNDS: contender $k"
        contender $k $i >> "$RAW/p4_peers_$i.txt" 2>> "$RAW/p4_peers_$i.err"
    done
done

# ---- P5 ---------------------------------------------------------------------------------------------------
log "P5: bench_dual_flow.sh --reps $P5_REPS"
"$ROOT/bench/bench_dual_flow.sh" --reps $P5_REPS --build "$BUILD" --raw "$RAW/p5" > "$RAW/p5.txt" 2> "$RAW/p5.err"

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RAW/machine.txt"

# ---- report -----------------------------------------------------------------------------------------------
$PY - "$RAW" "$ROUNDS" > "$RES/p4_p5.txt" <<'EOF'
import glob, json, os, re, statistics, sys

raw, rounds = sys.argv[1], int(sys.argv[2])
med = statistics.median
out = []
say = out.append

say("depthbias P4 / P5 benchmarks (bench/run_p4_p5.sh)")
say(open(os.path.join(raw, "machine.txt")).read().rstrip())
say("")

# times[model][contender] = list of (round, wall s, cpu s)
times, ours_counters, parts = {}, {}, {}
UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
for i in range(1, rounds + 1):
    j = json.load(open(os.path.join(raw, f"p4_ours_{i}.json")))
    for b in j["benchmarks"]:
        model = "diagonal" if "diagonal" in b["name"] else "conv"
        u = UNIT[b["time_unit"]]
        if b["name"].startswith("BM_Part/"):
            part = b["name"].split("/")[1].split("_", 1)[1]
            parts.setdefault(model, {}).setdefault(part, []).append((b["real_time"] * u, b["cpu_time"] * u))
            continue
        times.setdefault(model, {}).setdefault("depthbias (Eigen + FFTW)", []).append(
            (i, b["real_time"] * u, b["cpu_time"] * u))
        ours_counters.setdefault(model, []).append((b["allocs_per_step"], b["loss_end"], b["iterations"]))
    for line in open(os.path.join(raw, f"p4_peers_{i}.txt")):
        f = line.split()
        if len(f) >= 6 and f[0] == "RESULT":
            times.setdefault(f[2], {}).setdefault(f[3], []).append((i, float(f[4]), float(f[5])))

OURS = "depthbias (Eigen + FFTW)"
INFO = {"torch-manual-set_num_threads(1)"}
GOAL = 20.0
say("P4: one full GD step = value_and_gradient + theta -= lr grad; d = 100, n = 200, depth 3, exponential loss")
say("    (mean), float64. diagonal: u+^3 - u-^3 (200 params, lr 0.01); conv: w1 (*) w2 (*) v via FFT (300 params,")
say(f"    lr 1e-3). Medians over {rounds} interleaved rounds (each: Google Benchmark min_time 0.5 s per model;")
say("    peers: median of their samples). ratio = ours/peer per round, then the median (and range) over rounds;")
say(f"    speed-up = 1/ratio. Goal: speed-up >= {GOAL:.0f}x against the numpy and PyTorch (autograd) ports.")
say("    Wall = elapsed time (includes waiting for a core on a loaded machine); CPU = process CPU time.")
say("")
verdicts = []
for model in ("diagonal", "conv"):
    rows = times.get(model, {})
    if OURS not in rows:
        continue
    ours = {r: (w, c) for r, w, c in rows[OURS]}
    say(f"  {model}")
    say(f"    {'contender':<36} {'wall us':>9} {'CPU us':>9}   {'ours/peer wall':>22} {'ours/peer CPU':>22}"
        f"   {'speed-up wall':>13} {'speed-up CPU':>12}")
    for name, rs in rows.items():
        w = med([r[1] for r in rs]) * 1e6
        c = med([r[2] for r in rs]) * 1e6
        if name == OURS:
            say(f"    {name:<36} {w:>9.2f} {c:>9.2f}")
            continue
        rw = [ours[r][0] / x for r, x, _ in rs if r in ours]
        rc = [ours[r][1] / y for r, _, y in rs if r in ours]
        fmt = lambda v: f"{med(v):.4f} [{min(v):.4f},{max(v):.4f}]"
        sw, sc = 1 / med(rw), 1 / med(rc)
        tag = " (informational)" if name in INFO else ""
        say(f"    {name:<36} {w:>9.2f} {c:>9.2f}   {fmt(rw):>22} {fmt(rc):>22}   {sw:>12.1f}x {sc:>11.1f}x{tag}")
        if name not in INFO:
            verdicts.append((model, name, sw, sc))
    a = ours_counters[model]
    say(f"    ours: allocs_per_step {max(x[0] for x in a):g} (max over rounds), loss_end {a[-1][1]:.6g},"
        f" iterations per round {int(med([x[2] for x in a]))}")
    if model in parts:
        say("    ours, where the step goes (CPU us, medians): " + ", ".join(
            f"{k} {med([c for _, c in v]) * 1e6:.2f}" for k, v in parts[model].items()) +
            " (+ the update theta -= lr grad)")
    say("")
say("  goal (speed-up >= 20x) per peer:")
for model, name, sw, sc in verdicts:
    v = lambda s: "met" if s >= GOAL else f"NOT met ({s:.1f}x, {GOAL / s:.2f}x short)"
    say(f"    {model:<9} vs {name:<36} wall {v(sw)}; CPU {v(sc)}")
say("")
say("  peers compute the engine's step (same data and start, 10 GD steps; relative differences):")
for line in open(os.path.join(raw, "p4_check.txt")):
    if line.startswith("CHECK"):
        say("    " + line.rstrip())
say("")
p5 = [line.rstrip() for line in open(os.path.join(raw, "p5.txt"))  # the summary, not the per-repetition lines
      if line.split()[:1] not in (["P5"], ["P5DIAG"], ["P5-TOTAL"], ["P5DIAG-TOTAL"])]
say("\n".join(p5).strip("\n"))
say("")
say("raw outputs: bench/results/" + os.path.basename(raw) + "/")
print("\n".join(out))
EOF
cat "$RES/p4_p5.txt"
