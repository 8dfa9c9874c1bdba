"""depthbias from Python: the engine's checked dynamics, presets, closed forms and exact references.

    import depthbias as db
    exp = db.run(preset="toy")                      # a shipped preset, like `depthbias reproduce toy`
    exp.checks                                      # the paper's claims, checked
    exp.runs[0].timeseries                          # a pandas DataFrame (numpy arrays without pandas)
    exp = db.run(keys={"task.kind": "toy", "task.target": [2.0, 1.0], "model.kind": "diagonal_power"})
    db.theory.learning_time(3, 1.0, [1e-3, 1e-4], 0.5)   # vectorized over numpy arrays
    db.references.l1_max_margin(Xt)
    exp = db.run(task=db.task("regression", X=X, y=y),              # your own data (numpy arrays)
                 model=db.model("diagonal_power", depth=2, init_scale=0.1), dynamics=db.dynamics("gd", lr=0.01))
    exp.runs[0].observer_arrays()                   # every observer's records as numpy arrays

Runs use the same config keys, validation and result files as the command line (docs/CONFIG.md); a bad key
raises depthbias.ConfigError with its `.key`. A long run releases the GIL, can show progress, and stops cleanly on
KeyboardInterrupt (its directory then does not look finished; `resume=True` continues it). Sweeps run as a
subprocess of the `depthbias` command (depthbias.sweep).
"""
from ._depthbias import ConfigError, IoError, __version__, references, theory  # noqa: F401
from .components import Component, components, dynamics, model, names, task, write_data_file  # noqa: F401
from .results import Check, Experiment, Run, Summary  # noqa: F401
from .runs import describe_keys, preset_names, preset_toml, run  # noqa: F401
from .sweeps import read_sweep, sweep  # noqa: F401

ConfigError.__doc__ = ("Bad input (a ValueError): .key is the config key or option at fault, the message the "
                       "command line's ('invalid 'KEY': ...').")
IoError.__doc__ = "A file that could not be read or written (an OSError); the message names the path."

__all__ = [
    "run", "task", "model", "dynamics", "components", "names", "write_data_file", "Component", "preset_names", "preset_toml", "describe_keys", "sweep", "read_sweep",
    "Experiment", "Run", "Summary", "Check", "ConfigError", "IoError", "theory", "references", "__version__",
]
