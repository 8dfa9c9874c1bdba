"""depthbias.run(): an experiment from a config file, a preset or a dict of keys, through the engine in-process.

The same parsing, validation and files as `depthbias run` / `depthbias reproduce`; the result is read back into
depthbias.results.Experiment. See run() for the arguments.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
from typing import Any, Callable, Dict, Iterable, List, Literal, Mapping, Optional, Union

from . import _depthbias
from .components import Component, _config_error, dynamics as _dynamics, model as _model, task as _task
from .results import Experiment

KeyValues = Mapping[str, Any]


def _toml_value(v: Any, key: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(float(v))  # (float(): numpy >= 2 scalars repr as np.float64(...))
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a valid TOML basic string: \\ \" \n \t \uXXXX escapes
    if hasattr(v, "tolist"):  # numpy scalars and arrays
        return _toml_value(v.tolist(), key)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x, key) for x in v) + "]"
    raise _config_error(key, f"a value of type {type(v).__name__} has no TOML form")


def _flatten(keys: KeyValues) -> Dict[str, Any]:
    """{"task.kind": ..} and {"task": {"kind": ..}} alike -> {"task.kind": ..}."""
    flat: Dict[str, Any] = {}
    for k, v in keys.items():
        if isinstance(v, Mapping):
            for kk, vv in v.items():
                flat[f"{k}.{kk}"] = vv
        else:
            flat[k] = v
    return flat


def _keys_toml(keys: KeyValues) -> str:
    """A config's TOML text from its keys, one table per section (so that run.name names the run directory as
    it does for a config file)."""
    sections: Dict[str, List[str]] = {}
    for k, v in _flatten(keys).items():
        section, dot, name = k.partition(".")
        if not dot or not name:
            raise _config_error(k, "keys are 'section.key' (e.g. 'model.depth')")
        sections.setdefault(section, []).append(f"{name} = {_toml_value(v, k)}")
    return "".join(f"[{sec}]\n" + "\n".join(lines) + "\n" for sec, lines in sections.items())


def _overrides(values: Union[None, KeyValues, Iterable[str]]) -> List[str]:
    """Overrides as the CLI's --set strings ("section.key=value")."""
    if values is None:
        return []
    if isinstance(values, Mapping):
        return [f"{k}={_toml_value(v, k)}" for k, v in _flatten(values).items()]
    return [str(s) for s in values]


def _terminal_progress(stream=None) -> Callable[[int, int, int, float, float], None]:
    stream = stream or sys.stderr

    def show(done: int, total: int, step: int, t: float, loss: float) -> None:
        stream.write(f"\rdepthbias: runs {done}/{total}  step {step}  t {t:.4g}  loss {loss:.4g}   ")
        stream.flush()
        if total and done >= total:
            stream.write("\n")

    return show


def _progress_callback(progress: Union[bool, Callable, None]):
    if not progress:
        return None
    if callable(progress):
        return progress
    try:  # a notebook or terminal bar when tqdm is installed
        from tqdm.auto import tqdm  # type: ignore
    except ImportError:
        return _terminal_progress()
    bar = {"bar": None}

    def show(done: int, total: int, step: int, t: float, loss: float) -> None:
        if bar["bar"] is None:
            bar["bar"] = tqdm(total=total, unit="run")
        b = bar["bar"]
        b.n = done
        b.set_postfix(step=step, t=f"{t:.4g}", loss=f"{loss:.4g}")
        if total and done >= total:
            b.close()

    return show


def preset_names(module: Optional[str] = "") -> List[str]:
    """Names of the shipped presets (module "" = the linear engine's; None = all, deep-net ones included)."""
    return [n for n, m in _depthbias.presets() if module is None or m == module]


def preset_toml(name: str) -> str:
    """The TOML text of a shipped preset (experiments/NAME.toml, embedded in the engine)."""
    return _depthbias.preset_toml(name)[0]


def describe_keys() -> str:
    """Every config key with its type, default and meaning (as `depthbias run --help-keys`)."""
    return _depthbias.describe_keys()


