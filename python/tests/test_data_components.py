"""Tasks on your own numpy data (task.data_file), components by name with keyword parameters, and observers'
records as arrays: results equal the CLI's on the same data bit for bit, arrays reach the engine exactly, and
every bad input raises naming the array or the config key."""
import glob
import json
import os
import subprocess
import tomllib

import numpy as np
import pytest

import depthbias as db
from helpers import strip_timing


def regression_data(n=12, d=30, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    beta = np.zeros(d)
    beta[[3, 7, 19]] = [1.0, -0.7, 0.4]
    return X, X @ beta + 0.01 * rng.standard_normal(n)


def data_tasks():
    rng = np.random.default_rng(7)
    X, y = regression_data()
    A = rng.standard_normal((40, 4, 4))
    W = np.diag([2.0, 1.0, 0.0, 0.0])
    Xc = rng.standard_normal((20, 6))
    labels = np.sign(Xc @ np.array([1.0, -1.0, 0.5, 0, 0, 0]))
    labels[labels == 0] = 1
    U = rng.standard_normal((5, 1))
    M = U @ U.T
    idx = rng.choice(25, size=15, replace=False)
    rows, cols = idx % 5, idx // 5
    return {
        "regression": (db.task("regression", X=X, y=y), db.model("diagonal_power", depth=2, init_scale=0.1),
                       db.dynamics("gd", lr=0.01, max_steps=300)),
        "sensing": (db.task("sensing", A=A, y=np.einsum("mij,ij->m", A, W)), db.model("deep_matrix", depth=2, init_scale=0.1),
                    db.dynamics("gd", lr=0.005, max_steps=300)),
        "classification": (db.task("classification", X=Xc, labels=labels, loss="logistic"),
                           db.model("diagonal_power", depth=2, init_scale=0.1), db.dynamics("gd", lr=0.05, max_steps=300)),
        "completion": (db.task("completion", rows=rows, cols=cols, values=M[rows, cols], shape=(5, 5)),
                       db.model("deep_matrix", depth=2, init_scale=0.1), db.dynamics("gd", lr=0.05, max_steps=300)),
    }


@pytest.mark.parametrize("kind", ["regression", "sensing", "classification", "completion"])
def test_data_task_equals_the_cli_bitwise(kind, tmp_path, cli):
    task, model, dyn = data_tasks()[kind]
    exp = db.run(task=task, model=model, dynamics=dyn, name=kind, out=str(tmp_path / "py"))
    run = exp.runs[0]
    assert run.summary.status in ("converged", "budget_exhausted"), run.summary
    assert run.summary.steps > 0
    # The run directory reproduces the run with the command line: its resolved config names the data file.
    resolved = os.path.join(run.directory, "config.resolved.toml")
    with open(resolved, "rb") as f:
        assert tomllib.load(f)["task"]["data_file"] == str(tmp_path / "py" / "data" / "task.csv")
    r = subprocess.run([cli, "run", resolved, "--no-figures", "--out", str(tmp_path / "cli")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    (cli_summary_path,) = glob.glob(str(tmp_path / "cli" / "**" / "summary.json"), recursive=True)
    cli_dir = os.path.dirname(cli_summary_path)
    with open(cli_summary_path) as f:
        assert strip_timing(run.summary.to_dict()) == strip_timing(json.load(f))
    for name in ("timeseries.csv", "events.csv"):
        assert open(os.path.join(run.directory, name), "rb").read() == open(os.path.join(cli_dir, name), "rb").read()


def test_arrays_reach_the_engine_exactly(tmp_path):
    X, y = regression_data()
    X[0, 0] = 0.1 + 0.2  # a double whose shortest repr has 17 digits
    path = db.write_data_file(str(tmp_path / "d.csv"), "regression", X=X, y=y)
    back = np.loadtxt(path, delimiter=",", skiprows=1)
    assert np.array_equal(back[:, :-1], X) and np.array_equal(back[:, -1], y)
    # The engine's references on the file's data equal the in-memory solvers on the arrays: the same numbers.
    exp = db.run(task=db.task("regression", X=X, y=y), model="diagonal_power",
                 model_params=dict(depth=2, init_scale=0.1), dynamics="gd", dynamics_params=dict(lr=0.01, max_steps=50),
                 analysis={"references": "basis_pursuit,min_l2"})
    refs = exp.runs[0].references
    np.testing.assert_array_equal(refs["min_l2"], db.references.min_l2_interpolation(X, y)[:16])
    np.testing.assert_allclose(refs["basis_pursuit"], db.references.basis_pursuit(X, y)[:16], rtol=0, atol=1e-12)
    # No planted target on user data: the errors against one are NaN, not numbers against zero.
    final = exp.runs[0].summary.final
    assert final["reconstruction_error"] is None and final["test_error"] is None  # (NaN is null in summary.json)


def test_user_data_is_not_modified():
    X, y = regression_data()
    X32 = X.astype(np.float32)
    before = X32.copy()
    db.run(task=db.task("regression", X=X32, y=y), model="diagonal_power", dynamics="gd",
           dynamics_params=dict(lr=0.01, max_steps=20))
    assert X32.dtype == np.float32 and np.array_equal(X32, before)


@pytest.mark.parametrize("arrays,needle", [
    (dict(X=np.array([[1.0, np.nan], [0.0, 1.0]]), y=np.ones(2)), "array 'X': entry (0, 1) is nan"),
    (dict(X=np.ones((2, 2)), y=np.array([1.0, np.inf])), "array 'y': entry 1 is inf"),
    (dict(X=np.array([["a", "b"]]), y=np.ones(1)), "array 'X': dtype"),
    (dict(X=np.ones(3), y=np.ones(3)), "array 'X': has 1 dimensions"),
    (dict(X=np.ones((3, 2)), y=np.ones(4)), "array 'y': has 4 entries but 'X' has 3 rows"),
    (dict(X=np.ones((3, 2))), "missing: y"),
    (dict(X=np.ones((0, 2)), y=np.ones(0)), "array 'X': is empty"),
])
def test_bad_regression_arrays_name_the_array(arrays, needle):
    with pytest.raises(ValueError, match=None) as e:
        db.task("regression", **arrays)
    assert needle in str(e.value)


def test_bad_data_of_other_tasks_name_the_array():
    with pytest.raises(ValueError, match="array 'labels': entry 1 is 0.0"):
        db.task("classification", X=np.ones((3, 2)), labels=np.array([1, 0, -1]))
    with pytest.raises(ValueError, match="array 'A': measurement matrices must be square"):
        db.task("sensing", A=np.ones((3, 2, 3)), y=np.ones(3))
    with pytest.raises(ValueError, match="12 is not a square"):
        db.task("sensing", A=np.ones((3, 12)), y=np.ones(3))
    with pytest.raises(ValueError, match="observed twice"):
        db.task("completion", rows=[0, 0], cols=[1, 1], values=[1.0, 2.0], shape=(3, 3))
    with pytest.raises(ValueError, match="array 'cols': entry 0 is 3.0, not an integer index"):
        db.task("completion", rows=[0], cols=[3], values=[1.0], shape=(3, 3))
    with pytest.raises(ValueError, match="needs shape"):
        db.task("completion", rows=[0], cols=[1], values=[1.0])
    with pytest.raises(db.ConfigError) as e:
        db.task("toy", X=np.ones((2, 2)), y=np.ones(2))
    assert e.value.key == "task.data_file"
    with pytest.raises(db.ConfigError) as e:
        db.task("regression", X=np.ones((2, 3)), y=np.ones(2), d=4)
    assert e.value.key == "task.d"


def write(path, text):
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("content,key,needle", [
    ("x0,x1,y\n1,2,3\n1,abc,3\n", "task.data_file", "line 3, column 'x1': 'abc' is not a number"),
    ("x0,x1,y\n1,2,3\n1,nan,3\n", "task.data_file", "line 3, column 'x1': nan is not finite"),
    ("x0,x1,y\n1,2,3\n1,2\n", "task.data_file", "line 3 has 2 values, the header 3 columns"),
    ("x0,x1,z\n1,2,3\n1,2,3\n", "task.data_file", "the last column must be 'y'"),
    ("x0,x1,x2,y\n1,2,3,4\n1,2,3,4\n", "task.d", "has 3"),
    ("x0,x1,y\n1,2,3\n", "task.measurements", "has 1 data lines"),
    ("x0,x1,y\n", "task.data_file", "no data lines"),
])
def test_bad_data_files_name_the_key_and_the_place(tmp_path, content, key, needle):
    f = write(tmp_path / "bad.csv", content)
    with pytest.raises(db.ConfigError) as e:
        db.run(keys={"task.kind": "regression", "task.d": 2, "task.measurements": 2, "task.data_file": f,
                     "model.kind": "diagonal_power", "dynamics.max_steps": 10})
    assert e.value.key == key, str(e.value)
    assert needle in str(e.value) and (key != "task.data_file" or "bad.csv" in str(e.value))


def test_data_file_errors_from_the_cli(tmp_path, cli):
    f = write(tmp_path / "bad.csv", "row,col,value\n0,0,1\n0,0,2\n")
    cfg = write(tmp_path / "c.toml", f'[task]\nkind = "completion"\nd = 3\nmeasurements = 2\ndata_file = "{f}"\n'
                                     '[model]\nkind = "deep_matrix"\n[dynamics]\nmax_steps = 10\n')
    r = subprocess.run([cli, "run", cfg, "--no-figures", "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert r.returncode == 2
    assert "task.data_file" in r.stderr and "observed twice" in r.stderr and "bad.csv" in r.stderr
    missing = write(tmp_path / "m.toml", '[task]\nkind = "regression"\ndata_file = "/nonexistent/x.csv"\n'
                                         '[model]\nkind = "diagonal_power"\n')
    r = subprocess.run([cli, "run", missing, "--no-figures", "--out", str(tmp_path / "o2")], capture_output=True, text=True)
    assert r.returncode == 2 and "task.data_file" in r.stderr and "/nonexistent/x.csv" in r.stderr


def test_data_file_is_rejected_by_tasks_that_do_not_read_it(tmp_path):
    with pytest.raises(db.ConfigError) as e:
        db.run(keys={"task.kind": "toy", "task.data_file": "x.csv", "model.kind": "diagonal_power"})
    assert e.value.key == "task.data_file" and "is not read by" in str(e.value)


def test_components_come_from_the_registries():
    reg = db.components()
    assert set(reg) >= {"task", "model", "dynamics", "observer", "reference", "extension_keys"}
    tasks = {name: uses for name, _, uses in reg["task"]}
    for kind in ("regression", "sensing", "classification", "completion"):
        assert "task.data_file" in tasks[kind]
    assert db.names("model") == [e[0] for e in reg["model"]] and "diagonal_power" in db.names("model")
    assert "gd" in db.names("dynamics")
    with pytest.raises(ValueError, match="no component kind"):
        db.names("widget")


def test_unknown_names_and_parameters_raise_naming_the_key():
    with pytest.raises(db.ConfigError) as e:
        db.model("no_such_model")
    assert e.value.key == "model.kind" and "diagonal_power" in str(e.value)
    with pytest.raises(db.ConfigError) as e:
        db.dynamics("sgd_typo")
    assert e.value.key == "dynamics.kind" and "gd" in str(e.value)
    with pytest.raises(db.ConfigError) as e:
        db.task("nope")
    assert e.value.key == "task.kind" and "regression" in str(e.value)
    with pytest.raises(db.ConfigError) as e:
        db.run(task=db.task("toy", target=[1.0]), model="diagonal_power", model_params=dict(dept=3))
    assert e.value.key == "model.dept" and "depth" in str(e.value)
    with pytest.raises(db.ConfigError) as e:  # a key the selected model does not read
        db.run(task="toy", model="diagonal_power", dynamics="momentum", dynamics_params=dict(momentum=2.0, lr=-1))
    assert e.value.key.startswith("dynamics.")
    with pytest.raises(db.ConfigError) as e:
        db.run(task="toy", keys={"task.kind": "toy"})
    assert e.value.key == "task.kind" and "twice" in str(e.value)
    with pytest.raises(db.ConfigError) as e:
        db.run(task=db.model("diagonal_power"))
    assert e.value.key == "task.kind"
    with pytest.raises(db.ConfigError) as e:
        db.run(preset="toy", model="diagonal_power")
    assert e.value.key == "config"


def test_components_by_name_equal_the_same_keys():
    a = db.run(task=db.task("toy", target=[2.0, 1.0]), model=db.model("diagonal_power", depth=3, init_scale=1e-2),
               dynamics=db.dynamics("gd", lr=0.02, max_steps=500), seed=3)
    b = db.run(keys={"task.kind": "toy", "task.target": [2.0, 1.0], "model.kind": "diagonal_power", "model.depth": 3,
                     "model.init_scale": 1e-2, "dynamics.kind": "gd", "dynamics.lr": 0.02, "dynamics.max_steps": 500,
                     "run.seed": 3})
    assert strip_timing(a.runs[0].summary.to_dict()) == strip_timing(b.runs[0].summary.to_dict())
    c = db.run(task="toy", task_params=dict(target=[2.0, 1.0]), model="diagonal_power",
               model_params=dict(depth=3, init_scale=1e-2), dynamics="gd", dynamics_params=dict(lr=0.02, max_steps=500),
               seed=3)
    assert strip_timing(a.runs[0].summary.to_dict()) == strip_timing(c.runs[0].summary.to_dict())


def test_every_observer_has_its_records_as_arrays():
    exp = db.run(task=db.task("toy", target=[2.0, 1.0, 0.5]), model=db.model("diagonal_power", depth=3, init_scale=1e-3),
                 dynamics=db.dynamics("gd", lr=0.05, max_steps=3000),
                 observe={"activation_threshold": 0.1, "sharpness_every": 20, "kernel_every": 100})
    run = exp.runs[0]
    arrays = run.observer_arrays()
    assert set(arrays) == set(db.names("observer"))  # a new observer must be given its arrays here
    elsewhere = {"function_space", "smoothing_path", "lambda_balanced_reference",
                 "singular_value_ode", "saxe_reference", "single_neuron_reference"}  # not on this run: below
    for name, cols in arrays.items():
        assert cols or name in elsewhere, name
        for col, a in cols.items():
            assert isinstance(a, np.ndarray), (name, col)
    rec = arrays["recorder"]
    assert rec["loss"].dtype == np.float64 and rec["loss"].size > 10 and rec["loss"][-1] < rec["loss"][0]
    assert arrays["learning_events"]["time"].size >= 3
    sharp = arrays["sharpness"]
    assert sharp["step"][0] == 0 and sharp["sharpness"].size >= 3 and np.all(np.isfinite(sharp["sharpness"]))
    kern = arrays["tangent_kernel"]
    assert kern["step"][0] == 0 and abs(kern["kernel_distance"][0]) < 1e-12 and kern["kernel_distance"][-1] > 1e-6
    assert kern["alignment_min"][-1] > 0.99  # the toy's diagonal predictor ends on its target's direction
    order = arrays["activation_order"]["order"]
    assert order.dtype == np.int64 and list(order) == [0, 1, 2]  # larger targets activate first
    assert np.all(np.diff(arrays["activation_order"]["times"]) > 0)
    assert set(run.records) >= {"timeseries", "events"}
    np.testing.assert_array_equal(run.arrays("timeseries")["loss"], rec["loss"])
    with pytest.raises(KeyError, match="wrote no nope.csv"):
        run.arrays("nope")


def test_an_unusable_out_is_an_error_naming_out(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(db.ConfigError) as e:
        db.run(task="toy", model="diagonal_power", out=str(f))
    assert e.value.key == "out" and "is not a directory" in str(e.value)


def test_observer_arrays_are_views_of_the_tables_not_copies():
    exp = db.run(task="toy", task_params=dict(target=[2.0, 1.0]), model="diagonal_power", dynamics="gd",
                 dynamics_params=dict(lr=0.02, max_steps=300))
    run = exp.runs[0]
    ts = run.timeseries
    if not hasattr(ts, "to_numpy"):
        pytest.skip("without pandas the tables are dicts of arrays already")
    loss = run.observer_arrays()["recorder"]["loss"]
    assert np.shares_memory(loss, ts["loss"].to_numpy())  # as docs/PYTHON.md says: no copy
    assert run.records["timeseries"] is ts  # parsed once, on first access


def test_public_functions_have_docstrings():
    import inspect
    missing = []
    for name in db.__all__:
        obj = getattr(db, name)
        if name.startswith("__") or isinstance(obj, str):
            continue
        if not (getattr(obj, "__doc__", None) or "").strip():
            missing.append(name)
        if inspect.isclass(obj) and obj.__module__.startswith("depthbias"):
            for m, f in vars(obj).items():
                if not m.startswith("_") and (callable(f) or isinstance(f, property)):
                    if not (getattr(f, "__doc__", None) or "").strip():
                        missing.append(f"{name}.{m}")
    for sub in (db.theory, db.references):
        for m in dir(sub):
            if not m.startswith("_") and not (getattr(sub, m).__doc__ or "").strip():
                missing.append(f"{sub.__name__}.{m}")
    assert not missing, missing
    assert "task=" in db.run.__doc__ and "keys" in db.run.__doc__


def test_sensing_matrices_are_read_column_major(tmp_path):
    rng = np.random.default_rng(3)
    A = rng.standard_normal((6, 3, 3))
    y = rng.standard_normal(6)
    a = db.write_data_file(str(tmp_path / "a.csv"), "sensing", A=A, y=y)
    b = db.write_data_file(str(tmp_path / "b.csv"), "sensing", A=A.reshape(6, 9, order="F"), y=y)
    assert open(a).read() == open(b).read()
    back = np.loadtxt(a, delimiter=",", skiprows=1)
    assert back[0, 1] == A[0, 1, 0]  # column a1 is entry (1, 0): vec() is column-major, as the engine's predictor


def test_the_observers_of_other_models_have_their_arrays_where_they_apply():
    """lambda_balanced_reference, singular_value_ode and saxe_reference on the lambda-balanced preset's linear nets,
    function_space on a small two-layer ReLU network on the points task."""
    exp = db.run(preset="lambda-balanced")
    lam = [r.observer_arrays()["lambda_balanced_reference"] for r in exp.runs]
    assert any(a for a in lam)
    for a in lam:
        if a:
            assert a["closed_form_max_error"].shape == (1,) and a["closed_form_max_error"][0] < 1e-2  # (GD variants follow the flow to O(lr))
    sv = [r.observer_arrays()["singular_value_ode"] for r in exp.runs]
    assert any(a and a["sv_ode_compared"][0] > 0 for a in sv)
    saxe = {r.label: r.observer_arrays()["saxe_reference"] for r in exp.runs}
    assert saxe["Saxe modes N=3"]["saxe_max_error"][0] < 1e-7 and saxe["Saxe modes N=3"]["saxe_compared"][0] > 10
    assert not saxe["lambda 0"]  # not aligned with the target: the observer does not apply
    neuron = {r.label: r.observer_arrays()["single_neuron_reference"] for r in exp.runs}
    assert neuron["single neuron lambda 0.5"]["single_neuron_max_error"][0] <= 1e-9
    assert abs(neuron["single neuron lambda 0.5"]["single_neuron_delta"][0] - 0.5) < 1e-9  # lambda = a^2 - |w|^2
    assert not neuron["lambda 0"]  # 5-5-5: not a single neuron
    exp = db.run(keys={"task.kind": "points", "model.kind": "two_layer", "model.width": 64, "dynamics.lr": 0.05,
                       "dynamics.max_steps": 200, "dynamics.loss_threshold": 0})
    fs_ = exp.runs[0].observer_arrays()["function_space"]
    assert fs_["x"].size > 10 and np.all(np.isfinite(fs_["network"])) and fs_["network"].shape == fs_["x"].shape
    exp = db.run(keys={"task.kind": "points", "model.kind": "two_layer", "model.width": 64, "dynamics.lr": 0.05,
                       "dynamics.max_steps": 200, "dynamics.loss_threshold": 0, "task.smoothing_path": [0.5, 5.0]})
    sp = exp.runs[0].observer_arrays()["smoothing_path"]
    assert sp["time"].size > 5 and np.all(sp["lambda_star"] > 0) and sp["in_window"].max() == 1
