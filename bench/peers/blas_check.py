#!/usr/bin/python3
"""Which BLAS a peer process calls, and on how many threads (issue 10: a benchmark against a peer on the
reference BLAS is not a fair comparison; Debian's numpy and torch call libblas.so.3, which is the netlib
reference BLAS unless libopenblas0-pthread is installed).

In a peer, after importing numpy / torch:
    import blas_check
    blas_check.require_optimized("numpy peer")   # one line on stderr; exits 3 on the reference BLAS
From a script (the machine header of bench/run_*.sh):
    /usr/bin/python3 bench/peers/blas_check.py [--torch] [--label TEXT]

How: the shared objects mapped into this process (/proc/self/maps) say which library it is; OpenBLAS's own
openblas_get_num_threads() (through ctypes) gives its threads, or threadpoolctl when it is installed; torch's
intra-op threads from torch.get_num_threads().
"""
import argparse
import ctypes
import os
import sys


def mapped_libraries():
    """Real paths of the BLAS / LAPACK shared objects mapped into this process."""
    out = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            name = os.path.basename(path).lower()
            if path.startswith("/") and any(k in name for k in ("blas", "lapack", "mkl")):
                out.add(os.path.realpath(path))
    return sorted(out)


def describe():
    """{vendor: openblas | reference | mkl | other | none, libraries: [...], blas_threads: int or None,
    torch_threads: int or None, how: str}"""
    libs = mapped_libraries()
    info = {"libraries": libs, "blas_threads": None, "torch_threads": None, "how": "/proc/self/maps"}
    if any("openblas" in p.lower() for p in libs):
        info["vendor"] = "openblas"
        for p in libs:
            if "openblas" in os.path.basename(p).lower():
                try:
                    info["blas_threads"] = int(ctypes.CDLL(p).openblas_get_num_threads())
                    info["how"] += " + openblas_get_num_threads"
                    break
                except (OSError, AttributeError):
                    pass
    elif any("mkl" in p.lower() for p in libs):
        info["vendor"] = "mkl"
    elif any(os.sep + "blas" + os.sep in p and "libblas.so" in p for p in libs):
        info["vendor"] = "reference"
        info["blas_threads"] = 1
    elif libs:
        info["vendor"] = "other"
    else:
        info["vendor"] = "none"
    try:  # optional: threadpoolctl reports every BLAS / OpenMP pool of the process
        from threadpoolctl import threadpool_info
        blas_pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if blas_pools:
            info["blas_threads"] = blas_pools[0]["num_threads"]
            info["how"] += " + threadpoolctl"
    except Exception:  # not installed, or an old version
        pass
    if "torch" in sys.modules:
        info["torch_threads"] = sys.modules["torch"].get_num_threads()
    return info


def line(side, info):
    env = ", ".join(f"{k}={os.environ[k]}" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
                    if k in os.environ) or "no thread variables set"
    s = f"# BLAS {side}: {info['vendor']}"
    s += f", {info['blas_threads']} BLAS thread(s)" if info["blas_threads"] is not None else ", BLAS threads unknown"
    if info["torch_threads"] is not None:
        s += f", torch {info['torch_threads']} intra-op thread(s)"
    s += f" ({'; '.join(info['libraries']) or 'no BLAS mapped'}; {env}; via {info['how']})"
    return s


def require_optimized(side, stream=sys.stderr):
    """Prints the BLAS line of this process; exits 3 when it is the reference BLAS (or none is loaded)."""
    info = describe()
    print(line(side, info), file=stream, flush=True)
    if info["vendor"] in ("reference", "none"):
        print(f"error: {side} runs on the {'reference (netlib) BLAS' if info['vendor'] == 'reference' else 'no BLAS'}"
              f" ({'; '.join(info['libraries']) or 'nothing mapped'}): not a fair comparison. Install OpenBLAS "
              f"(scripts/install-deps.sh --with-bench installs libopenblas0-pthread; Debian's libblas.so.3 then points "
              f"to it) and run again.", file=stream, flush=True)
        sys.exit(3)
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--torch", action="store_true", help="also import torch and report its threads")
    ap.add_argument("--label", default=None)
    a = ap.parse_args()
    import numpy as np
    np.ones((2, 2)) @ np.ones(2)  # make sure the BLAS is loaded and initialised
    side = a.label or f"numpy {np.__version__}"
    if a.torch:
        import torch
        side = a.label or f"numpy {np.__version__} + torch {torch.__version__}"
    require_optimized(side, sys.stdout)


if __name__ == "__main__":
    main()