def _component(section: str, value: Union[None, str, Component], params: Optional[KeyValues], make) -> Optional[Component]:
    if value is None:
        if params:
            raise _config_error(f"{section}.kind", f"{section}_params= needs {section}= (a name)")
        return None
    if isinstance(value, Component):
        if value.section != section:
            raise _config_error(f"{section}.kind", f"got a {value.section} component "
                                         f"({value.section}.kind = '{value.kind}')")
        if params:
            return Component(section, value.kind, {**value.params, **params}, value.data)
        return value
    if isinstance(value, str):
        return make(value, **dict(params or {}))
    raise _config_error(f"{section}.kind", f"expected a name or depthbias.{section}(...), "
                                 f"got {type(value).__name__}")


def _component_keys(keys: Optional[KeyValues], comps: List[Component], sections: Dict[str, Optional[KeyValues]]) -> Dict[str, Any]:
    """keys= merged with the components' keys and the section dicts (observe=, analysis=, run=); a key given twice
    is an error naming it."""
    merged: Dict[str, Any] = dict(_flatten(keys)) if keys is not None else {}

    def add(k: str, v: Any) -> None:
        if k in merged:
            raise _config_error(k, "given twice (in keys= and a component or section argument)")
        merged[k] = v

    for c in comps:
        for k, v in c.keys().items():
            add(k, v)
    for sec, d in sections.items():
        for k, v in (d or {}).items():
            add(f"{sec}.{k}", v)
    return merged


