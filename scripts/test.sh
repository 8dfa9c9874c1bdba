#!/usr/bin/env bash
# The README's test command: install what is needed, build, run the default test suite (a few minutes).
# The full-size reproductions are `cmake --build build --target check-long`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
cd build
ctest -LE long --output-on-failure -j"$(nproc)"
