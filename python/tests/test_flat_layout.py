"""layout="flat" (Python) and `depthbias run --flat` (CLI): an experiment of one run writes that run's five files
directly into `out` and no experiment.json (what a sweep point writes). Checked: the flat files equal the nested
run directory's (summary equal apart from its timing block, the CSVs byte for byte), the CLI's flat run equals the
Python one, the result object reads a flat directory like a nested one, resume works, and experiments that are
not one run are refused naming the option."""
import _thread
import json
import os
import subprocess
import threading

import numpy as np
import pytest

import depthbias as db
from helpers import LONG, read_json, strip_timing

RUN_FILES = {"config.resolved.toml", "manifest.json", "timeseries.csv", "events.csv", "summary.json"}

KEYS = {
    "run.name": "flat", "task.kind": "toy", "task.target": [12.0, 6.0, 4.0, 3.0],
    "model.kind": "diagonal_product", "model.depth": 3, "model.init_scale": 1e-2,
    "dynamics.kind": "gd", "dynamics.lr": 1e-3, "dynamics.loss_threshold": 1e-6, "dynamics.max_steps": 1000000,
    "observe.schedule": "log",
}


def toml_of(keys: dict) -> str:
    return db.runs._keys_toml(keys)


def test_flat_files_equal_the_nested_run_directory(tmp_path):
    nested = db.run(keys=KEYS, out=str(tmp_path / "nested"))
    flat = db.run(keys=KEYS, out=str(tmp_path / "flat"), layout="flat")
    assert set(os.listdir(tmp_path / "flat")) == RUN_FILES, "a flat run writes its five files and nothing else"
    assert set(os.listdir(tmp_path / "nested")) == {"experiment.json", "flat"}
    run_dir = tmp_path / "nested" / "flat"
    assert set(os.listdir(run_dir)) == RUN_FILES
    for name in ("config.resolved.toml", "timeseries.csv", "events.csv"):
        assert (tmp_path / "flat" / name).read_bytes() == (run_dir / name).read_bytes(), name
    assert strip_timing(read_json(tmp_path / "flat" / "summary.json")) == strip_timing(read_json(run_dir / "summary.json"))
    m_flat, m_nested = read_json(tmp_path / "flat" / "manifest.json"), read_json(run_dir / "manifest.json")
    assert m_flat["seed"] == m_nested["seed"] and m_flat["libraries"] == m_nested["libraries"]
    # The result object reads the flat directory as it reads a nested one.
    assert flat.directory == str(tmp_path / "flat") and flat.runs[0].directory == str(tmp_path / "flat")
    assert nested.runs[0].directory == str(run_dir)
    assert [r.label for r in flat.runs] == [r.label for r in nested.runs] and flat.checks == [] and flat.name == nested.name
    assert strip_timing(flat.runs[0].summary.to_dict()) == strip_timing(nested.runs[0].summary.to_dict())
    assert sorted(flat.runs[0].records) == sorted(nested.runs[0].records) == ["events", "timeseries"]
    a, b = flat.runs[0].observer_arrays(), nested.runs[0].observer_arrays()
    assert a.keys() == b.keys()
    for obs in a:
        assert a[obs].keys() == b[obs].keys(), obs
        for col in a[obs]:
            np.testing.assert_array_equal(a[obs][col], b[obs][col], err_msg=f"{obs}.{col}")
    assert np.asarray(flat.runs[0].timeseries["loss"]).size > 10


