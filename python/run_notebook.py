"""Execute an example notebook headless and fail if any cell fails (ctest label `python`, one test per notebook).

    PYTHONPATH=build/python /usr/bin/python3 python/run_notebook.py examples/NAME.ipynb [--timeout S]

The kernel is Debian's /usr/bin/python3 through ipykernel, from a kernel spec written into a temporary directory
(JUPYTER_PATH points there; nothing is registered system-wide). The notebook runs with its own folder as the
working directory (examples/, where nbplot.py is) and the caller's environment (PYTHONPATH reaches the kernel).
Exit 0 when every cell ran; 1 with the failing cell's error otherwise. The executed notebook is saved only with
--output PATH.
"""
import argparse
import json
import os
import sys
import tempfile
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    ap.add_argument("--output", help="also write the executed notebook here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="depthbias-kernel-") as tmp:
        spec_dir = os.path.join(tmp, "kernels", "depthbias-python3")
        os.makedirs(spec_dir)
        with open(os.path.join(spec_dir, "kernel.json"), "w") as f:
            json.dump({"argv": ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                       "display_name": "Python 3 (/usr/bin/python3)", "language": "python"}, f)
        # The kernel runs in the notebook's folder: relative PYTHONPATH entries would point elsewhere there.
        os.environ["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in
                                                   os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)
        os.environ["JUPYTER_PATH"] = tmp + os.pathsep + os.environ.get("JUPYTER_PATH", "")
        os.environ.setdefault("JUPYTER_RUNTIME_DIR", os.path.join(tmp, "runtime"))
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        nb = nbformat.read(args.notebook, as_version=4)
        client = NotebookClient(nb, timeout=args.timeout, kernel_name="depthbias-python3",
                                resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.notebook))}})
        t0 = time.time()
        try:
            client.execute()
        except CellExecutionError as e:
            print(f"{args.notebook}: a cell failed:\n{e}", file=sys.stderr)
            return 1
        if args.output:
            nbformat.write(nb, args.output)
        cells = sum(c.cell_type == "code" for c in nb.cells)
        print(f"{args.notebook}: {cells} code cells ran in {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
