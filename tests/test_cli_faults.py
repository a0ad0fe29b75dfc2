"""`tlsbench run` when things go wrong: a benchmark that crashes or hangs, a file that
cannot be written, a file that must not be clobbered, an --append that does not fit.

Workers are the fake interpreter of ``tests.fake_interpreter`` (the real orchestration,
CLI and results writer run); no real measurement is made here.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyperf
import pytest
from click.testing import CliRunner, Result

from tlsbench import cli, files, measure
from tlsbench.results import load_results

from .factory import make_benchmark, write_suite
from .fake_interpreter import write_fake_interpreter


@pytest.fixture
def fake_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Route every benchmark of ``run`` to the fake interpreter; the test fills in the
    behaviour of each benchmark name in the dict it gets."""
    modes: dict[str, str] = {}
    real_command = measure.worker_command
    fakes = tmp_path / "fakes"
    fakes.mkdir()

    def fake_command(spec: measure.BenchmarkSpec, options: measure.MeasureOptions,
                     output: str) -> list[str]:
        fake = write_fake_interpreter(fakes, modes)
        return [str(fake), *real_command(spec, options, output)[1:]]

    monkeypatch.setattr(measure, "worker_command", fake_command)
    yield modes


def invoke(directory: Path, *args: str) -> Result:
    # Run in `directory`, so that the test can see every file the run leaves there.
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        return CliRunner().invoke(cli.main, ["run", *args])
    finally:
        os.chdir(cwd)


def printed(result: Result) -> list[str]:
    """The benchmarks in the CSV table on stdout."""
    rows = csv.DictReader(io.StringIO(result.stdout))
    return [f"{row['strategy']}-{row['threads']}t" for row in rows]


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def test_a_hung_benchmark_costs_only_itself(
    tmp_path: Path, fake_workers: dict[str, str]
) -> None:
    fake_workers.update({"lock-2t": "hang", "*": "ok"})
    out = tmp_path / "out"
    out.mkdir()
    result = invoke(out, "--threads", "2", "-s", "lock,count", "--timeout", "1",
                    "-o", "r.json", "--format", "csv")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    # One clear message naming the benchmark...
    assert error_lines(result) == ["error: lock-2t: timed out after 1 s (see --timeout)"]
    # ...and everything else printed and saved, the failure left out.
    assert "results written to r.json (all but the 1 that failed)" in result.stderr
    saved = load_results([out / "r.json"])
    assert [r.name for r in saved] == ["lock-1t", "count-1t", "count-2t"]
    assert printed(result) == ["lock-1t", "count-1t", "count-2t"]
    assert sorted(p.name for p in out.iterdir()) == ["r.json"]  # no temporary file


@pytest.mark.parametrize("mode", ["fail", "kill", "garbage", "alien"])
def test_a_crashed_last_benchmark_keeps_the_earlier_ones(
    tmp_path: Path, fake_workers: dict[str, str], mode: str
) -> None:
    fake_workers.update({"count-2t": mode, "*": "ok"})
    result = invoke(tmp_path, "--threads", "2", "-s", "lock,count", "-o", "r.json")
    assert result.exit_code == 1, result.output
    assert "Traceback (most recent call last)" not in result.stderr
    [line] = error_lines(result)
    assert line.startswith("error: count-2t: worker ")
    assert "count-2t: failed: worker " not in result.stderr
    assert "count, 2 threads ... failed: worker " in result.stderr  # the progress line
    assert [r.name for r in load_results([tmp_path / "r.json"])] == [
        "lock-1t", "lock-2t", "count-1t"]


def test_when_every_benchmark_fails_nothing_is_written(
    tmp_path: Path, fake_workers: dict[str, str]
) -> None:
    fake_workers.update({"*": "fail"})
    result = invoke(tmp_path, "--threads", "2", "-s", "lock", "-o", "r.json")
    assert result.exit_code == 1
    assert [line.split(":")[1].strip() for line in error_lines(result)] == [
        "lock-1t", "lock-2t"]
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fakes"]


# --- writing the results file ------------------------------------------------------------

def _existing(directory: Path) -> tuple[Path, bytes]:
    path = write_suite(directory / "r.json", [make_benchmark("count", 1, period=2)])
    return path, path.read_bytes()


