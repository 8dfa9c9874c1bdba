#!/usr/bin/env python3
"""Markdown tables for docs/DEEPNETS.md from deep-net experiment or sweep directories (issue 15).

  claims_table.py EXPERIMENT_DIR            per-run table (depth / width, effective depth, accuracies, NCC train
                                            accuracy of layers 1-4, top-layer and minimum train CDNV) + the checks
  claims_table.py --sweep SWEEP_DIR         the same per point of a `depthbias sweep` directory (points/*/summary.json)

Reads summary.json files only (the `final` block of a completed run); prints to stdout.
"""
import glob
import json
import os
import sys


def row(label, s):
    if s.get("status") != "completed":
        return f"| {label} | {s.get('status')} | | | | | |"
    f = s["final"]
    layers = f["layers"]
    L = len(layers)
    ed = f["effective_depth"]
    ncc = ", ".join(f"{l['ncc_train_acc']:.3f}" for l in layers[:4])
    cd = [l["cdnv_train"] for l in layers]
    imin = min(range(L), key=lambda i: cd[i])
    gaps = [abs(l["ncc_test_acc"] - f["network_test_acc"]) for l in layers]
    d = ed["first"] if isinstance(ed["first"], int) else None
    plateau = max(gaps[d - 1:]) if d else float("nan")
    return (f"| {label} | {ed['first']} / {ed['stays']} | {f['network_train_acc']:.4f} | {f['network_test_acc']:.4f} "
            f"| {ncc} | {cd[-1]:.4f} (min {cd[imin]:.4f} at layer {imin + 1}) | {plateau:.4f} |")


HEADER = ("| run | d^ε (first / stays) | network train acc | network test acc | NCC train acc, layers 1-4 "
          "| top-layer train CDNV | max NCC-test gap from d^ε up |\n|---|---|---|---|---|---|---|")


def main(argv):
    if argv and argv[0] == "--sweep":
        print(HEADER)
        rows = []
        for p in sorted(glob.glob(os.path.join(argv[1], "points", "*", "summary.json"))):
            s = json.load(open(p))
            cfg = open(os.path.join(os.path.dirname(p), "config.resolved.toml")).read()
            key = {}
            for line in cfg.splitlines():
                for k in ("depth", "train_per_class", "width", "epochs"):
                    if line.startswith(k + " ="):
                        key[k] = line.split("=")[1].strip()
            rows.append((int(key.get("depth", 0)), int(key.get("train_per_class", 0)), key, s))
        for depth, n, key, s in sorted(rows, key=lambda r: (r[1], r[0])):
            print(row(f"L={depth}, {n}/class, H={key.get('width')}", s))
        return
    d = argv[0]
    if not os.path.exists(os.path.join(d, "experiment.json")):  # unfinished experiment: its finished runs
        print(HEADER)
        for p in sorted(glob.glob(os.path.join(d, "runs", "*", "summary.json"))):
            print(row(os.path.basename(os.path.dirname(p)), json.load(open(p))))
        return
    e = json.load(open(os.path.join(d, "experiment.json")))
    print(HEADER)
    for r in e["runs"]:
        print(row(r["label"], json.load(open(os.path.join(d, "runs", r["label"], "summary.json")))))
    print("\n| claim | check | verdict | detail |\n|---|---|---|---|")
    for c in e["checks"]:
        print(f"| {c.get('claim', '')} | {c['name']} | **{c['status']}** | {c['detail']} |")


if __name__ == "__main__":
    main(sys.argv[1:])
