"""pytest setup: the package under test is the build tree's (PYTHONPATH set by ctest, label `python`);
DEPTHBIAS_BINARY is the CLI built with it (results are compared with the CLI's)."""
import os

import pytest


@pytest.fixture(scope="session")
def cli() -> str:
    path = os.environ.get("DEPTHBIAS_BINARY")
    assert path and os.access(path, os.X_OK), "DEPTHBIAS_BINARY must name the built depthbias binary"
    return path