def _full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up half-way through writing the results."""

    def dump(self: pyperf.BenchmarkSuite, file: object, compact: bool = True,
             replace: bool = False) -> None:
        assert hasattr(file, "write")
        file.write('{"version": "1.0", "benchmarks": [')
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pyperf.BenchmarkSuite, "dump", dump)


def _read_only_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The output directory is read-only: simulated, since tests may run as root (whom
    chmod does not stop) and a read-only mount needs privileges."""

    def mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(kwargs.get("dir")))

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize(("fault", "message"), [
    (_full_disk, "No space left on device"),
    (_read_only_directory, "Read-only file system"),
])
@pytest.mark.parametrize("mode", ["--force", "--append"])
def test_a_write_failure_is_one_line_and_leaves_the_old_file(
    tmp_path: Path, fake_workers: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    fault: object, message: str, mode: str,
) -> None:
    fake_workers.update({"*": "ok"})
    path, before = _existing(tmp_path)
    assert callable(fault)
    fault(monkeypatch)
    result = invoke(tmp_path, "--threads", "2", "-s", "lock", "-o", "r.json", mode, "-f", "csv")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [line] = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("error: cannot write r.json: ") and message in line
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fakes", "r.json"]
    assert printed(result) == ["lock-1t", "lock-2t"]  # printed before the write failed


def test_an_unwritable_directory_is_refused_before_measuring(
    tmp_path: Path, fake_workers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_workers.update({"*": "hang"})  # would show up as a timeout if anything ran
    real_access = os.access

    def access(path: object, mode: int, *args: object, **kwargs: object) -> bool:
        if mode & os.W_OK and Path(str(path)).resolve() == tmp_path.resolve():
            return False
        return real_access(path, mode, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files.os, "access", access)
    result = invoke(tmp_path, "--threads", "2", "-s", "lock", "-o", "r.json", "--timeout", "1")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: r.json: directory '.' is not writable"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to a read-only directory anyway")
def test_a_read_only_directory_really_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = CliRunner().invoke(cli.main, ["run", "-o", str(locked / "r.json")])
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 2
    assert "is not writable" in result.stderr
    assert list(locked.iterdir()) == []


