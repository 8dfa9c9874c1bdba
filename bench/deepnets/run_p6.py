#!/usr/bin/python3
"""P6 benchmark runner (docs/DEEPNETS.md): epoch time of MLP-8-256 on the full Fashion-MNIST training set
(60k images, batch 128, SGD momentum 0.9, weight decay 5e-4), depthbias (LibTorch C++) against the same model
in PyTorch (Debian's python3-torch, bench/deepnets/peer_torch.py), both on the same number of threads, in one
run so that the ratios are taken side by side on this noisy machine. Also the metric pass (all per-layer
metrics of one measurement: two passes over the training set, two over the test set) against one epoch.

Usage: /usr/bin/python3 bench/deepnets/run_p6.py [--binary build-torch/depthbias] [--threads 1]
                                                 [--out bench/results/deepnets.txt]
"""
import argparse, json, os, platform, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run_json(cmd, env):
    t0 = time.time()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    line = [l for l in out.splitlines() if l.startswith("{")][-1]
    r = json.loads(line)
    r["wall_total"] = time.time() - t0
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "build-torch", "depthbias"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--epochs-fast", type=int, default=3, help="epochs timed for the Eigen-GEMM build (best of)")
    ap.add_argument("--epochs-slow", type=int, default=1, help="epochs timed for the reference-BLAS runs")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "deepnets.txt"))
    a = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), OMP_WAIT_POLICY="PASSIVE")
    # Which BLAS each side uses, and no peer on the reference BLAS (issue 10; bench/peers/blas_check.py).
    plugin = subprocess.run([a.binary, "deepnets", "plugin"], capture_output=True, text=True, env=env)
    ours_blas = [l for l in plugin.stdout.splitlines() if l.startswith("BLAS: ")]
    if plugin.returncode != 0 or not ours_blas:
        sys.exit(f"{a.binary} deepnets plugin failed:\n{plugin.stdout}{plugin.stderr}")
    blas_lines = ["# BLAS depthbias: " + ours_blas[0][len("BLAS: "):]]
    check = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "peers", "blas_check.py"), "--torch",
                            "--label", "PyTorch peer"], capture_output=True, text=True, env=env)
    blas_lines += check.stdout.splitlines()
    sys.stderr.write("\n".join(blas_lines) + "\n")
    if check.returncode != 0:
        sys.exit(check.returncode)
    common = ["--set", "data.train_per_class=0", "--set", "data.test_per_class=0", "--set", f"model.depth={a.depth}",
              "--set", f"model.width={a.width}", "--set", "train.batch_size=128", "--set", "train.lr=0.1",
              "--set", f"run.threads={a.threads}"]
    ours = lambda gemm, epochs: [a.binary, "deepnets", "bench", *common, "--set", f"run.gemm={gemm}",
                                 "--epochs", str(epochs)]
    peer = ["/usr/bin/python3", os.path.join(HERE, "peer_torch.py"), "--depth", str(a.depth), "--width",
            str(a.width), "--threads", str(a.threads), "--epochs"]
    results = {}
    # Interleaved: eigen, peer, torch-gemm, eigen again (the best epoch of each implementation counts).
    results["eigen"] = run_json(ours("eigen", a.epochs_fast), env)
    results["peer"] = run_json(peer + [str(a.epochs_slow)], env)
    results["torchgemm"] = run_json(ours("torch", a.epochs_slow), env)
    again = run_json(ours("eigen", a.epochs_fast), env)
    if again["best_epoch_seconds"] < results["eigen"]["best_epoch_seconds"]:
        results["eigen"] = again
    e, p, t = (results[k]["best_epoch_seconds"] for k in ("eigen", "peer", "torchgemm"))
    m = results["eigen"]
    lines = [
        f"P6: MLP-{a.depth}-{a.width} on Fashion-MNIST (60000 images, batch 128, SGD momentum 0.9, wd 5e-4), "
        f"{a.threads} thread(s), {time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}",
        f"  PyTorch peer (python3-torch {results['peer']['torch']}): best epoch {p:8.2f} s",
        f"  depthbias, run.gemm=torch (LibTorch Linear):   best epoch {t:8.2f} s   ratio to PyTorch {t / p:6.3f}",
        f"  depthbias, run.gemm=eigen (default):           best epoch {e:8.2f} s   ratio to PyTorch {e / p:6.3f}"
        f"   ({p / e:.1f}x faster)",
        f"  metric pass (all {a.depth} layers; forward passes over train / test: "
        f"{m.get('metric_forward_passes', {}).get('train', 2)} / {m.get('metric_forward_passes', {}).get('test', 2)}):"
        f" {m['metric_seconds']:.2f} s"
        f" = {m['metric_seconds'] / e:.3f} epoch; of which forward passes {m['metric_forward_seconds']:.2f} s,"
        f" metric arithmetic {m['metric_math_seconds']:.2f} s = {m['metric_math_seconds'] / e:.3f} epoch",
        f"  metric pass per layer: {m['metric_seconds'] / a.depth / e:.3f} epoch; measured every 10 epochs (paper):"
        f" {m['metric_seconds'] / 10 / e:.3f} of the training time",
        f"  targets: epoch no slower than PyTorch -> {'met' if e <= p else 'NOT met'} ({e / p:.3f});"
        f" metric pass < 0.40 epoch (issue 15) -> {'met' if m['metric_seconds'] / e < 0.40 else 'NOT met'}"
        f" ({m['metric_seconds'] / e:.3f}; arithmetic alone {m['metric_math_seconds'] / e:.3f})",
        *("  " + l for l in blas_lines),
        "  raw: " + json.dumps({k: {kk: v[kk] for kk in ("epoch_seconds", "best_epoch_seconds")} for k, v in results.items()}),
    ]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
