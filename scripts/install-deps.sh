#!/usr/bin/env bash
# Installs the Debian 12 packages depthbias builds, tests and benchmarks with.
# Idempotent: when every package is already installed it only runs dpkg-query (well under a second).
# Uses sudo when not root. Set DEPTHBIAS_SKIP_APT=1 to skip entirely (e.g. on a machine you manage yourself).
set -euo pipefail

BUILD_PKGS=(cmake g++ make ninja-build pkg-config
  libeigen3-dev libboost-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libfftw3-dev coinor-libclp-dev libsqlite3-dev zlib1g-dev libopenmpi-dev openmpi-bin
  libtorch-dev dataset-fashion-mnist chromium
  googletest libgtest-dev libbenchmark-dev gnuplot-nox
  pybind11-dev python3-dev python3-numpy python3-pandas python3-pytest)
BENCH_PKGS=(python3-torch)

want=("${BUILD_PKGS[@]}")
if [[ "${1:-}" == "--with-bench" ]]; then want+=("${BENCH_PKGS[@]}"); fi
[[ "${DEPTHBIAS_SKIP_APT:-0}" == "1" ]] && exit 0

missing=()
for p in "${want[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$st" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "depthbias: installing Debian packages: ${missing[*]}" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
