#!/usr/bin/env bash
# Installs the Debian packages (scripts/install-deps.sh), configures and builds depthbias into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh "$@"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
