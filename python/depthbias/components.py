"""Components by name with keyword parameters, and tasks on your own numpy data.

    t = db.task("regression", X=X, y=y)                         # your data (numpy arrays, validated)
    t = db.task("sensing", d=20, measurements=400, target=[3, 2, 1])   # sampled by the engine
    exp = db.run(task=t, model=db.model("diagonal_power", depth=3, init_scale=1e-3),
                 dynamics=db.dynamics("gd", lr=0.01, max_steps=20000))

Names and keys are the engine's: task() / model() / dynamics() check the name against the C++ registries
(depthbias.components(); no list of names lives in Python) and turn keyword parameters into config keys
("section.param"), which the engine validates exactly as the command line does (a bad one raises
depthbias.ConfigError whose .key is that key).

Data arrays: a task built from arrays is written once, when the run starts, as a CSV data file (17 significant
digits: every double round-trips exactly) into `<out>/data/task.csv` (or the temporary directory of an out=None
run), and the run's config names it in `task.data_file`. The engine reads that file, so the run directory's
config.resolved.toml reproduces the run with the command line (`depthbias run`) bit for bit. This is a copy, not
a zero-copy view: the arrays you pass are not shared with the engine (nor modified). The file format is
docs/DATA.md; write_data_file() writes it for use from the command line.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import _depthbias

#: The CSV column layout of each task kind that accepts user data (docs/DATA.md). Which kinds accept it is the
#: engine's: a task whose registration does not read task.data_file rejects it (ConfigError).
_DATA_ARRAYS = {
    "regression": ("X", "y"),
    "sensing": ("A", "y"),
    "classification": ("X", "labels"),
    "completion": ("rows", "cols", "values"),
}


def _config_error(key: str, what: str) -> "_depthbias.ConfigError":
    """A depthbias.ConfigError as the engine raises it: message "invalid 'KEY': WHAT", attribute .key."""
    e = _depthbias.ConfigError(f"invalid '{key}': {what}")
    e.key = key
    return e


def components() -> Dict[str, List[Tuple[str, str, List[str]]]]:
    """The engine's registries: {"task"|"model"|"dynamics"|"observer"|"reference": [(name, doc, keys read)],
    "extension_keys": [(key, doc, owner key, owner name)]}. The names accepted by task(), model(), dynamics()."""
    return _depthbias.components()


def names(kind: str) -> List[str]:
    """Registered names of one component kind ("task", "model", "dynamics", "observer", "reference")."""
    reg = components()
    if kind not in reg or kind == "extension_keys":
        raise ValueError(f"no component kind {kind!r}; kinds: task, model, dynamics, observer, reference")
    return [e[0] for e in reg[kind]]


def _check_name(section: str, name: str) -> None:
    known = names(section)
    if name not in known:
        raise _config_error(f"{section}.kind", f"'{name}' is not registered; registered: "
                                     + ", ".join(known))


@dataclass
class Component:
    """A task, model or dynamics chosen by name with its keyword parameters (config keys of its section).

    `section` is "task", "model" or "dynamics"; keys() gives the config keys ({"model.kind": ..., "model.depth": ..}).
    A task may also hold user data (`data`: validated float64 arrays), written as a data file when it runs."""

    section: str
    kind: str
    params: Dict[str, Any] = field(default_factory=dict)
    data: Optional[Dict[str, np.ndarray]] = field(default=None, repr=False)

    def keys(self) -> Dict[str, Any]:
        """The config keys this component sets (task.data_file excepted: the run writes the file)."""
        out: Dict[str, Any] = {f"{self.section}.kind": self.kind}
        for k, v in self.params.items():
            out[f"{self.section}.{k}"] = v
        return out

    def write_data(self, path: str) -> str:
        """Write this task's user data as a data file (docs/DATA.md) at `path`; returns the absolute path."""
        if self.data is None:
            raise ValueError(f"task '{self.kind}' has no user data to write")
        return write_data_file(path, self.kind, **self.data)


def model(kind: str, **params: Any) -> Component:
    """A registered model by name, with [model] keys as keyword parameters: model("diagonal_power", depth=3,
    init_scale=1e-3). Unknown names raise ConfigError (key model.kind) listing the registered ones; the engine
    checks the parameters when the run starts."""
    _check_name("model", kind)
    return Component("model", kind, dict(params))


