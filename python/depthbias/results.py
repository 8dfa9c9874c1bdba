"""Typed views of an experiment's results: experiment.json (run/experiment_result.hpp) and each run's files.

Experiment -> runs (Run: label, summary, time series, events, directory) and checks (Check). Tables are pandas
DataFrames when pandas is installed, else dicts of numpy arrays (one per CSV column).
"""
from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Union

import numpy as np

try:  # optional
    import pandas as _pd
except ImportError:  # pragma: no cover - exercised only without pandas
    _pd = None


def read_table(source: Union[str, bytes]):
    """A CSV file of the engine (header + numbers; a path, or the file's bytes) as a DataFrame, or a dict of float
    arrays without pandas."""
    if _pd is not None:  # doubles exactly as written
        return _pd.read_csv(io.BytesIO(source) if isinstance(source, bytes) else source, float_precision="round_trip")
    if isinstance(source, bytes):
        rows = list(csv.reader(io.StringIO(source.decode())))
    else:
        with open(source, newline="") as f:
            rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    table = {}
    for i, name in enumerate(header):
        column = [r[i] if i < len(r) else "" for r in body]
        try:
            table[name] = np.array([float(x) for x in column])
        except ValueError:  # a text column (status, verdict, ...)
            table[name] = np.array(column, dtype=object)
    return table


@dataclass
class Summary:
    """summary.json of one run, typed (results/run_summary.hpp). `final` is None for a diverged run."""

    name: str
    seed: int
    status: str
    stop_reason: str
    steps: int
    time: float
    gradient_evaluations: int
    model: str
    depth: int
    task: str
    final: Optional[Dict[str, Any]]
    incremental: Optional[Dict[str, Any]]
    timing: Dict[str, Any]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, j: Dict[str, Any]) -> "Summary":
        return cls(name=j["name"], seed=j["seed"], status=j["status"], stop_reason=j["stop_reason"],
                   steps=j["steps"], time=j["time"], gradient_evaluations=j["gradient_evaluations"],
                   model=j["model"], depth=j["depth"], task=j["task"], final=j.get("final"),
                   incremental=j.get("incremental"), timing=j.get("timing", {}), raw=j)

    @property
    def diverged(self) -> bool:
        """True when the run diverged (then `final` is None)."""
        return self.status == "diverged"

    def to_dict(self) -> Dict[str, Any]:
        """The summary.json content (as the CLI wrote it)."""
        return dict(self.raw)


@dataclass
class Check:
    """One [[check]] of the experiment: status is 'pass', 'fail' or 'not_evaluated' (never a pass by default)."""

    name: str
    status: str
    detail: str
    runs: List[str]

    @property
    def passed(self) -> bool:
        """True only for 'pass' (a check not evaluated is not passed)."""
        return self.status == "pass"


def _columns(table) -> Dict[str, np.ndarray]:
    """A table (DataFrame or dict of arrays) as {column: numpy array} (DataFrame columns are views, not copies)."""
    if table is None:
        return {}
    if _pd is not None and isinstance(table, _pd.DataFrame):
        return {str(c): table[c].to_numpy() for c in table.columns}
    return {str(k): np.asarray(v) for k, v in table.items()}


