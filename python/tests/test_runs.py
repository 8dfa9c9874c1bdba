"""depthbias.run(): the same results as the CLI (bitwise on summary.json, timing aside), errors that name the key,
temporary directories removed, progress reported, and a clean stop on KeyboardInterrupt that resume continues."""
import _thread
import json
import os
import subprocess
import threading

import numpy as np
import pytest

import depthbias as db
from helpers import LONG, strip_timing


def test_preset_results_equal_the_cli_bitwise(tmp_path, cli):
    exp = db.run(preset="toy", out=str(tmp_path / "py"))
    r = subprocess.run([cli, "reproduce", "toy", "--no-figures", "--out", str(tmp_path / "cli")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert exp.checks and exp.passed, exp.checks
    for run in exp.runs:
        d = os.path.basename(run.directory)
        with open(tmp_path / "cli" / d / "summary.json") as f:
            cli_summary = json.load(f)
        assert strip_timing(run.summary.to_dict()) == strip_timing(cli_summary)
        for name in ("timeseries.csv", "events.csv"):
            assert (tmp_path / "py" / d / name).read_bytes() == (tmp_path / "cli" / d / name).read_bytes()
    with open(tmp_path / "cli" / "experiment.json") as f:
        cli_exp = json.load(f)
    assert [c["status"] for c in cli_exp["checks"]] == [c.status for c in exp.checks]


def test_keys_dict_runs_and_tables_are_typed():
    exp = db.run(keys={"task": {"kind": "toy", "target": [2.0, 1.0]}, "model.kind": "diagonal_power",
                       "model.depth": 3, "model.init_scale": 1e-2, "dynamics.lr": 0.02, "dynamics.max_steps": 2000})
    assert exp.directory is None and exp.runs[0].directory is None
    s = exp.runs[0].summary
    assert s.status in ("converged", "budget_exhausted") and s.steps > 0 and s.final is not None
    ts = exp.runs[0].timeseries
    loss = np.asarray(ts["loss"])
    assert loss.ndim == 1 and loss.size > 10 and loss[-1] < loss[0]
    assert np.all(np.diff(np.asarray(ts["step"])) > 0)


def test_temporary_directory_is_removed(monkeypatch, tmp_path):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    db.run(keys={"task.kind": "toy", "task.target": [1.0], "model.kind": "diagonal_power", "dynamics.max_steps": 50})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("keys,key", [
    ({"task.kind": "toy", "model.depht": 3}, "model.depht"),
    ({"task.kind": "toy", "task.target": [1.0], "model.kind": "diagonal_power", "dynamics.lr": -1.0}, "dynamics.lr"),
    ({"task.kind": "no_such_task"}, "task.kind"),
    ({"task.kind": "toy", "task.target": [1.0], "model.kind": "diagonal_power", "observe.top_k": 100000},
     "observe.top_k"),
    ({"task.kind": "toy", "task.target": [1.0], "model.kind": "diagonal_power", "dynamics.lr": float("nan")},
     "dynamics.lr"),
])
def test_bad_keys_raise_config_error_naming_the_key(keys, key):
    with pytest.raises(db.ConfigError) as e:
        db.run(keys=keys)
    assert isinstance(e.value, ValueError)
    assert e.value.key == key, str(e.value)
    assert key in str(e.value)


def test_bad_sources_are_config_errors(tmp_path):
    with pytest.raises(db.ConfigError):
        db.run(preset="no-such-preset")
    with pytest.raises(db.ConfigError):
        db.run()
    with pytest.raises(db.ConfigError):
        db.run(preset="toy", keys={"task.kind": "toy"})
    with pytest.raises(db.ConfigError):
        db.run(config=str(tmp_path / "missing.toml"))
    with pytest.raises(db.ConfigError):
        db.run(preset="toy", resume=True)


def test_progress_callback_sees_the_runs():
    calls = []
    db.run(keys=LONG, set={"dynamics.max_steps": 20000}, progress=lambda *a: calls.append(a))
    assert calls, "the progress callback was never called"
    done, total, step, t, loss = calls[-1]
    assert (done, total) == (1, 1) and step == 20000 and loss > 0


def test_keyboard_interrupt_stops_cleanly_and_resume_finishes_identically(tmp_path):
    out = str(tmp_path / "out")
    whole = db.run(keys=LONG)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        db.run(keys=LONG, out=out)
    timer.cancel()
    run_dir = tmp_path / "out" / "long"
    assert not (run_dir / "summary.json").exists(), "an interrupted run must not look finished"
    assert not (tmp_path / "out" / "experiment.json").exists()
    assert (run_dir / "checkpoint.cbor").exists()
    resumed = db.run(keys=LONG, out=out, resume=True)
    assert resumed.runs[0].summary.timing.get("resumes") == 1
    assert strip_timing(resumed.runs[0].summary.to_dict()) == strip_timing(whole.runs[0].summary.to_dict())


def test_the_gil_is_released_while_running():
    ticks = 0
    done = threading.Event()

    def work():
        db.run(keys=LONG, set={"dynamics.max_steps": 20000})
        done.set()

    t = threading.Thread(target=work)
    t.start()
    while not done.is_set():
        ticks += 1
    t.join()
    assert ticks > 10000, f"the main thread advanced only {ticks} times while the run went on"


def test_presets_and_keys_help():
    assert "fig1a" in db.preset_names() and "toy" in db.preset_names()
    assert "[task]" in db.preset_toml("fig1a")
    assert "model.depth" in db.describe_keys()


def test_classification_on_your_own_data_with_its_references():
    rng = np.random.default_rng(5)
    n, d = 12, 4
    X = rng.standard_normal((n, d))
    y = np.sign(X @ np.array([1.0, -0.5, 0.0, 0.25]))
    Xt = y[:, None] * X  # rows y_i x_i, as task.signed_inputs takes them (flattened)
    exp = db.run(keys={"task.kind": "classification", "task.d": d, "task.signed_inputs": Xt.ravel(),
                       "task.test_samples": 0, "model.kind": "diagonal", "model.depth": 2, "model.init_scale": 1e-2,
                       "dynamics.lr": 0.05, "dynamics.max_steps": 3000, "dynamics.loss_threshold": 0,
                       "analysis.references": "l1_max_margin,l2_max_margin"})
    s = exp.runs[0].summary
    assert s.status == "budget_exhausted" and s.final is not None
    # The run's tracked references are the same programs on the same data as the Python functions.
    w2 = db.references.l2_max_margin(Xt)
    np.testing.assert_allclose(s.raw["references"]["l2_max_margin"], w2, rtol=1e-9, atol=1e-12)
    assert "dist_l1_max_margin" in s.final and "dist_l2_max_margin" in s.final


def test_strings_and_numpy_scalars_reach_the_engine_unchanged():
    name = 'a "quoted"\tname\\with\nnewline'
    exp = db.run(keys={"run.name": name, "task.kind": "toy", "task.target": np.array([2.0, 1.0]),
                       "model.kind": "diagonal_power", "model.depth": np.int64(3),
                       "model.init_scale": np.float64(1e-2), "dynamics.max_steps": 20})
    assert exp.runs[0].summary.name == name
    assert exp.runs[0].summary.depth == 3


@pytest.mark.parametrize("option,value", [("max_wall_seconds", float("inf")), ("max_wall_seconds", -1.0),
                                          ("checkpoint_seconds", float("nan")), ("checkpoint_seconds", -1.0)])
def test_bad_run_options_name_the_option(option, value):
    with pytest.raises(db.ConfigError) as e:
        db.run(keys={"task.kind": "toy", "task.target": [1.0], "model.kind": "diagonal_power",
                     "dynamics.max_steps": 10}, **{option: value})
    assert e.value.key == "--" + option.replace("_", "-"), str(e.value)