def dynamics(kind: str, **params: Any) -> Component:
    """A registered dynamics by name, with [dynamics] keys as keyword parameters: dynamics("gd", lr=0.01,
    max_steps=10000). Unknown names raise ConfigError (key dynamics.kind) listing the registered ones."""
    _check_name("dynamics", kind)
    return Component("dynamics", kind, dict(params))


def _float_array(name: str, a: Any, ndim: Sequence[int]) -> np.ndarray:
    try:
        arr = np.asarray(a)
    except Exception as e:  # pragma: no cover - numpy accepts nearly anything
        raise ValueError(f"array '{name}': cannot be read as a numpy array: {e}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
                                   or arr.dtype == np.bool_):
        raise ValueError(f"array '{name}': dtype {arr.dtype} is not a real number type (float or int)")
    if arr.ndim not in ndim:
        raise ValueError(f"array '{name}': has {arr.ndim} dimensions (shape {arr.shape}); expected "
                         + " or ".join(str(n) for n in ndim))
    if arr.size == 0:
        raise ValueError(f"array '{name}': is empty (shape {arr.shape})")
    arr = arr.astype(np.float64, copy=False)
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"array '{name}': entry {where if len(where) > 1 else where[0]} is {arr[where]}, "
                         "not finite")
    return arr


def _validated_data(kind: str, arrays: Dict[str, Any], shape: Optional[Tuple[int, int]]) -> Tuple[Dict[str, np.ndarray], Dict[str, int]]:
    """Validated float64 arrays of a task's user data and the task.d / task.measurements they imply."""
    want = _DATA_ARRAYS.get(kind)
    if want is None:
        raise _config_error("task.data_file", f"task '{kind}' takes no user data; tasks with "
                                     "data arrays: " + ", ".join(sorted(_DATA_ARRAYS)))
    missing = [a for a in want if a not in arrays]
    extra = [a for a in arrays if a not in want]
    if missing or extra:
        raise ValueError(f"task '{kind}' takes the arrays {', '.join(want)}"
                         + (f"; missing: {', '.join(missing)}" if missing else "")
                         + (f"; unknown: {', '.join(extra)}" if extra else ""))
    if kind == "completion":
        r = _float_array("rows", arrays["rows"], (1,))
        c = _float_array("cols", arrays["cols"], (1,))
        v = _float_array("values", arrays["values"], (1,))
        if not (r.size == c.size == v.size):
            raise ValueError(f"arrays 'rows', 'cols', 'values' must have one length; got {r.size}, {c.size}, {v.size}")
        if shape is None:
            raise ValueError("task 'completion' needs shape=(d, d), the matrix's shape")
        if len(shape) != 2 or shape[0] != shape[1] or int(shape[0]) < 1:
            raise ValueError(f"shape: the completion task's matrix is square d x d; got {tuple(shape)}")
        d = int(shape[0])
        for name, idx in (("rows", r), ("cols", c)):
            bad = (idx != np.floor(idx)) | (idx < 0) | (idx >= d)
            if bad.any():
                i = int(np.argmax(bad))
                raise ValueError(f"array '{name}': entry {i} is {idx[i]}, not an integer index in [0, {d})")
        lin = r.astype(np.int64) + d * c.astype(np.int64)
        uniq, counts = np.unique(lin, return_counts=True)
        if (counts > 1).any():
            k = int(uniq[np.argmax(counts > 1)])
            raise ValueError(f"arrays 'rows', 'cols': entry ({k % d}, {k // d}) is observed twice")
        return {"rows": r, "cols": c, "values": v}, {"d": d, "measurements": int(r.size)}
    if shape is not None:
        raise ValueError(f"shape= is for the completion task only (task '{kind}' takes its shape from the arrays)")
    first, label = want
    if kind == "sensing":
        A = _float_array("A", arrays["A"], (2, 3))
        if A.ndim == 3:
            if A.shape[1] != A.shape[2]:
                raise ValueError(f"array 'A': measurement matrices must be square d x d; got shape {A.shape}")
            d = A.shape[1]
            A = A.reshape(A.shape[0], d * d, order="F")  # row i = vec(A_i), column-major (the engine's layout)
        else:
            d = int(round(np.sqrt(A.shape[1])))
            if d * d != A.shape[1]:
                raise ValueError(f"array 'A': a 2-d A has rows vec(A_i) of d*d entries; {A.shape[1]} is not a square")
        X = A
    else:
        X = _float_array(first, arrays[first], (2,))
        d = X.shape[1]
    y = _float_array(label, arrays[label], (1,))
    if y.size != X.shape[0]:
        raise ValueError(f"array '{label}': has {y.size} entries but '{first}' has {X.shape[0]} rows")
    if kind == "classification":
        bad = (y != 1.0) & (y != -1.0)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"array 'labels': entry {i} is {y[i]}; labels must be -1 or +1")
    return {first: X, label: y}, {"d": int(d), "measurements": int(X.shape[0])}