class Tables(Mapping):
    """The CSV files of a run, by name without .csv: the files' bytes are read when the run's results are read
    (so they outlive a temporary directory), each is parsed (read_table) the first time it is accessed."""

    def __init__(self, raw: Dict[str, bytes]):
        self._raw = raw
        self._parsed: Dict[str, Any] = {}

    def __getitem__(self, name: str):
        if name not in self._parsed:
            self._parsed[name] = read_table(self._raw[name])
        return self._parsed[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"<depthbias.Tables {sorted(self._raw)}>"


@dataclass
class Run:
    """One run of an experiment: its summary, its time series (timeseries.csv) and learning events (events.csv),
    every CSV file the run wrote (`records`, by file name without .csv: timeseries, events, and e.g. checkpoints
    of the dual flow), and its directory (None when the experiment was run without `out`: the files were read,
    then removed). observer_arrays() gives every observer's records as numpy arrays."""

    label: str
    summary: Summary
    directory: Optional[str]
    records: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def timeseries(self):
        """timeseries.csv (the recorder): a DataFrame (dict of numpy arrays without pandas); None if not written."""
        return self.records["timeseries"] if "timeseries" in self.records else None

    @property
    def events(self):
        """events.csv (learning events): a DataFrame (dict of numpy arrays without pandas); None if not written."""
        return self.records["events"] if "events" in self.records else None

    def observer_arrays(self) -> Dict[str, Dict[str, np.ndarray]]:
        """Each registered observer's records as numpy arrays (depthbias.names("observer")):

        recorder          {column: array} of timeseries.csv (step, time, loss, ..., the spectrum s1..sk, metrics)
        learning_events   {column: array} of events.csv (one row per component and fraction reached)
        activation_order  {"order": int array, "times": float array} (coordinates in the order they activated;
                          empty when the run did not finish)
        sharpness         {column: array} of sharpness.csv (step, time, sharpness, hessian_products; empty when
                          observe.sharpness_every = 0)
        tangent_kernel    {column: array} of kernel.csv (step, time, kernel_distance, alignment_min, alignment_mean;
                          empty when observe.kernel_every = 0)
        function_space    {column: array} of function.csv (x, network, min_norm, min_norm_affine, references; two-layer
                          networks on scalar inputs only, else empty)
        smoothing_path    {column: array} of smoothing_path.csv (step, time, lambda_star, lambda_star_t, rms_gap, rms_f,
                          in_window; only with task.smoothing_path set, else empty)
        lambda_balanced_reference, singular_value_ode, saxe_reference, single_neuron_reference
                          {summary key: 1-element array} of the final values they write (closed_form_max_error,
                          kernel_distance, ...; sv_ode_max_error, sv_ode_compared, sv_ode_skipped; saxe_max_error,
                          saxe_compared; single_neuron_max_error, single_neuron_compared, single_neuron_delta); empty
                          when the observer did not apply to the run
        """
        s = self.summary.raw
        final = s.get("final") or {}

        def scalars(keys):
            return {k: np.asarray([np.nan if final[k] is None else final[k]], dtype=np.float64)
                    for k in keys if k in final}

        def csv(name, columns):
            return _columns(self.records[name]) if name in self.records else {c: np.zeros(0) for c in columns}
        s = self.summary.raw
        return {
            "recorder": _columns(self.timeseries),
            "learning_events": _columns(self.events),
            "activation_order": {"order": np.asarray(s.get("activation_order", []), dtype=np.int64),
                                 "times": np.asarray(s.get("activation_times", []), dtype=np.float64)},
            "sharpness": csv("sharpness", ("step", "time", "sharpness", "hessian_products")),
            "tangent_kernel": csv("kernel", ("step", "time", "kernel_distance", "alignment_min", "alignment_mean")),
            "function_space": csv("function", ("x", "network", "min_norm", "min_norm_affine")),
            "smoothing_path": csv("smoothing_path", ("step", "time", "lambda_star", "lambda_star_t", "rms_gap", "rms_f",
                                                     "in_window")),
            "lambda_balanced_reference": scalars(("closed_form_max_error", "lambda", "kernel_distance",
                                                  "closed_form_kernel_distance")),
            "singular_value_ode": scalars(("sv_ode_max_error", "sv_ode_compared", "sv_ode_skipped")),
            "saxe_reference": scalars(("saxe_max_error", "saxe_compared")),
            "single_neuron_reference": scalars(("single_neuron_max_error", "single_neuron_compared",
                                                "single_neuron_delta")),
        }

    def arrays(self, name: str) -> Dict[str, np.ndarray]:
        """The CSV file `name` (e.g. "timeseries", "events") of this run as {column: numpy array}."""
        if name not in self.records:
            raise KeyError(f"run {self.label!r} wrote no {name}.csv; files: {sorted(self.records)}")
        return _columns(self.records[name])

    @property
    def references(self) -> Dict[str, np.ndarray]:
        """The exact references the run computed (analysis.references): {name: first entries (up to 16)}."""
        return {k: np.asarray(v, dtype=np.float64) for k, v in self.summary.raw.get("references", {}).items()}


class Experiment:
    """The result of depthbias.run(): experiment.json typed, plus every run's tables.

    Attributes: name, title, runs (list of Run), checks (list of Check), analysis (dict), manifest (dict),
    directory (None when no `out` was given), raw (the experiment.json content; for layout="flat" the same content,
    returned by the engine but not written: the one run's files are in `directory` itself, Run.directory ==
    directory).
    """

    def __init__(self, text: str, out: str, keep_directory: bool):
        j = json.loads(text)
        self.raw: Dict[str, Any] = j
        self.name: str = j["experiment"]
        self.title: str = j.get("title", "")
        self.manifest: Dict[str, Any] = j.get("manifest", {})
        self.analysis: Dict[str, Any] = j.get("analysis", {}) or {}
        self.directory: Optional[str] = out if keep_directory else None
        self.checks: List[Check] = [Check(c["name"], c["status"], c.get("detail", ""), c.get("runs", []))
                                    for c in j.get("checks", [])]
        self.runs: List[Run] = []
        for r in j["runs"]:
            d = os.path.normpath(os.path.join(out, r["directory"]))  # "." for a flat run (layout="flat")
            raw = {}
            if os.path.isdir(d):
                for fname in sorted(os.listdir(d)):
                    if fname.endswith(".csv"):
                        with open(os.path.join(d, fname), "rb") as f:
                            raw[fname[:-4]] = f.read()
            self.runs.append(Run(label=r["label"], summary=Summary.from_json(r["summary"]),
                                 directory=d if keep_directory else None, records=Tables(raw)))

    @property
    def passed(self) -> bool:
        """True when every check passed (False when one failed or was not evaluated)."""
        return all(c.passed for c in self.checks)

    def run(self, label: str) -> Run:
        """The run with this variant label."""
        for r in self.runs:
            if r.label == label:
                return r
        raise KeyError(f"no run labelled {label!r}; labels: {[r.label for r in self.runs]}")

    def __repr__(self) -> str:
        passed = sum(c.passed for c in self.checks)
        return (f"<depthbias.Experiment {self.name!r}: {len(self.runs)} runs, "
                f"{passed}/{len(self.checks)} checks pass>")
