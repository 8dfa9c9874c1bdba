#!/usr/bin/python3
"""PyTorch peer of `depthbias deepnets bench` (P6): one epoch of MLP-L-H (galanti.md section 2) on
Fashion-MNIST with the same data, optimizer and batch size, then the same timing fields as JSON.

Run with Debian's interpreter (/usr/bin/python3, python3-torch). Data is read from the same gzip IDX files,
padded to 32x32 and normalised with the MNIST statistics, held in one tensor; batches are index_select of a
random permutation (no DataLoader, so the peer is not slowed by Python-side loading)."""
import argparse, gzip, json, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import os as _os, sys as _sys
_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "peers"))
import blas_check  # bench/peers/: which BLAS, threads; exits 3 on the reference BLAS


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(dirname, split):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(f"{dirname}/{prefix}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    y = read_idx(f"{dirname}/{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
    x = np.pad(x, ((0, 0), (2, 2), (2, 2)))
    x = (x - 0.1307) / 0.3081
    return torch.from_numpy(x.reshape(-1, 1, 32, 32).copy()), torch.from_numpy(y.copy())


class MLP(nn.Module):
    def __init__(self, depth, width, d_in=1024, classes=10):
        super().__init__()
        self.fcs = nn.ModuleList()
        self.bns = nn.ModuleList()
        d = d_in
        for _ in range(depth):
            self.fcs.append(nn.Linear(d, width))
            self.bns.append(nn.BatchNorm1d(width))
            d = width
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = x.flatten(1)
        embs = []
        for fc, bn in zip(self.fcs, self.bns):
            x = fc(x)
            embs.append(x)
            x = F.relu(bn(x))
        return self.head(x), embs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--per-class", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    blas_check.require_optimized("torch peer (P6)")
    torch.manual_seed(0)
    x, y = load(args.data, "train")
    if args.per_class:
        idx = np.concatenate([np.nonzero(y.numpy() == c)[0][: args.per_class] for c in range(10)])
        x, y = x[idx].contiguous(), y[idx].contiguous()
    model = MLP(args.depth, args.width)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    n = x.shape[0]
    times = []
    for epoch in range(args.epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        loss_sum = 0.0
        for start in range(0, n, args.batch):
            idx = perm[start: start + args.batch]
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            logits, _ = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "samples": n, "epoch_seconds": times, "best_epoch_seconds": min(times),
                      "last_loss": loss_sum / ((n + args.batch - 1) // args.batch)}))


if __name__ == "__main__":
    main()
