#!/usr/bin/env bash
# The README's main command: install what is needed, build, and reproduce Gissin et al. Figure 1a, Figure 1b,
# the toy model against its closed form and the depth-separation map into results/ (a minute or two on 2 cores).
# Each experiment prints its checks against the paper / theory; a failed check makes the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
status=0
for name in fig1a fig1b toy separation; do
  build/depthbias reproduce "$name" --out "results/$name" --force || status=$?
done
echo
echo "Figures: results/*/figure.png (and .svg); per-run data: results/<experiment>/<run>/"
exit $status