def test_cli_flat_run_equals_the_python_flat_run(tmp_path, cli):
    cfg = tmp_path / "run.toml"
    cfg.write_text(toml_of(KEYS))
    r = subprocess.run([cli, "run", str(cfg), "--flat", "--no-figures", "--out", str(tmp_path / "cli")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    db.run(config=str(cfg), out=str(tmp_path / "py"), layout="flat")
    assert set(os.listdir(tmp_path / "cli")) == set(os.listdir(tmp_path / "py")) == RUN_FILES
    for name in ("config.resolved.toml", "timeseries.csv", "events.csv"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "py" / name).read_bytes(), name
    assert strip_timing(read_json(tmp_path / "cli" / "summary.json")) == strip_timing(read_json(tmp_path / "py" / "summary.json"))
    # A finished flat run is not overwritten without --force; --resume of the same config reports it.
    again = subprocess.run([cli, "run", str(cfg), "--flat", "--no-figures", "--out", str(tmp_path / "cli")],
                           capture_output=True, text=True)
    assert again.returncode == 2 and "--force" in again.stderr + again.stdout, again.stdout + again.stderr
    res = subprocess.run([cli, "run", str(cfg), "--flat", "--resume", "--out", str(tmp_path / "cli")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert not (tmp_path / "cli" / "experiment.json").exists()
    # The two layouts are not mixed up by --resume.
    mixed = subprocess.run([cli, "run", str(cfg), "--resume", "--out", str(tmp_path / "cli")],
                           capture_output=True, text=True)
    assert mixed.returncode == 2 and "--flat" in mixed.stderr, mixed.stdout + mixed.stderr


@pytest.mark.parametrize("source", [dict(preset="toy"), dict(preset="fig1a")])
def test_experiments_of_several_runs_are_refused_naming_layout(tmp_path, source):
    out = tmp_path / "out"
    with pytest.raises(db.ConfigError) as e:
        db.run(**source, out=str(out), layout="flat")
    assert e.value.key == "layout", str(e.value)
    assert "flat layout" in str(e.value) and "default layout" in str(e.value)
    assert not out.exists() or not any(out.iterdir()), "nothing is written before the error"


def test_checks_and_bad_layout_values_are_refused(tmp_path):
    checked = tmp_path / "checked.toml"
    checked.write_text(toml_of(KEYS) + '[[check]]\nname = "converges"\nmetric = "value"\n'
                       'field = "final.loss"\ncompare = "<"\nthreshold = 1e-3\n')
    analysed = tmp_path / "analysed.toml"  # one run, but its experiment.figure analyses it into experiment.json
    analysed.write_text('[experiment]\nfigure = "toy_theory"\n' + toml_of(KEYS))
    for cfg, what in ((checked, "[[check]]"), (analysed, "toy_theory")):
        assert db.run(config=str(cfg)).runs, cfg  # a valid experiment in the default layout
        with pytest.raises(db.ConfigError) as e:
            db.run(config=str(cfg), layout="flat")
        assert e.value.key == "layout" and what in str(e.value), str(e.value)
    with pytest.raises(db.ConfigError) as e:
        db.run(keys=KEYS, layout="flattened")
    assert e.value.key == "layout"


def test_flat_run_without_out_reads_its_tables_and_removes_the_directory(monkeypatch, tmp_path):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    exp = db.run(keys=KEYS, layout="flat")
    assert exp.directory is None and exp.runs[0].directory is None
    assert np.asarray(exp.runs[0].events["time"]).size > 0
    assert list(tmp_path.iterdir()) == []


def test_interrupted_flat_run_resumes_to_the_uninterrupted_result(tmp_path):
    out = str(tmp_path / "out")
    whole = db.run(keys=LONG, layout="flat")
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        db.run(keys=LONG, out=out, layout="flat")
    timer.cancel()
    assert not (tmp_path / "out" / "summary.json").exists(), "an interrupted run must not look finished"
    assert (tmp_path / "out" / "checkpoint.cbor").exists()
    resumed = db.run(keys=LONG, out=out, layout="flat", resume=True)
    assert resumed.runs[0].summary.timing.get("resumes") == 1
    assert strip_timing(resumed.runs[0].summary.to_dict()) == strip_timing(whole.runs[0].summary.to_dict())
    assert not (tmp_path / "out" / "experiment.json").exists()
    # Resuming the finished run returns it as it is; another config there is an error naming --resume.
    again = db.run(keys=LONG, out=out, layout="flat", resume=True)
    assert again.runs[0].summary.to_dict() == resumed.runs[0].summary.to_dict()
    with pytest.raises(db.ConfigError) as e:
        db.run(keys={**LONG, "model.depth": 2}, out=out, layout="flat", resume=True)
    assert e.value.key == "resume", str(e.value)


def test_resuming_never_mixes_the_layouts(tmp_path):
    """resume=True over the other layout's directory is refused (naming layout / resume) and leaves it untouched."""
    nested, flat = str(tmp_path / "nested"), str(tmp_path / "flat")
    db.run(keys=KEYS, out=nested)
    db.run(keys=KEYS, out=flat, layout="flat")
    before = {d: sorted(os.listdir(d)) for d in (nested, flat)}
    stored = read_json(os.path.join(nested, "experiment.json"))
    with pytest.raises(db.ConfigError) as e:
        db.run(keys=KEYS, out=nested, layout="flat", resume=True)
    assert e.value.key == "layout", str(e.value)
    with pytest.raises(db.ConfigError) as e:
        db.run(keys=KEYS, out=flat, resume=True)
    assert e.value.key == "resume", str(e.value)
    assert {d: sorted(os.listdir(d)) for d in (nested, flat)} == before
    assert read_json(os.path.join(nested, "experiment.json")) == stored


def test_the_stub_of_run_experiment_names_the_modules_arguments():
    """_depthbias.pyi (editor completion) lists the compiled run_experiment's arguments, flat included."""
    import ast
    import re
    signature = db._depthbias.run_experiment.__doc__.splitlines()[0]
    names = re.findall(r"(\w+):", signature.split("(", 1)[1].rsplit(")", 1)[0])
    with open(os.path.join(os.path.dirname(db.__file__), "_depthbias.pyi")) as f:
        stub = ast.parse(f.read())
    fn = next(n for n in stub.body if isinstance(n, ast.FunctionDef) and n.name == "run_experiment")
    assert [a.arg for a in fn.args.args] == names and "flat" in names