def task(kind: str, *, shape: Optional[Tuple[int, int]] = None, **params: Any) -> Component:
    """A registered task by name, with [task] keys as keyword parameters, sampled by the engine or on your data.

    Sampled:   task("sensing", d=20, measurements=400, target=[3, 2, 1])
    Your data (numpy arrays; float or int dtype, finite; copied as float64):
      task("regression", X=X, y=y)                 X: n x d inputs, y: n labels
      task("sensing", A=A, y=y)                    A: m x d x d measurement matrices (or m x d^2, rows vec(A_i)
                                                   column-major), y: m measurements <A_i, W>
      task("classification", X=X, labels=s)        X: n x d, s in {-1, +1}
      task("completion", rows=r, cols=c, values=v, shape=(d, d))   observed entries W[r_k, c_k] = v_k
    With data, task.d and task.measurements follow from the arrays (giving them too is an error), there is no
    planted target (reconstruction and test errors are NaN) and no test set. Bad arrays raise ValueError naming
    the array; an unknown task name raises ConfigError (key task.kind) listing the registered tasks.
    """
    _check_name("task", kind)
    params = dict(params)
    arrays = {k: params.pop(k) for k in list(params) if k in ("X", "y", "A", "labels", "rows", "cols", "values")}
    if "data_file" in params and arrays:
        raise _config_error("task.data_file", "give arrays or data_file, not both")
    if not arrays:
        if shape is not None:
            raise ValueError("shape= goes with data arrays (task 'completion')")
        return Component("task", kind, params)
    data, implied = _validated_data(kind, arrays, shape)
    for k in ("d", "measurements"):
        if k in params and int(params[k]) != implied[k]:
            raise _config_error(f"task.{k}", f"{params[k]} does not match the data arrays "
                                         f"({implied[k]}); leave it out")
    params.update(implied)
    if kind == "completion":
        data["shape"] = np.array([implied["d"], implied["d"]])
    return Component("task", kind, params, data)


def _format_rows(columns: List[np.ndarray]) -> str:
    m = np.column_stack(columns)
    lines = [",".join(repr(float(v)) for v in row) for row in m.tolist()]
    return "\n".join(lines) + "\n"


def write_data_file(path: str, kind: str, **arrays: Any) -> str:
    """Write user data in the engine's data-file format (docs/DATA.md) and return the file's absolute path.

    The arrays are those of task(kind, ...): X, y (regression); A, y (sensing); X, labels (classification);
    rows, cols, values, shape (completion). Values are written with Python's repr (the shortest text that reads
    back to the same double), so the engine reads exactly these numbers. Use the file from the command line
    with `task.data_file = "PATH"` (and task.d / task.measurements as printed by the task)."""
    shape = arrays.pop("shape", None)
    if shape is not None:
        shape = tuple(int(s) for s in np.asarray(shape).ravel())
    data, _ = _validated_data(kind, arrays, shape)
    if kind == "completion":
        header = ["row", "col", "value"]
        cols = [data["rows"], data["cols"], data["values"]]
        text = ",".join(header) + "\n" + "\n".join(f"{int(r)},{int(c)},{float(v)!r}" for r, c, v in
                                                   zip(cols[0].tolist(), cols[1].tolist(), cols[2].tolist())) + "\n"
    else:
        X, label = (data["A"], "y") if kind == "sensing" else (data["X"], "y" if kind == "regression" else "label")
        y = data["y"] if kind != "classification" else data["labels"]
        prefix = "a" if kind == "sensing" else "x"
        header = [f"{prefix}{j}" for j in range(X.shape[1])] + [label]
        text = ",".join(header) + "\n" + _format_rows([X, y])
    path = os.path.abspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    return path
