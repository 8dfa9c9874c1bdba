"""Sweeps from Python: started as a CLI subprocess, resumed by running again on the same directory, read back as a
table; bad input raises ConfigError with the CLI's message."""
import numpy as np
import pytest

import depthbias as db

SWEEP = """
[run]
name = "py sweep"
[task]
kind = "toy"
target = [2.0, 1.0]
[model]
kind = "diagonal_power"
init_scale = 1e-2
[dynamics]
lr = 0.02
max_steps = 3000
[sweep]
grid = { "model.depth" = [2, 3] }
seeds = 2
"""


def test_sweep_runs_resumes_and_reads_back(tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text(SWEEP)
    out = str(tmp_path / "out")
    table = db.sweep(str(cfg), out, workers=1)
    assert len(table["id"]) == 4
    assert set(np.asarray(table["status"]).tolist()) == {"done"}
    again = db.sweep(str(cfg), out, workers=1)  # resume: nothing left to run, same table
    assert list(np.asarray(again["final_loss"])) == list(np.asarray(table["final_loss"]))


def test_bad_sweep_is_a_config_error(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(SWEEP.replace('"model.depth"', '"model.depht"'))
    with pytest.raises(db.ConfigError) as e:
        db.sweep(str(cfg), str(tmp_path / "out"))
    assert "model.depht" in str(e.value)
