#!/usr/bin/env bash
# P1-P3 benchmarks of depthbias against numpy / PyTorch peers, side by side in one run.
# Writes bench/results/latest.txt (raw outputs under bench/results/p1_p3_raw/) and prints the report.
#   bench/run_benchmarks.sh           full run (~15-20 min on the idle 2-core machine; longer when it is loaded)
#   bench/run_benchmarks.sh --quick   fewer repeats, P2 peers once, P3 with a looser reference (~7-10 min)
# Speed is measured, never asserted. The machine is noisy: every P1 contender runs once per round, rounds are
# interleaved, and the report takes medians over rounds. Peers run with /usr/bin/python3 (Debian's numpy/torch).
set -euo pipefail

QUICK=0
for a in "$@"; do
    case "$a" in
        --quick) QUICK=1 ;;
        -h|--help) sed -n 2,7p "$0"; exit 0 ;;
        *) echo "unknown argument: $a (use --quick)" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build"
PY=/usr/bin/python3
PEERS="$ROOT/bench/peers"
RES="$ROOT/bench/results"
RAW="$RES/p1_p3_raw"   # this script's own raw outputs (other benches share bench/results/)
rm -rf "$RAW"
mkdir -p "$RAW"
TIMEFORMAT='%R %U %S'   # bash `time`: wall, user, sys seconds

if [[ $QUICK == 1 ]]; then ROUNDS=3; P2_REPS=1; PEER_SAMPLES=5; PEER_STEPS=20;
else ROUNDS=5; P2_REPS=3; PEER_SAMPLES=5; PEER_STEPS=30; fi

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# ---- build ----------------------------------------------------------------------------------------------
log "building (make -j1) depthbias bench_sensing_step bench_flow_vs_gd bench_flow_wallclock bench_storage_accuracy"
(cmake -S "$ROOT" -B "$BUILD" -DDEPTHBIAS_BUILD_BENCH=ON > "$RAW/cmake.log" 2>&1 && \
    cmake --build "$BUILD" -j1 --target depthbias bench_sensing_step bench_flow_vs_gd bench_flow_wallclock \
    bench_storage_accuracy \
    > "$RAW/make.log" 2>&1) || {
    echo "build failed, see $RAW/make.log" >&2; tail -20 "$RAW/make.log" >&2; exit 1; }

# ---- BLAS of each side: printed, and no peer on the reference BLAS (issue 10; bench/peers/blas_check.py) -----
# depthbias's own kernels do not call BLAS (CLP and LibTorch do; one BLAS thread per process, core/blas.hpp).
BLAS_LINES=$({ echo "# BLAS depthbias: $("$BUILD/depthbias" info | sed -n 's/^BLAS: //p')"
               $PY "$PEERS/blas_check.py" --torch --label "peers (numpy + torch, their default threads)"; } 2>&1) || {
    echo "$BLAS_LINES" >&2; exit 3; }
echo "$BLAS_LINES" >&2

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "mode: $([[ $QUICK == 1 ]] && echo quick || echo full)"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc) cores"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "$BLAS_LINES"
    echo "depthbias: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown) (working tree)"
    $PY -c 'import numpy, torch; print("numpy", numpy.__version__, "| torch", torch.__version__, "| torch default threads", torch.get_num_threads())'
} > "$RAW/machine.txt" 2>&1

# ---- P1: one GD step, d = 100, m = 1000, depth 4 ---------------------------------------------------------
BENCH_FILTER='d100_|d50_|ReadBandwidth|AllocCounter'
for ((i = 1; i <= ROUNDS; i++)); do
    log "P1 round $i/$ROUNDS: ours"
    "$BUILD/bench_sensing_step" --benchmark_filter="$BENCH_FILTER" --benchmark_out="$RAW/p1_ours_$i.json" \
        --benchmark_out_format=json > "$RAW/p1_ours_$i.txt" 2>&1
    log "P1 round $i/$ROUNDS: peers"
    {
        env -u OPENBLAS_NUM_THREADS $PY "$PEERS/sensing_step_numpy.py" --matvec blas --label "numpy-blas-OPENBLAS_NUM_THREADS=unset" \
            --samples $PEER_SAMPLES --steps $PEER_STEPS
        OPENBLAS_NUM_THREADS=1 $PY "$PEERS/sensing_step_numpy.py" --matvec blas --label "numpy-blas-OPENBLAS_NUM_THREADS=1" \
            --samples $PEER_SAMPLES --steps $PEER_STEPS
        $PY "$PEERS/sensing_step_numpy.py" --matvec einsum --label "numpy-einsum" --samples $PEER_SAMPLES --steps $PEER_STEPS
        $PY "$PEERS/sensing_step_torch.py" --threads 1 --label "torch-manual-set_num_threads(1)" \
            --samples $PEER_SAMPLES --steps $PEER_STEPS
        $PY "$PEERS/sensing_step_torch.py" --threads 0 --label "torch-manual-default-threads" \
            --samples $PEER_SAMPLES --steps $PEER_STEPS
        if [[ $QUICK == 0 ]]; then
            $PY "$PEERS/sensing_step_torch.py" --threads 2 --label "torch-manual-set_num_threads(2)" \
                --samples $PEER_SAMPLES --steps $PEER_STEPS
            $PY "$PEERS/sensing_step_torch.py" --threads 1 --variant autograd --label "torch-autograd-set_num_threads(1)" \
                --samples $PEER_SAMPLES --steps $PEER_STEPS
        fi
    } > "$RAW/p1_peers_$i.txt" 2> "$RAW/p1_peers_$i.err"