def test_a_file_created_during_the_run_is_not_clobbered(
    tmp_path: Path, fake_workers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_workers.update({"*": "ok"})
    real_measure_all = cli.measure_all
    intruder = b"someone else's file\n"

    def measure_then_collide(*args: object, **kwargs: object) -> measure.RunOutcome:
        outcome = real_measure_all(*args, **kwargs)  # type: ignore[arg-type]
        (tmp_path / "r.json").write_bytes(intruder)
        return outcome

    monkeypatch.setattr(cli, "measure_all", measure_then_collide)
    result = invoke(tmp_path, "--threads", "2", "-s", "lock", "-o", "r.json")
    assert result.exit_code == 2
    assert error_lines(result) == [
        "error: r.json: the file appeared while tlsbench was measuring; not replaced"]
    assert (tmp_path / "r.json").read_bytes() == intruder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fakes", "r.json"]


# --- --append ------------------------------------------------------------------------------

def _this_build(**overrides: object) -> Mapping[str, object]:
    build = cli.environment.collect()
    return {"python_version": build.python_version,
            "free_threaded": build.free_threaded} | overrides


@pytest.mark.parametrize(("existing", "args", "fragment"), [
    # Same name, other error rate: pyperf would merge the runs into a broken benchmark.
    (dict(strategy="lock", threads=2, period=10), [],
     "lock-2t was measured with 1 item in 10 failing and --work 0, this run uses 1 in 2"),
    (dict(strategy="lock", threads=2, period=2, work=5), [],
     "lock-2t was measured with 1 item in 2 failing and --work 5"),
    # Another name, other parameters: one file holds one workload.
    (dict(strategy="count", threads=1, period=2), ["--work", "3"],
     "count-1t was measured with 1 item in 2 failing and --work 0, this run uses 1 in 2 and "
     "--work 3"),
    # Same name, same workload, another interpreter.
    (dict(strategy="lock", threads=2, period=2, python_version="3.9.1"), [],
     "lock-2t was measured with python_version '3.9.1', this run would add"),
])
def test_append_refuses_a_file_of_another_workload_before_measuring(
    tmp_path: Path, fake_workers: dict[str, str], existing: dict[str, object],
    args: list[str], fragment: str,
) -> None:
    fake_workers.update({"*": "hang"})  # would show up as a timeout if anything ran
    path = write_suite(tmp_path / "r.json", [make_benchmark(**existing)])  # type: ignore[arg-type]
    before = path.read_bytes()
    result = invoke(tmp_path, "--threads", "2", "-s", "lock", "-o", "r.json", "--append",
                    "--timeout", "1", *args)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: r.json: ") and fragment in line, line
    assert path.read_bytes() == before


def test_append_refuses_a_file_from_another_machine_before_measuring(
    tmp_path: Path, fake_workers: dict[str, str]
) -> None:
    fake_workers.update({"*": "hang"})  # would show up as a timeout if anything ran
    path = write_suite(tmp_path / "r.json", [make_benchmark("lock", 2, period=2)])
    data = json.loads(path.read_text())
    data["metadata"]["hostname"] = "elsewhere.example"  # common to the file's benchmarks
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    result = invoke(tmp_path, "--threads", "2", "-s", "lock", "-o", "r.json", "--append",
                    "--timeout", "1")
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().split("\n")
    assert line.startswith("error: r.json: lock-2t was measured on elsewhere.example, not on "
                           "this machine"), line
    assert path.read_bytes() == before


def test_append_adds_runs_to_a_matching_file(
    tmp_path: Path, fake_workers: dict[str, str]
) -> None:
    fake_workers.update({"*": "ok"})
    write_suite(tmp_path / "r.json", [make_benchmark("count", 1, period=2)])
    result = invoke(tmp_path, "--threads", "2", "-s", "lock", "-o", "r.json", "--append")
    assert result.exit_code == 0, result.output
    assert [r.name for r in load_results([tmp_path / "r.json"])] == [
        "count-1t", "lock-1t", "lock-2t"]


# --- limits ------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "fragment"), [
    (["--threads", "100000"], "100000 is out of range: threads go from 1 to 1024"),
    (["--threads", "1,1025"], "threads go from 1 to 1024"),
    (["--error-rate", "1e-20"], "too small: the smallest rate is 1/2^62"),
    (["--error-rate", "5e-324"], "too small: the smallest rate is 1/2^62"),  # 1/x is inf
    (["--timeout", "1e10"], "--timeout"),
    (["--timeout", "nan"], "nan is not a number of seconds"),
    (["--timeout", "inf"], "--timeout"),
    (["--min-time", "nan"], "nan is not a number of seconds"),
])
def test_values_beyond_the_limits_are_refused_in_one_line(
    tmp_path: Path, fake_workers: dict[str, str], args: list[str], fragment: str
) -> None:
    fake_workers.update({"*": "hang"})  # would show up as a timeout if anything ran
    result = invoke(tmp_path, *args)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().split("\n")
    assert line.startswith("error: ") and fragment in line, line


def test_the_limits_themselves_are_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[measure.BenchmarkSpec] = []
    options: list[measure.MeasureOptions] = []

    def record(specs: list[measure.BenchmarkSpec], opts: measure.MeasureOptions,
               progress: object) -> measure.RunOutcome:
        seen.extend(specs)
        options.append(opts)
        return measure.RunOutcome((), ())

    monkeypatch.setattr(cli, "measure_all", record)
    result = invoke(tmp_path, "--threads", "1024", "-s", "lock", "--error-rate", "1e-12",
                    "--timeout", str(cli.MAX_TIMEOUT))
    assert result.exit_code == 0, result.output
    assert [(s.threads, s.period) for s in seen] == [(1, 10**12), (1024, 10**12)]
    assert options[0].timeout == cli.MAX_TIMEOUT


def test_the_workload_handles_the_limits() -> None:
    from tlsbench.strategies import get_strategy
    from tlsbench.workload import run_parallel

    rare = run_parallel(get_strategy("lock")(2), 2, 10_000, 10**12)
    assert rare.counted == rare.expected == 1  # only item 0 fails
    smallest = run_parallel(get_strategy("lock")(2), 2, 10, 2**62)
    assert smallest.counted == smallest.expected == 1
    crowded = run_parallel(get_strategy("count")(1024), 1024, 3000, 2)
    assert crowded.counted == crowded.expected == 1500
    assert len(crowded.thread_times) == 1024
