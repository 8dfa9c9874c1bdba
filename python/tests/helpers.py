"""Shared by the pytest files (importable because pytest puts this directory on sys.path in its default import mode):
a run long enough to interrupt or checkpoint, and summary comparison without the timing block."""
import json

LONG = {  # about 1 s of GD (depth-3 sensing at small init), checkpointable
    "run.name": "long", "task.kind": "sensing", "task.d": 20, "task.measurements": 200,
    "task.target": [3.0, 2.0, 1.0], "model.kind": "deep_matrix", "model.depth": 3, "model.init_scale": 1e-3,
    "dynamics.lr": 0.01, "dynamics.loss_threshold": 1e-12, "dynamics.max_steps": 40000,
}


def strip_timing(summary: dict) -> dict:
    """The summary without its timing block (the one part that differs between equal runs)."""
    s = dict(summary)
    s.pop("timing", None)
    return s


def read_json(path) -> dict:
    with open(path) as f:
        return json.load(f)
