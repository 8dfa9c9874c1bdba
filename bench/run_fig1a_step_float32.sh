#!/usr/bin/env bash
# fig1a's GD step on the float32 port's basis (issue 10: "end-to-end ratio >= 0.8 x the step ratio"): ours
# (bench_sensing_step d50_fused_float32: depth 4, d = 50, m = 1000, A in float32, float64 accumulation) against
# the numpy step with A in float32 and its two products in float32 BLAS (bench/peers/sensing_step_numpy.py
# --storage float32 --d 50: the step of bench/e2e/port_fig1a.py), one BLAS thread, 3 interleaved rounds.
# Needs build/bench_sensing_step: cmake -S . -B build -DDEPTHBIAS_BUILD_BENCH=ON && make -C build bench_sensing_step
# Writes bench/results/fig1a_step_float32.txt and the raw outputs under bench/results/fig1a_step_float32_raw/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RAW=bench/results/fig1a_step_float32_raw
[[ -x build/bench_sensing_step ]] || { echo "build/bench_sensing_step not found (see the header of $0)" >&2; exit 1; }
rm -rf "$RAW"; mkdir -p "$RAW"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
{
echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ), depthbias $(git rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3; do
  if (( i % 2 == 1 )); then order="ours peer"; else order="peer ours"; fi
  for side in $order; do
    if [[ $side == ours ]]; then
      nice -n 10 build/bench_sensing_step --benchmark_filter='d50_fused_float32' --benchmark_repetitions=3 \
        --benchmark_report_aggregates_only=true > "$RAW/ours_$i.txt" 2>&1
      echo "round $i ours: $(grep -E 'median' "$RAW/ours_$i.txt" | head -1)"
    else
      (cd bench/peers && nice -n 10 /usr/bin/python3 sensing_step_numpy.py --d 50 --storage float32 --samples 5 \
        --steps 100 --label numpy-float32-1thread) > "$RAW/peer_$i.txt" 2>&1
      echo "round $i peer: $(grep RESULT "$RAW/peer_$i.txt")"
    fi
  done
  echo "# load after round $i: $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "# columns: ours = Google Benchmark median wall / CPU per step; peer = RESULT numpy <label> <median wall s/step> <median CPU s/step>"
} 2>&1 | tee bench/results/fig1a_step_float32.txt
