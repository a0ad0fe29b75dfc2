"""Cross-build runs with real interpreters: GIL builds and a real free-threaded 3.13t."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tlsbench import cli
from tlsbench.errors import TlsbenchError
from tlsbench.interpreters import probe, probe_all
from tlsbench.report import render
from tlsbench.results import load_results

TINY = ["--processes", "1", "--values", "2", "--min-time", "0.005"]
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


def pyenv_python(prefix: str) -> str:
    for version in sorted(PYENV.glob(f"{prefix}*")):
        exe = version / "bin" / "python3"
        if exe.exists():
            return str(exe)
    pytest.skip(f"no pyenv Python {prefix} on this machine")


def fake_interpreter(tmp_path: Path, body: str) -> str:
    script = tmp_path / "python-fake"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_missing_interpreter_names_the_fix() -> None:
    with pytest.raises(TlsbenchError, match=r"not found .*build-python 3\.13t"):
        probe("python9.99t")


def test_too_old_interpreter_is_refused() -> None:
    with pytest.raises(TlsbenchError, match=r"Python 3\.10 is too old; tlsbench needs 3\.11"):
        probe(pyenv_python("3.10"))


def test_an_interpreter_that_fails_is_reported_in_one_line(tmp_path: Path) -> None:
    broken = fake_interpreter(tmp_path, "echo 'boom: cannot start' >&2; exit 3")
    with pytest.raises(TlsbenchError, match="failed to start tlsbench there: boom"):
        probe(broken)


@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13"])
def test_gil_builds_are_probed_from_inside(version: str) -> None:
    interpreter = probe(pyenv_python(version))
    assert interpreter.build.python_version.startswith(version)
    assert not interpreter.build.free_threaded and interpreter.build.gil_enabled
    assert interpreter.build.label == interpreter.build.python_version


def test_free_threaded_build_and_its_gil_settings(ft_python: str) -> None:
    off = probe(ft_python)
    assert off.build.free_threaded and not off.build.gil_enabled
    assert off.build.label.endswith("t free-threaded")
    on = probe(ft_python, "on")
    assert on.build.gil_enabled and on.build.label.endswith("t, GIL re-enabled")
    assert dict(on.target(tagged=True).env) == {"PYTHON_GIL": "1"}
    assert on.target(tagged=True).tag == on.build.tag != off.build.tag


def test_gil_setting_on_a_default_build_is_refused(gil_python: str) -> None:
    result = CliRunner().invoke(cli.main, ["run", "--python", gil_python, "--gil", "off"])
    assert result.exit_code == 2
    assert "applies only to free-threaded interpreters" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_same_build_twice_is_refused(gil_python: str) -> None:
    with pytest.raises(TlsbenchError, match="same build"):
        probe_all([gil_python, gil_python], [])


@pytest.mark.slow
def test_default_vs_free_threaded_side_by_side(
    tmp_path: Path, gil_python: str, ft_python: str
) -> None:
    out = tmp_path / "builds.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tlsbench", "run", "--threads", "2", "-s", "count",
         "-s", "threadlocal", "--python", gil_python, "--python", ft_python, *TINY,
         "-o", str(out), "--format", "json"],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    builds = {(b["python_version"], b["free_threaded"], b["gil_enabled"])
              for b in document["builds"]}
    version = document["builds"][0]["python_version"]
    assert builds == {(version, False, True), (version, True, False)}
    for row in document["rows"]:
        assert row["counted"] == row["expected"] > 0

    results = load_results([out])
    assert len(results) == 8
    assert {r.name.split("@")[1] for r in results} == {f"py{version}", f"py{version}t"}
    table = render(results, "table")
    assert f"{version}t free-threaded" in table and f"vs {version}" in table


@pytest.mark.slow
def test_gil_on_and_off_in_one_free_threaded_interpreter(tmp_path: Path, ft_python: str) -> None:
    out = tmp_path / "gil.json"
    result = CliRunner().invoke(cli.main, [
        "run", "--threads", "2", "-s", "count", "--python", ft_python,
        "--gil", "on", "--gil", "off", *TINY, "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    results = load_results([out])
    states = {r.build.tag: r.build.gil_enabled for r in results}
    assert sorted(states.values()) == [False, True]  # observed in the workers, not assumed
    assert "GIL re-enabled" in result.stdout and "t free-threaded" in result.stdout
