#!/usr/bin/env bash
# P7: sweep throughput. The same sweep of short points (48 toy-model runs) with --workers 1, with --workers 2, and
# under `mpirun -n 2` (rank 0 coordinates and runs points, rank 1 runs points), each ROUNDS times in interleaved
# rounds; reports the median wall time of each, the 2-worker / 1-worker throughput ratio (goal >= 1.8), the
# dispatch overhead per point (time a worker waits between two points, from the store's overhead_seconds), and
# the MPI overhead per point relative to the 2-worker pool, and the CPU capacity the machine gives two concurrent
# processes at the time (the ceiling of any 2-worker speed-up). Also checks that all three give the same result table.
#   bench/bench_sweep_throughput.sh [BINARY] [ROUNDS]     (defaults: build/depthbias or build-sweep/depthbias, 3)
# Writes bench/results/sweep.txt. Speed is measured, never asserted; the machine is noisy: compare within a run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-}
if [[ -z "$BIN" ]]; then
    for b in "$ROOT/build/depthbias" "$ROOT/build-sweep/depthbias"; do [[ -x "$b" ]] && BIN=$b && break; done
fi
[[ -x "${BIN:-}" ]] || { echo "no depthbias binary (build first, or pass its path)" >&2; exit 2; }
ROUNDS=${2:-3}
RES="$ROOT/bench/results/sweep.txt"
WORK=$(mktemp -d /tmp/depthbias-bench-sweep.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
MPIRUN=$(command -v mpirun || true)

cat > "$WORK/sweep.toml" <<'EOF'
# 48 short points: the toy model (4 targets), GD to loss 1e-6, 6 init scales x 2 step sizes x 4 seeds.
[run]
name = "p7"
[task]
kind = "toy"
target = [12.0, 6.0, 4.0, 3.0]
[model]
kind = "diagonal_product"
depth = 3
[dynamics]
kind = "gd"
lr = 1e-3
loss_threshold = 1e-6
max_steps = 50000000
[observe]
schedule = "linear"
interval = 0.5
[sweep]
grid = { "model.init_scale" = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2], "dynamics.lr" = [3e-6, 6e-6] }
seeds = 4
EOF
POINTS=48

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# mean of a sweep.csv column over its rows
col_mean() {
    awk -F, -v name="$2" 'NR==1 {for (i=1;i<=NF;i++) if ($i==name) c=i; next} c && $c!="" {s+=$c; n++}
                          END {if (n) printf "%.6f", s/n; else print "nan"}' "$1/report/sweep.csv"
}
digest() { "$BIN" sweep report "$1" --no-figures | sed -n 's/.*result digest \([0-9a-f]*\).*/\1/p'; }

# How much CPU the machine gives two concurrent CPU-bound processes right now (2.0 on an idle 2-core machine): the
# ceiling of any 2-worker speed-up measured in the same minutes.
spin() { awk 'BEGIN { for (i = 0; i < 2e7; i++) s += i * 0.5; print s > "/dev/null" }'; }
capacity() {
    local t0 t1 t2
    t0=$(now); spin; t1=$(echo "$(now) - $t0" | bc -l)
    t0=$(now); spin & spin & wait; t2=$(echo "$(now) - $t0" | bc -l)
    echo "2 * $t1 / $t2" | bc -l
}

declare -a T1 T2 TM CAP
for ((r = 1; r <= ROUNDS; r++)); do
    CAP+=("$(capacity)")
    for mode in w1 w2 mpi; do
        out="$WORK/$mode-$r"
        t0=$(now)
        case $mode in
            w1) "$BIN" sweep "$WORK/sweep.toml" --out "$out" --workers 1 --quiet > "$WORK/$mode-$r.log" 2>&1 ;;
            w2) "$BIN" sweep "$WORK/sweep.toml" --out "$out" --workers 2 --quiet > "$WORK/$mode-$r.log" 2>&1 ;;
            mpi) [[ -n "$MPIRUN" ]] || continue
                 "$MPIRUN" -n 2 --oversubscribe --allow-run-as-root "$BIN" sweep "$WORK/sweep.toml" --out "$out" \
                     --quiet > "$WORK/$mode-$r.log" 2>&1 ;;
        esac
        t=$(echo "$(now) - $t0" | bc -l)
        case $mode in w1) T1+=("$t") ;; w2) T2+=("$t") ;; mpi) TM+=("$t") ;; esac
        printf 'round %d %-4s %6.2f s\n' "$r" "$mode" "$t"
    done
done

