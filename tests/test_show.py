"""tlsbench show: a saved results file printed as `run` prints it."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.factory import make_benchmark, write_suite
from tlsbench.cli import main
from tlsbench.report import FORMATS, render
from tlsbench.results import load_results


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    return write_suite(tmp_path / "results.json", [
        make_benchmark("lock", 1, [1.0e-7, 1.0e-7]),
        make_benchmark("lock", 8, [4.0e-7, 4.0e-7]),
        make_benchmark("sharedint", 8, [2.0e-7, 2.0e-7], safe=False, counted=900),
    ])


@pytest.mark.parametrize("fmt", FORMATS)
def test_show_prints_what_render_prints(saved: Path, fmt: str) -> None:
    result = CliRunner().invoke(main, ["show", str(saved), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert result.stdout == render(load_results([saved]), fmt)


def test_show_table_has_the_numbers_and_the_count_check(saved: Path) -> None:
    result = CliRunner().invoke(main, ["show", str(saved)])
    assert result.exit_code == 0, result.output
    assert "Python 3.12.1" in result.stdout
    assert "400 ns" in result.stdout  # lock at 8 threads
    assert "lost 100 of 1,000" in result.stdout  # the unsafe strategy's lost updates


def test_show_machine_formats_carry_raw_numbers(saved: Path) -> None:
    runner = CliRunner()
    rows = list(csv.DictReader(io.StringIO(runner.invoke(main, ["show", str(saved), "-f",
                                                                 "csv"]).stdout)))
    assert [(r["strategy"], r["threads"]) for r in rows] == [("lock", "1"), ("lock", "8"),
                                                            ("sharedint", "8")]
    assert float(rows[1]["mean_s"]) == pytest.approx(4.0e-7)
    document = json.loads(runner.invoke(main, ["show", str(saved), "-f", "json"]).stdout)
    assert document["rows"][2]["lost"] == 100


def test_show_takes_several_files(tmp_path: Path) -> None:
    gil = write_suite(tmp_path / "gil.json", [
        make_benchmark("lock", 8, [4.0e-7, 4.0e-7], python_version="3.13.5")])
    ft = write_suite(tmp_path / "ft.json", [
        make_benchmark("lock", 8, [6.0e-7, 6.0e-7], python_version="3.13.5",
                       free_threaded=True, gil_enabled=False)])
    result = CliRunner().invoke(main, ["show", str(gil), str(ft)])
    assert result.exit_code == 0, result.output
    assert result.stdout == render(load_results([gil, ft]), "table")
    assert "400 ns" in result.stdout and "600 ns" in result.stdout
    assert "free-threaded" in result.stdout


@pytest.mark.parametrize(("content", "message"), [
    ("", "the file is empty"),
    ('{"benchmarks": [', "not valid JSON"),
])
def test_show_bad_file_exits_2_with_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = CliRunner().invoke(main, ["show", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {path}: ") and message in line


def test_show_needs_a_file() -> None:
    result = CliRunner().invoke(main, ["show"])
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_show_as_a_real_subprocess(saved: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "tlsbench", "show", str(saved), "-f", "markdown"],
                          capture_output=True, text=True, timeout=60,
                          env=os.environ | {"NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("| lock") == 2
    missing = subprocess.run([sys.executable, "-m", "tlsbench", "show", str(tmp_path / "x.json")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: {tmp_path / 'x.json'}: no such file"
