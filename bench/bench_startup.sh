#!/usr/bin/env bash
# Start-up cost of commands that do not train deep nets (issue 10: goal < 50 ms each). For every command and every
# binary given, ROUNDS runs in interleaved rounds (binary A, binary B, A, B, ... so load changes hit both alike);
# prints the median and minimum wall time, the peak RSS (median) and how many shared objects the dynamic loader
# initialised (LD_DEBUG=files: "calling init"), and whether libtorch was among them.
#   bench/bench_startup.sh [ROUNDS] [BINARY...]     (defaults: 20, build/depthbias)
# Speed is measured, never asserted (the machine is noisy: compare binaries within one run).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-20}
shift || true
BINS=("$@")
[[ ${#BINS[@]} -gt 0 ]] || BINS=("$ROOT/build/depthbias")
for b in "${BINS[@]}"; do [[ -x "$b" ]] || { echo "not an executable: $b" >&2; exit 2; }; done
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (Debian package: time)" >&2; exit 2; }

COMMANDS=("--help" "run --help-keys" "theory threshold --depth 3 --ratio 0.5" "reproduce --list"
          "deepnets presets")

short() { local s=$1; (( ${#s} > 40 )) && s=...${s: -37}; echo "$s"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

WORK=$(mktemp -d /tmp/depthbias-bench-startup.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
printf '%-42s %-40s %9s %9s %9s %6s %s\n' command binary "median_ms" "min_ms" "rss_MiB" "libs" torch
for cmd in "${COMMANDS[@]}"; do
    for ((r = 0; r < ROUNDS; ++r)); do
        for i in "${!BINS[@]}"; do
            # %e has 10 ms resolution: time with date's nanoseconds, take RSS from /usr/bin/time.
            t0=$(date +%s%N)
            # shellcheck disable=SC2086
            /usr/bin/time -f '%M' -o "$WORK/rss" "${BINS[$i]}" $cmd >/dev/null 2>&1 || true
            t1=$(date +%s%N)
            echo $(((t1 - t0) / 1000)) >> "$WORK/t$i"
            cat "$WORK/rss" >> "$WORK/m$i"
        done
    done
    for i in "${!BINS[@]}"; do
        # shellcheck disable=SC2086
        LD_DEBUG=files "${BINS[$i]}" $cmd 2>"$WORK/ld" >/dev/null || true
        inits=$(grep -c 'calling init:' "$WORK/ld" || true)
        torch=no
        grep -q 'calling init:.*libtorch' "$WORK/ld" && torch=yes
        printf '%-42s %-40s %9.1f %9.1f %9.1f %6s %s\n' "$cmd" "$(short "${BINS[$i]}")" \
            "$(median < "$WORK/t$i" | awk '{print $1/1000}')" "$(sort -n "$WORK/t$i" | head -1 | awk '{print $1/1000}')" \
            "$(median < "$WORK/m$i" | awk '{print $1/1024}')" "$inits" "$torch"
        rm -f "$WORK/t$i" "$WORK/m$i"
    done
done
