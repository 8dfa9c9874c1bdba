#!/bin/sh
# Claims 4 and 6 investigated (issue 15): the CPU-size depth experiment (effective-depth-vs-depth: MLP-L-256,
# 200 epochs, batch 32, lr 0.01 -> 0.001 at 150) at L in {4, 8, 16} (claim 6 compares L = 16 with L = 4), one
# seed, for $SIZES training images per class (default 50 100 200: about 3.5 core-minutes; 400 adds 4); each
# point's checks (depth_independence = claim 4, cdnv_depth = claim 6, ...) are the registered ones.
# Usage: [SIZES="50 100 200 400"] bench/deepnets/claims_4_6_scan.sh BUILD_DIR OUT_DIR
set -eu
BIN=${1:-build}/depthbias
OUT=${2:-runs/claims-4-6}
for n in ${SIZES:-50 100 200}; do
  nice -n 10 "$BIN" deepnets reproduce effective-depth-vs-depth --quiet --no-figures --resume \
    --set data.train_per_class=$n --set "experiment.values=[4, 8, 16]" --set "experiment.seeds=[0]" --set experiment.cdnv_deep=16 \
    --out "$OUT/n$n" || true   # exit 4: a check failed or was not evaluated; the tables are written
done
