"""`tlsbench run` and `tlsbench info`: through CliRunner and as a real subprocess."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pyperf
import pytest
from click.testing import CliRunner, Result

from tests.factory import make_benchmark, write_suite
from tlsbench import cli
from tlsbench.measure import BenchmarkSpec, MeasureOptions, Progress, RunOutcome

TINY = ["--processes", "1", "--values", "2", "--min-time", "0.005"]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli.main, list(args))


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--threads", "0"], "out of range"),
        (["--threads", "-3"], "out of range"),
        (["--threads", "abc"], "not a whole number"),
        (["--threads", "100000"], "1 to 1024"),
        (["--threads", "2,x"], "not a whole number"),
        (["--strategy", "nope"], "unknown strategy 'nope'"),
        (["--error-rate", "0"], "not in (0, 1]"),
        (["--error-rate", "1.5"], "not in (0, 1]"),
        (["--error-rate", "-0.1"], "not in (0, 1]"),
        (["--error-rate", "lots"], "lots"),
        (["--fast", "--rigorous"], "choose one"),
        (["--force"], "go with -o/--output"),
        (["-o", "/nonexistent-dir/x.json"], "does not exist"),
        (["--gil", "on"], "not a free-threaded build"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], fragment: str) -> None:
    if "--gil" in args and cli.environment.collect().free_threaded:
        pytest.skip("this interpreter is free-threaded")
    assert_one_line_error(invoke("run", *args), fragment)


def test_existing_output_is_refused_without_force(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("keep me")
    assert_one_line_error(invoke("run", "-o", str(target)), "--force", "--append")
    assert target.read_text() == "keep me"


def test_append_to_a_file_that_is_not_results_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("{not json")
    assert_one_line_error(invoke("run", "-o", str(target), "--append"), "not valid JSON")


class FakeMeasurement:
    """Stands in for measure_all: benchmarks with chosen values, no real measuring."""

    def __init__(self, miscount: str | None = None) -> None:
        self.miscount = miscount
        self.specs: list[BenchmarkSpec] = []

    def __call__(self, specs: Sequence[BenchmarkSpec], options: MeasureOptions,
                 progress: Progress) -> RunOutcome:
        self.specs = list(specs)
        benches = []
        for number, spec in enumerate(specs, 1):
            progress.started(number, len(specs), spec)
            counted = 990 if spec.strategy == self.miscount and spec.threads > 1 else None
            bench = make_benchmark(spec.strategy, spec.threads,
                                   [1e-7 * spec.threads, 1.1e-7 * spec.threads],
                                   period=spec.period, counted=counted)
            progress.finished(spec, bench, 0.1)
            benches.append(bench)
        return RunOutcome(tuple(benches), ())


def test_run_prints_the_table_for_each_strategy_at_1_and_n(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeMeasurement()
    monkeypatch.setattr(cli, "measure_all", fake)
    result = invoke("run", "--threads", "8")
    assert result.exit_code == 0, result.output
    assert [(s.strategy, s.threads) for s in fake.specs] == [
        ("threadlocal", 1), ("threadlocal", 8), ("lock", 1), ("lock", 8),
        ("count", 1), ("count", 8),
    ]
    assert fake.specs[0].period == 2  # the documented default error rate, 0.5
    table = result.stdout
    assert "time/item (mean ± std)" in table and "count check" in table
    assert "threads outnumber the cores" in table  # 8 threads, 2 CPUs in the factory
    # progress went to stderr, not into the results
    assert "[1/6] threadlocal, 1 thread" in result.stderr
    assert "[1/6]" not in table


def test_run_json_format_is_machine_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "measure_all", FakeMeasurement())
    result = invoke("run", "--threads", "1,2", "-s", "lock", "--format", "json", "--quiet")
    assert result.exit_code == 0
    assert result.stderr == ""
    document = json.loads(result.stdout)
    rows = {(r["strategy"], r["threads"]): r for r in document["rows"]}
    assert rows[("lock", 2)]["scaling"] == pytest.approx(0.5)
    assert rows[("lock", 1)]["counted"] == rows[("lock", 1)]["expected"]


def test_a_safe_strategy_that_miscounts_fails_plainly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cli, "measure_all", FakeMeasurement(miscount="lock"))
    out = tmp_path / "r.json"
    result = invoke("run", "--threads", "4", "-s", "lock", "-o", str(out))
    assert result.exit_code == 1
    assert "FAILED: counted 990, expected 1,000" in result.stdout
    assert "lock-4t: the lock strategy is safe but counted 990 of 1,000" in result.stderr
    # what was measured is still saved
    assert pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names() == ["lock-1t", "lock-4t"]


def test_force_replaces_and_append_adds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cli, "measure_all", FakeMeasurement())
    out = tmp_path / "r.json"
    write_suite(out, [make_benchmark("count", 1)])
    assert invoke("run", "-t", "2", "-s", "lock", "-o", str(out), "--append").exit_code == 0
    names = pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names()
    assert names == ["count-1t", "lock-1t", "lock-2t"]
    assert invoke("run", "-t", "2", "-s", "lock", "-o", str(out), "--force").exit_code == 0
    assert pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names() == ["lock-1t", "lock-2t"]


def test_info_describes_this_interpreter() -> None:
    result = invoke("info", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    (facts,) = document["interpreters"]
    assert facts["executable"] == sys.executable
    assert facts["free_threaded"] in (True, False)
    assert document["versions"]["pyperf"] != "not installed"


def test_help_has_examples() -> None:
    for command in ([], ["run"], ["info"]):
        result = invoke(*command, "--help")
        assert result.exit_code == 0
        assert "Examples:" in result.stdout


@pytest.mark.slow
def test_real_run_as_a_subprocess_writes_a_file_pyperf_reads(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tlsbench", "run", "--threads", "2", "-s", "count",
         "-s", "lock", *TINY, "-o", str(out), "--format", "csv"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [(r["strategy"], r["threads"]) for r in rows] == [
        ("count", "1"), ("count", "2"), ("lock", "1"), ("lock", "2")]
    for row in rows:
        assert int(row["counted"]) == int(row["expected"]) > 0
        assert float(row["mean_s"]) > 0
    shown = subprocess.run([sys.executable, "-m", "pyperf", "show", str(out)],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    for name in ("count-1t", "count-2t", "lock-1t", "lock-2t"):
        assert name in shown.stdout
    assert "Traceback" not in proc.stderr
    assert "[4/4] lock, 2 threads" in proc.stderr