m1=$(printf '%s\n' "${T1[@]}" | median)
m2=$(printf '%s\n' "${T2[@]}" | median)
ratio=$(echo "$m1 / $m2" | bc -l)
# Per-round ratios (w1 and w2 of a round run back to back, so they share the machine's state at the time).
declare -a RR
for ((r = 0; r < ROUNDS; r++)); do RR+=("$(echo "${T1[$r]} / ${T2[$r]}" | bc -l)"); done
rratio=$(printf '%s\n' "${RR[@]}" | median)
pt1=$(col_mean "$WORK/w1-1" wall_seconds)
ov1=$(col_mean "$WORK/w1-1" overhead_seconds)
ov2=$(col_mean "$WORK/w2-1" overhead_seconds)
cap=$(printf '%s\n' "${CAP[@]}" | median)
# Worker utilization: the time the workers spent inside points over (workers x sweep wall), round 1.
util() { awk -F, -v w="$2" -v t="$3" 'NR==1 {for (i=1;i<=NF;i++) if ($i=="wall_seconds") c=i; next}
                                       {s+=$c} END {printf "%.2f", s/(w*t)}' "$1/report/sweep.csv"; }
u2=$(util "$WORK/w2-1" 2 "${T2[0]}")
d1=$(digest "$WORK/w1-1"); d2=$(digest "$WORK/w2-1")
mpi_lines="mpirun not found: MPI rows skipped"
if [[ -n "$MPIRUN" ]]; then
    mm=$(printf '%s\n' "${TM[@]}" | median)
    ovm=$(col_mean "$WORK/mpi-1" overhead_seconds)
    dm=$(digest "$WORK/mpi-1")
    # Fixed cost of an MPI sweep (mpirun, MPI_Init on both ranks, finalize): a 1-point sweep under mpirun minus the
    # same sweep in the pool, median of 3. (mpirun /bin/true alone misses MPI_Init and undercounts it ~4x.)
    sed 's/^seeds = .*/seeds = 1/; s/^grid = .*/grid = { "model.init_scale" = [3e-2], "dynamics.lr" = [1e-2] }/' \
        "$WORK/sweep.toml" > "$WORK/one.toml"
    declare -a TS
    for k in 1 2 3; do
        t0=$(now); "$MPIRUN" -n 2 --oversubscribe --allow-run-as-root "$BIN" sweep "$WORK/one.toml" \
            --out "$WORK/one-mpi-$k" --quiet > /dev/null 2>&1; ta=$(echo "$(now) - $t0" | bc -l)
        t0=$(now); "$BIN" sweep "$WORK/one.toml" --out "$WORK/one-pool-$k" --workers 2 --quiet > /dev/null 2>&1
        TS+=("$(echo "$ta - ($(now) - $t0)" | bc -l)")
    done
    tstart=$(printf '%s\n' "${TS[@]}" | median)
    per=$(echo "($mm - $m2 - $tstart) / $POINTS" | bc -l)
    mpi_lines=$(printf '%s\n' \
        "mpirun -n 2 (median)             $(printf '%7.2f' "$mm") s   ($(printf '%.1f' "$(echo "$POINTS / $mm" | bc -l)") points/s)" \
        "MPI fixed cost (startup)         $(printf '%7.2f' "$tstart") s   (1-point sweep: mpirun -n 2 minus the pool, median of 3)" \
        "MPI dispatch wait per point      $(printf '%.2f' "$(echo "$ovm * 1000" | bc -l)") ms  (mean overhead_seconds: request -> assignment, incl. rank 0 recording the previous result)" \
        "MPI extra wall per point vs pool $(printf '%.2f' "$(echo "$per * 1000" | bc -l)") ms  ((mpirun - 2-worker pool - MPI fixed cost) / $POINTS points)" \
        "result digest                    $dm")
fi

report=$(cat <<EOF
P7: sweep throughput (bench/bench_sweep_throughput.sh, $ROUNDS interleaved rounds, medians)
date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)
machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)
binary:  $BIN
sweep:   $POINTS toy points (diagonal_product depth 3, 4 targets, GD to loss 1e-6): mean point wall $(printf '%.3f' "$pt1") s (1 worker)

--workers 1 (median)             $(printf '%7.2f' "$m1") s   ($(printf '%.1f' "$(echo "$POINTS / $m1" | bc -l)") points/s)   rounds: ${T1[*]}
--workers 2 (median)             $(printf '%7.2f' "$m2") s   ($(printf '%.1f' "$(echo "$POINTS / $m2" | bc -l)") points/s)   rounds: ${T2[*]}
throughput ratio 2 / 1 workers   $(printf '%.2f' "$ratio")   (goal >= 1.8; ratio of the medians)
  median of per-round ratios     $(printf '%.2f' "$rratio")   (rounds: $(printf '%.2f ' "${RR[@]}"))
machine capacity (2 spin loops)  $(printf '%.2f' "$cap")   (median; 2.00 when both cores are free: the ceiling of the ratio above)
worker utilization, 2 workers    $(printf '%.2f' "$u2")   (time inside points / (2 x sweep wall), round 1: 1.00 = no coordination stalls)
pool dispatch wait per point     $(printf '%.2f' "$(echo "$ov1 * 1000" | bc -l)") ms (1 worker), $(printf '%.2f' "$(echo "$ov2 * 1000" | bc -l)") ms (2 workers)  (SQLite claim + record)
result digests                   $d1 (1 worker), $d2 (2 workers)
$mpi_lines
mpirun rounds: ${TM[*]:-}
EOF
)
mkdir -p "$(dirname "$RES")"
echo "$report" > "$RES"
echo
echo "$report"