def run(config: Optional[str] = None, *, preset: Optional[str] = None, keys: Optional[KeyValues] = None,
        task: Union[None, str, Component] = None, model: Union[None, str, Component] = None,
        dynamics: Union[None, str, Component] = None, task_params: Optional[KeyValues] = None,
        model_params: Optional[KeyValues] = None, dynamics_params: Optional[KeyValues] = None,
        observe: Optional[KeyValues] = None, analysis: Optional[KeyValues] = None, seed: Optional[int] = None,
        name: Optional[str] = None,
        set: Union[None, KeyValues, Iterable[str]] = None, out: Optional[str] = None, figures: bool = False,
        jobs: int = 1, max_wall_seconds: float = 0.0, checkpoint_seconds: float = 60.0, resume: bool = False,
        progress: Union[bool, Callable[[int, int, int, float, float], None]] = False,
        layout: Literal["nested", "flat"] = "nested") -> Experiment:
    """Run an experiment and return its results (depthbias.Experiment).

    Exactly one source:
      config  path of a TOML config or experiment file (as `depthbias run CONFIG`)
      preset  name of a shipped preset (as `depthbias reproduce NAME`; see preset_names())
      keys    a dict of config keys, {"task.kind": "toy", "model.depth": 3, ...} or {"task": {"kind": "toy"}}
      components (with or without keys=; a key given twice is an error naming it):
        task=     depthbias.task(name, **params) -- sampled, or on your numpy arrays -- or a task name
        model=    depthbias.model(name, **params) or a name; dynamics= likewise
        task_params / model_params / dynamics_params   keyword parameters when the component is given by name
        observe / analysis   dicts of [observe] / [analysis] keys; seed, name: run.seed, run.name
      e.g. run(task=db.task("regression", X=X, y=y), model="diagonal_power",
               model_params=dict(depth=2, init_scale=0.1), dynamics="gd", dynamics_params=dict(lr=0.01))
      A task on arrays is written as a data file into `out`/data/task.csv (the temporary directory without
      `out`) and named by task.data_file: a copy (exact, 17 digits), which the engine reads as the CLI would.
    Options:
      set                 overrides on top: a dict of keys, or CLI-style strings ["model.depth=4"]
      out                 directory for the run directories and experiment.json (kept); None: a temporary
                          directory, read and removed (Experiment.directory and Run.directory are then None)
      layout              "nested" (default): out/experiment.json and one run directory per variant,
                          out/<slug of its label>/ (as `depthbias run`). "flat": an experiment that is one run
                          writes that run's files (config.resolved.toml, manifest.json, timeseries.csv,
                          events.csv, summary.json, and its figures with figures=True) directly into `out`, and no
                          experiment.json -- what one point of `depthbias sweep` writes, as `depthbias run --flat`.
                          The result reads the same (Run.directory is then `out`). A preset or config with several
                          variants, [[check]]s or an analysing experiment.figure raises ConfigError (key "layout").
                          resume=True continues a flat run in `out` (a finished one of the same config is returned).
      figures             draw the gnuplot figures (needs `out`)
      jobs                variants run in parallel (the results do not depend on it)
      max_wall_seconds    wall-clock budget per run (0: none); a run past it has status 'wall_budget_exhausted'
      checkpoint_seconds  checkpoint period for resume (fixed-step dynamics); 0: none
      resume              continue the interrupted experiment in `out`
      progress            True: a progress bar (tqdm when installed, else a line on stderr); or a callable
                          f(runs_done, runs_total, step, time, loss), called about every 0.1 s
    Errors: depthbias.ConfigError (a ValueError; .key names the config key) for bad input, depthbias.IoError for
    files. KeyboardInterrupt stops the runs cleanly (checkpointed; nothing looks finished) and is re-raised.
    """
    comps = [c for c in (_component("task", task, task_params, _task), _component("model", model, model_params, _model),
                         _component("dynamics", dynamics, dynamics_params, _dynamics)) if c is not None]
    run_section = {k: v for k, v in (("seed", seed), ("name", name)) if v is not None}
    if comps or observe or analysis or run_section:
        if config is not None or preset is not None:
            raise _config_error("config", "components (task=, model=, ...) go with keys=, "
                                         "not with config= or preset= (use set= to override those)")
        keys = _component_keys(keys, comps, {"observe": observe, "analysis": analysis, "run": run_section})
    data_task = next((c for c in comps if c.section == "task" and c.data is not None), None)
    if data_task is not None and "task.data_file" in keys:
        raise _config_error("task.data_file", "the task has data arrays; leave task.data_file out")
    sources = sum(x is not None for x in (config, preset, keys))
    if sources != 1:
        raise _config_error("config", "give exactly one of config, preset or keys (or components)")
    sets = _overrides(set)
    if config is not None:
        try:
            with open(config) as f:
                text, origin = f.read(), str(config)
        except OSError as e:
            raise _config_error("config", f"cannot read config file '{config}': {e}") from None
    elif preset is not None:
        text, module = _depthbias.preset_toml(preset)
        if module:
            raise _config_error("preset", f"'{preset}' is a {module} preset; "
                                         f"run it with the command line (depthbias reproduce {preset})")
        origin = f"preset {preset}"
    else:
        text, origin = _keys_toml(keys), "keys"
    if layout not in ("nested", "flat"):
        raise _config_error("layout", f"must be 'nested' or 'flat', got {layout!r}")
    if resume and out is None:
        raise _config_error("resume", "needs out=, the directory of the interrupted experiment")
    if figures and out is None:
        raise _config_error("figures", "figures need out= (a directory to keep)")
    keep = out is not None
    directory = os.path.abspath(out) if keep else tempfile.mkdtemp(prefix="depthbias-")
    try:
        if data_task is not None:  # the arrays as the engine's data file, named in the run's config
            data_file = data_task.write_data(os.path.join(directory, "data", "task.csv"))
            text = _keys_toml({**keys, "task.data_file": data_file})
        try:
            text_json = _depthbias.run_experiment(text, origin, sets, directory, figures=figures, jobs=jobs,
                                                  max_wall_seconds=max_wall_seconds,
                                                  checkpoint_seconds=checkpoint_seconds, resume=resume,
                                                  progress=_progress_callback(progress), flat=layout == "flat")
        except _depthbias.ConfigError as e:
            # The engine's names of the options (the CLI's --out, --flat); here they are out= and layout=.
            option = {"--out": "out", "--flat": "layout", "--resume": "resume"}.get(getattr(e, "key", None))
            if option is not None:
                raise _config_error(option, str(e).split(": ", 1)[-1]) from None
            raise
        return Experiment(text_json, directory, keep_directory=keep)
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)
