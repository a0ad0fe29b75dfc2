"""stderr: colour only on a terminal without NO_COLOR; warnings a reader needs."""

from __future__ import annotations

import io

import pyperf
import pytest

from tests.factory import make_benchmark
from tlsbench.cli import _RunProgress
from tlsbench.console import Console, use_color
from tlsbench.measure import BenchmarkSpec, Target


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(FakeTerminal())
    assert not use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(FakeTerminal())


def test_escape_codes_appear_only_when_colour_is_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = FakeTerminal()
    Console(stream=terminal).error("boom")
    assert "\x1b[" in terminal.getvalue() and "error: boom" in terminal.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    plain = FakeTerminal()
    Console(stream=plain).error("boom")
    assert plain.getvalue() == "error: boom\n"


def test_quiet_silences_progress_but_not_errors() -> None:
    stream = io.StringIO()
    console = Console(quiet=True, stream=stream)
    console.progress("[1/6] lock ...")
    console.error("it broke")
    assert stream.getvalue() == "error: it broke\n"


def free_threaded_bench_with_gil() -> pyperf.Benchmark:
    return make_benchmark("lock", 2, python_version="3.13.5", free_threaded=True,
                          gil_enabled=True)


def test_a_gil_re_enabled_without_asking_is_warned_about() -> None:
    stream = io.StringIO()
    spec = BenchmarkSpec("lock", 2, 2, target=Target("/x/python3.13t"))
    _RunProgress(Console(stream=stream)).finished(spec, free_threaded_bench_with_gil(), 1.0)
    assert "warning: lock-2t: the GIL was enabled at run time on free-threaded 3.13.5t" \
        in stream.getvalue()


def test_no_warning_when_the_gil_was_asked_for() -> None:
    stream = io.StringIO()
    spec = BenchmarkSpec("lock", 2, 2, target=Target("/x/python3.13t", (("PYTHON_GIL", "1"),)))
    _RunProgress(Console(stream=stream)).finished(spec, free_threaded_bench_with_gil(), 1.0)
    assert "warning" not in stream.getvalue()
