#!/usr/bin/env bash
# Installs the Debian packages (scripts/install-deps.sh), configures and builds depthbias into build/.
# A new build/ uses Ninja when it is installed (it starts compiling the tests while the engine is still being
# compiled, where Make waits target by target; docs/BUILD.md); an existing build/ keeps its generator.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh "$@"
gen=()
if [[ ! -f build/CMakeCache.txt ]] && command -v ninja >/dev/null; then gen=(-G Ninja); fi
cmake -S . -B build "${gen[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
# The Python package into /usr/bin/python3's site directory (`import depthbias` in any new shell; docs/PYTHON.md).
if grep -q '^DEPTHBIAS_HAVE_PYTHON' build/CMakeCache.txt 2>/dev/null || [[ -d build/python/depthbias ]]; then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO cmake --install build --component python >/dev/null
fi