done

log "P1: float32 storage accuracy"
"$BUILD/bench_storage_accuracy" > "$RAW/p1_accuracy.txt" 2>&1

# ---- P2: Figure 1a end to end ----------------------------------------------------------------------------
FIG_OUT=$(mktemp -d /tmp/depthbias-bench-fig1a.XXXXXX)
run_timed() {  # run_timed NAME CMD...: stdout+stderr to $RAW/NAME.txt, "wall user sys" to $RAW/NAME.time
    local name=$1; shift
    { time "$@" > "$RAW/$name.txt" 2>&1 ; } 2> "$RAW/$name.time"
}
# Contenders: the README's command as users run it (the preset stores A in float32; --jobs defaults to one run
# per hardware thread), the same on one core (--jobs 1), and float64 storage on one core; the numpy port of the
# authors' loop (one process, numpy's default threads), with and without its per-epoch SVD.
for ((i = 1; i <= P2_REPS; i++)); do
    log "P2 rep $i/$P2_REPS: depthbias reproduce fig1a (preset defaults: float32 storage, --jobs auto)"
    run_timed "p2_ours_default_$i" "$BUILD/depthbias" reproduce fig1a --out "$FIG_OUT/default" --force --no-figures
    log "P2 rep $i/$P2_REPS: fig1a_numpy.py (per-epoch SVD, as the authors' script)"
    run_timed "p2_numpy_$i" $PY "$PEERS/fig1a_numpy.py"
    log "P2 rep $i/$P2_REPS: depthbias reproduce fig1a --jobs 1"
    run_timed "p2_ours_f32_j1_$i" "$BUILD/depthbias" reproduce fig1a --out "$FIG_OUT/j1" --force --no-figures --jobs 1
done
log "P2: depthbias reproduce fig1a --jobs 1 --set task.storage=float64"
run_timed "p2_ours_f64_j1_1" "$BUILD/depthbias" reproduce fig1a --out "$FIG_OUT/f64" --force --no-figures --jobs 1 \
    --set task.storage=float64
if [[ $QUICK == 0 ]]; then
    log "P2: fig1a_numpy.py --no-svd"
    run_timed "p2_numpy_nosvd_1" $PY "$PEERS/fig1a_numpy.py" --no-svd
fi
rm -rf "$FIG_OUT"

# ---- P3: adaptive flow vs GD evaluations -----------------------------------------------------------------
log "P3: bench_flow_vs_gd $([[ $QUICK == 1 ]] && echo --quick)"
if [[ $QUICK == 1 ]]; then
    "$BUILD/bench_flow_vs_gd" --quick > "$RAW/p3.txt" 2>&1
else
    "$BUILD/bench_flow_vs_gd" > "$RAW/p3.txt" 2>&1
fi
# P3 in seconds: GD, Dormand-Prince and the implicit CVODE flow, interleaved rounds (~1 min per round)
log "P3 seconds: bench_flow_wallclock --rounds $([[ $QUICK == 1 ]] && echo 1 || echo 5)"
"$BUILD/bench_flow_wallclock" --rounds "$([[ $QUICK == 1 ]] && echo 1 || echo 5)" --cvode-rtols 1e-4,1e-5,1e-6 \
    > "$RAW/p3_wallclock.txt" 2>&1

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RAW/machine.txt"
$PY "$ROOT/bench/make_report.py" "$RAW" > "$RES/latest.txt"
cat "$RES/latest.txt"
