"""`import depthbias` works with Debian's /usr/bin/python3 in a new shell with nothing set (scripts/build.sh, which
the README's commands run, installs the package into the interpreter's site directory), and the installed package
is the one just built."""
import os
import subprocess

import depthbias as built


def test_installed_package_imports_in_a_clean_shell():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.pop("DEPTHBIAS_BINARY", None)
    p = subprocess.run(["/usr/bin/python3", "-c",
                        "import depthbias, depthbias._depthbias as c; print(depthbias.__file__); print(c.git_commit);"
                        "print(depthbias.run(keys={'task.kind': 'toy', 'task.target': [1.0], "
                        "'model.kind': 'diagonal_power', 'dynamics.max_steps': 10}).runs[0].summary.steps)"],
                       capture_output=True, text=True, cwd="/", env=env)
    assert p.returncode == 0, ("the installed package does not import; scripts/build.sh installs it "
                               "(cmake --install build --component python):\n" + p.stderr)
    path, commit, steps = p.stdout.split()
    assert "dist-packages" in path, path
    assert commit == built._depthbias.git_commit, "the installed package is not the one built: rerun scripts/build.sh"
    assert steps == "10"
