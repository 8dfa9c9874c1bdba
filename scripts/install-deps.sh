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
  pybind11-dev python3-dev python3-numpy python3-pandas python3-pytest
  python3-nbclient python3-nbformat python3-ipykernel
  libdsdp-dev libspectra-dev libsundials-dev
  libopenblas0-pthread)
# python3-nbclient / python3-ipykernel: the test suite executes the notebooks under examples/ headless.
# libdsdp-dev: DSDP, the semidefinite-programming solver of the nuclear-norm references.
# libsundials-dev: SUNDIALS CVODE, the implicit BDF gradient flow (dynamics.kind = implicit_flow).
# libspectra-dev: Spectra (header-only Lanczos on Eigen), the top Hessian eigenvalue (observe/sharpness).
# libopenblas0-pthread: Debian's libblas.so.3 / liblapack.so.3 then point to OpenBLAS (its alternatives outrank the
# reference netlib BLAS), for LibTorch, CLP and numpy here and for torch, the benchmarks' other peer; without it
# they all run on the reference BLAS (3-6 GFLOP/s GEMM against 130-180), and the peers' check fails
# (bench/peers/blas_check.py). The depthbias executable keeps OpenBLAS at one thread per process
# (src/depthbias/core/blas.hpp).
BENCH_PKGS=(python3-torch)

blas_check() {  # a manually set alternative keeps the reference BLAS even with OpenBLAS installed
  local lib
  lib=$(readlink -f "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/libblas.so.3" || true)
  if [[ -n "$lib" && "$lib" != *openblas* ]]; then
    echo "depthbias: warning: libblas.so.3 is $lib, not OpenBLAS; select it with" \
         "\`update-alternatives --config libblas.so.3-\$(dpkg-architecture -qDEB_HOST_MULTIARCH)\`" >&2
  fi
}

want=("${BUILD_PKGS[@]}")
if [[ "${1:-}" == "--with-bench" ]]; then want+=("${BENCH_PKGS[@]}"); fi
[[ "${DEPTHBIAS_SKIP_APT:-0}" == "1" ]] && exit 0

missing=()
for p in "${want[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$st" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then blas_check; exit 0; fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "depthbias: installing Debian packages: ${missing[*]}" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
blas_check
