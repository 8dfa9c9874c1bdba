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
# Needs root or passwordless sudo; otherwise a note says how to use the build tree's package instead.
# DEPTHBIAS_NO_PYTHON_INSTALL=1 skips it.
if [[ -d build/python/depthbias && "${DEPTHBIAS_NO_PYTHON_INSTALL:-0}" != "1" ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    cmake --install build --component python >/dev/null
  elif sudo -n true 2>/dev/null; then
    sudo cmake --install build --component python >/dev/null
  else
    echo "depthbias: not installing the Python package (no root or passwordless sudo); use it from the build tree:" \
         "PYTHONPATH=$PWD/build/python /usr/bin/python3" >&2
  fi
fi
