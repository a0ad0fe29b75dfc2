"""Shared fixtures: real interpreters for the cross-build tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_CACHE = Path(os.environ.get("PYTHON_BUILD_CACHE", Path.home() / ".cache" / "tlsbench-pythons"))


def _interpreter(env_var: str, flavor: str) -> str:
    path = os.environ.get(env_var) or str(_CACHE / flavor / "bin" / "python3")
    if Path(path).is_file() and os.access(path, os.X_OK):
        return path
    message = f"no {flavor} interpreter (set {env_var}; see ../shared/tools/build-python)"
    if os.environ.get("TLSBENCH_REQUIRE_INTERPRETERS"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def ft_python() -> str:
    """A real free-threaded CPython 3.13t."""
    return _interpreter("TLSBENCH_PYTHON_313T", "3.13t")


@pytest.fixture(scope="session")
def gil_python() -> str:
    """The default (GIL) build of the same CPython 3.13 source."""
    return _interpreter("TLSBENCH_PYTHON_313", "3.13")


@pytest.fixture(scope="session")
def ft_atomics() -> str:
    """A directory holding cereggii and ft_utils built for the free-threaded interpreter
    (.ci/run installs it with pip --target)."""
    path = os.environ.get("TLSBENCH_FT_ATOMICS") or str(_CACHE / "3.13t-atomics")
    if (Path(path) / "cereggii").is_dir() and (Path(path) / "ft_utils").is_dir():
        return path
    message = f"no atomics for 3.13t at {path} (set TLSBENCH_FT_ATOMICS; see .ci/run)"
    if os.environ.get("TLSBENCH_REQUIRE_INTERPRETERS"):
        pytest.fail(message)
    pytest.skip(message)
