"""Property: whatever the arguments and whatever the files, no command ever shows a
traceback, and each exits 0, 1 or 2.

Arguments are drawn from each command's own options (read from click, so commands added
later are covered without touching this file) mixed with hostile values; file arguments
point at random bytes, random JSON, truncated results and results with corrupted metadata.
``run`` never measures here: its ``measure_all`` is replaced by a fake that returns
synthetic results at once, so everything around the measurement is exercised.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlsbench import cli
from tlsbench.measure import BenchmarkSpec, MeasureOptions, Progress, RunOutcome

from .factory import make_benchmark

ALLOWED_EXIT_CODES = {0, 1, 2}
FILES = ("a.json", "b.json")
TLSBENCH_KEYS = (
    "tlsbench_strategy", "tlsbench_threads", "tlsbench_period", "tlsbench_work",
    "tlsbench_safe", "tlsbench_python_version", "tlsbench_py_gil_disabled",
    "tlsbench_cpu_count", "tlsbench_switch_interval", "tlsbench_counted",
    "tlsbench_expected", "tlsbench_fairness_min", "tlsbench_gil_enabled", "loops", "name",
)


def fake_measure_all(
    specs: Sequence[BenchmarkSpec], options: MeasureOptions, progress: Progress
) -> RunOutcome:
    """Instant synthetic results for every spec (no worker is started)."""
    benchmarks = []
    for number, spec in enumerate(specs, 1):
        progress.started(number, len(specs), spec)
        bench = make_benchmark(spec.strategy, spec.threads, period=spec.period, work=spec.work,
                               tag=spec.target.tag)
        progress.finished(spec, bench, 0.0)
        benchmarks.append(bench)
    return RunOutcome(tuple(benchmarks), ())


def _valid_suite(**overrides: Any) -> dict[str, Any]:
    import pyperf

    suite = pyperf.BenchmarkSuite([make_benchmark("lock", 1), make_benchmark("lock", 2)])
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "s.json"
        suite.dump(str(path))
        data: dict[str, Any] = json.loads(path.read_text())
    return data


VALID = json.dumps(_valid_suite())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@st.composite
def corrupted_results(draw: st.DrawFn) -> str:
    """A real results file with some tlsbench (or pyperf) metadata replaced."""
    data = json.loads(VALID)
    for _ in range(draw(st.integers(1, 3))):
        bench = draw(st.sampled_from(data["benchmarks"]))
        where = draw(st.sampled_from(["common", "run"]))
        meta = bench["metadata"] if where == "common" else bench["runs"][0].setdefault(
            "metadata", {})
        key = draw(st.sampled_from(TLSBENCH_KEYS))
        if draw(st.booleans()):
            meta.pop(key, None)
        else:
            meta[key] = draw(json_values)
    return json.dumps(data, allow_nan=True)


file_contents = st.one_of(
    st.just(VALID),
    corrupted_results(),
    st.integers(0, len(VALID)).map(lambda n: VALID[:n]),  # truncated
    json_values.map(lambda v: json.dumps(v, allow_nan=True)),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
)


def _not_a_program(text: str) -> bool:
    # Never hand --python a real program (`yes`, `sh`, ...): it would be run.
    return not text.strip() or (shutil.which(text) is None and "\0" not in text)


hostile_text = st.text(max_size=12).filter(_not_a_program)
numbers = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "1", "-1", "2", "8", "1024", "1025", "100000", "1e-12", "5e-324",
                     "1e308", "nan", "inf", "-inf", "0.5", "1,2,4,8", "10%", ""]),
)
paths = st.sampled_from([*FILES, "missing.json", ".", "out.json", "out.png", "out.svg",
                         "/nonexistent/x.json", "-"])


def value_for(param: click.Parameter) -> st.SearchStrategy[str]:
    """Plausible and hostile values for one option."""
    choices: list[st.SearchStrategy[str]] = [hostile_text, numbers, paths]
    if isinstance(param.type, click.Choice):
        choices.append(st.sampled_from([str(c) for c in param.type.choices]))
    if param.name in ("strategies", "strategy"):
        choices.append(st.sampled_from(["lock", "count,threadlocal", "all", "lock,nope"]))
    return st.one_of(*choices)


def tokens_for(command: click.Command) -> st.SearchStrategy[list[str]]:
    """An argument list: options of the command with values, positional paths, and junk."""
    pieces: list[st.SearchStrategy[list[str]]] = [
        st.sampled_from([["--help"], ["--nope"], ["--"], ["-"]]),
        hostile_text.map(lambda t: [t]),
    ]
    has_arguments = False
    for param in command.params:
        if isinstance(param, click.Argument):
            has_arguments = True
            continue
        if not isinstance(param, click.Option):
            continue
        for opt in [*param.opts, *param.secondary_opts]:
            if param.is_flag or param.count:
                pieces.append(st.just([opt]))
            else:
                pieces.append(value_for(param).map(lambda v, o=opt: [o, v]))
                pieces.append(st.just([opt]))  # the value missing
    if has_arguments:
        pieces += [paths.map(lambda p: [p])] * 3
    return st.lists(st.one_of(*pieces), max_size=8).map(
        lambda groups: [token for group in groups for token in group])


def invoke_in(directory: Path, args: list[str], contents: Sequence[str]) -> Result:
    for name, text in zip(FILES, contents, strict=True):
        (directory / name).write_text(text, encoding="utf-8", errors="surrogateescape")
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(cli, "measure_all", fake_measure_all)
            return CliRunner().invoke(cli.main, args)
    finally:
        os.chdir(cwd)


def assert_clean(result: Result, args: list[str]) -> None:
    context = f"args={args!r}\nstdout={result.stdout!r}\nstderr={result.stderr!r}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}\n{context}") from result.exception
    assert result.exit_code in ALLOWED_EXIT_CODES, context
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr, context
    if result.exit_code == 2:  # bad input: one line saying why
        assert len(result.stderr.strip().split("\n")) == 1, context


#: Examples per test; raise it for a deeper search: TLSBENCH_FUZZ_EXAMPLES=2000 pytest ...
EXAMPLES = int(os.environ.get("TLSBENCH_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("name", sorted(cli.main.commands))
def test_a_command_survives_any_arguments_and_files(name: str) -> None:
    command = cli.main.commands[name]

    @FUZZ
    @given(args=tokens_for(command), contents=st.tuples(file_contents, file_contents))
    def check(args: list[str], contents: tuple[str, str]) -> None:
        with tempfile.TemporaryDirectory(prefix="tlsbench-fuzz-") as directory:
            assert_clean(invoke_in(Path(directory), [name, *args], contents), args)

    check()


@FUZZ
@given(args=st.lists(st.one_of(hostile_text, numbers, paths,
                               st.sampled_from([*cli.main.commands, "--version", "--help"])),
                     max_size=5))
def test_the_group_survives_any_arguments(args: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="tlsbench-fuzz-") as directory:
        assert_clean(invoke_in(Path(directory), args, (VALID, VALID)), args)


@pytest.mark.parametrize("command", sorted(set(cli.main.commands) - {"run"}))
@given(contents=file_contents)
@settings(max_examples=EXAMPLES, deadline=None)
def test_every_file_argument_survives_any_file(command: str, contents: str) -> None:
    """Each command given just the random file, wherever it takes files."""
    takes_files = [p for p in cli.main.commands[command].params
                   if isinstance(p, click.Argument)]
    if not takes_files:
        return
    args = [command] + ["a.json"] * sum(max(p.nargs, 1) for p in takes_files)
    if command == "plot":
        args += ["-o", "out.svg"]
    with tempfile.TemporaryDirectory(prefix="tlsbench-fuzz-") as directory:
        assert_clean(invoke_in(Path(directory), args, (contents, VALID)), args)
