"""Faults in the worker: a crash, a hang, a killed interpreter, unusable output.

The worker is a fake interpreter (``tests.fake_interpreter``) so each fault is certain
and quick; the orchestration under test (``tlsbench.measure``) is the real one.
"""

from __future__ import annotations

import errno
import os
import signal
import threading
import time
from pathlib import Path
from typing import TextIO

import pyperf
import pytest

from tlsbench.errors import MeasurementError, TlsbenchError
from tlsbench.measure import BenchmarkSpec, MeasureOptions, Target, measure, measure_all
from tlsbench.results import from_pyperf, load_suite, write_suite_atomically

from .factory import make_benchmark, write_suite
from .fake_interpreter import hung_pids, is_running, write_fake_interpreter


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def started(self, number: int, total: int, spec: BenchmarkSpec) -> None:
        self.events.append(("started", spec.name))

    def finished(self, spec: BenchmarkSpec, bench: object, seconds: float) -> None:
        self.events.append(("finished", spec.name))

    def failed(self, spec: BenchmarkSpec, error: MeasurementError) -> None:
        self.events.append(("failed", spec.name))


def _spec(fake: Path, threads: int = 2, strategy: str = "lock") -> BenchmarkSpec:
    return BenchmarkSpec(strategy, threads, period=2, target=Target(executable=str(fake)))


def _wait_until_gone(pids: list[int], seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if is_running(pid)]
        if not alive:
            return []
        time.sleep(0.05)
    return alive


def test_a_good_fake_worker_is_measured(tmp_path: Path) -> None:
    # The control: the fake itself works, so the failures below are the faults'.
    fake = write_fake_interpreter(tmp_path, {"*": "ok"})
    bench = measure(_spec(fake), MeasureOptions(timeout=30))
    result = from_pyperf(bench)
    assert (result.name, result.strategy, result.threads, result.period) == (
        "lock-2t", "lock", 2, 2)


def test_a_crashing_worker_is_one_clear_error_naming_the_benchmark(tmp_path: Path) -> None:
    fake = write_fake_interpreter(tmp_path, {"lock-2t": "fail"})
    with pytest.raises(MeasurementError) as caught:
        measure(_spec(fake), MeasureOptions(timeout=30))
    error = caught.value
    assert error.benchmark == "lock-2t"
    assert str(error).startswith("lock-2t: worker exited with status 1")
    # The tail of the worker's own output says why, on the same line.
    assert "the fake worker failed on purpose" in str(error)
    assert "\n" not in str(error)


def test_a_killed_interpreter_is_reported_with_its_signal(tmp_path: Path) -> None:
    fake = write_fake_interpreter(tmp_path, {"lock-2t": "kill"})
    with pytest.raises(MeasurementError, match=r"^lock-2t: worker exited with status -9"):
        measure(_spec(fake), MeasureOptions(timeout=30))


def test_a_worker_that_writes_half_a_file_is_an_error(tmp_path: Path) -> None:
    fake = write_fake_interpreter(tmp_path, {"lock-2t": "garbage"})
    with pytest.raises(MeasurementError, match=r"^lock-2t: worker wrote no usable results"):
        measure(_spec(fake), MeasureOptions(timeout=30))


def test_a_worker_that_writes_something_else_is_an_error(tmp_path: Path) -> None:
    fake = write_fake_interpreter(tmp_path, {"lock-2t": "alien"})
    with pytest.raises(MeasurementError,
                       match=r"^lock-2t: worker wrote unusable results: .*not a tlsbench result"):
        measure(_spec(fake), MeasureOptions(timeout=30))


def test_a_hung_worker_is_stopped_at_its_time_limit_with_its_children(tmp_path: Path) -> None:
    fake = write_fake_interpreter(tmp_path, {"lock-2t": "hang"})
    t0 = time.monotonic()
    with pytest.raises(MeasurementError, match=r"^lock-2t: timed out after 1\.5 s"):
        measure(_spec(fake), MeasureOptions(timeout=1.5))
    elapsed = time.monotonic() - t0
    assert 1.5 <= elapsed < 10
    pids = hung_pids(tmp_path, "lock-2t")
    assert len(pids) == 2
    # The whole process group is killed: the worker and what it started.
    assert _wait_until_gone(pids) == []


def test_measure_all_keeps_what_was_measured_around_failures(tmp_path: Path) -> None:
    fake = write_fake_interpreter(
        tmp_path, {"lock-1t": "ok", "lock-2t": "hang", "count-1t": "kill", "count-2t": "ok"}
    )
    specs = [_spec(fake, 1), _spec(fake, 2), _spec(fake, 1, "count"), _spec(fake, 2, "count")]
    recorder = _Recorder()
    outcome = measure_all(specs, MeasureOptions(timeout=1), recorder)
    assert [b.get_name() for b in outcome.benchmarks] == ["lock-1t", "count-2t"]
    assert [f.benchmark for f in outcome.failures] == ["lock-2t", "count-1t"]
    assert recorder.events == [
        ("started", "lock-1t"), ("finished", "lock-1t"),
        ("started", "lock-2t"), ("failed", "lock-2t"),
        ("started", "count-1t"), ("failed", "count-1t"),
        ("started", "count-2t"), ("finished", "count-2t"),
    ]
    assert _wait_until_gone(hung_pids(tmp_path, "lock-2t")) == []


def test_ctrl_c_during_a_benchmark_takes_its_worker_processes_down(tmp_path: Path) -> None:
    fake = write_fake_interpreter(tmp_path, {"lock-2t": "hang"})
    pid_file = tmp_path / "lock-2t.pids"

    def interrupt_once_hung() -> None:
        deadline = time.monotonic() + 10
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_once_hung, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        measure(_spec(fake), MeasureOptions(timeout=60))
    assert _wait_until_gone(hung_pids(tmp_path, "lock-2t")) == []


# --- the results file: atomic, never clobbered ---------------------------------------------

def _suite() -> pyperf.BenchmarkSuite:
    return pyperf.BenchmarkSuite([make_benchmark("lock", 1)])


@pytest.mark.parametrize("crash", [KeyboardInterrupt, OSError, MemoryError])
def test_a_crash_while_writing_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash: type[BaseException]
) -> None:
    target = write_suite(tmp_path / "r.json", [make_benchmark("count", 1)])
    before = target.read_bytes()

    def half_then_crash(self: pyperf.BenchmarkSuite, file: TextIO, **kwargs: object) -> None:
        file.write('{"version": "1.0", "benchmarks": [')
        file.flush()
        raise crash()

    monkeypatch.setattr(pyperf.BenchmarkSuite, "dump", half_then_crash)
    with pytest.raises(crash):
        write_suite_atomically(_suite(), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_writing_replaces_in_one_step(tmp_path: Path) -> None:
    target = write_suite(tmp_path / "r.json", [make_benchmark("count", 1)])
    write_suite_atomically(_suite(), target)
    assert [b.get_name() for b in load_suite(target)] == ["lock-1t"]
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_without_replace_an_existing_file_is_never_clobbered(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    write_suite_atomically(_suite(), target, replace=False)  # a new file: written
    assert [b.get_name() for b in load_suite(target)] == ["lock-1t"]
    target.write_text("someone else's\n")
    with pytest.raises(TlsbenchError, match="appeared while tlsbench was measuring"):
        write_suite_atomically(_suite(), target, replace=False)
    assert target.read_text() == "someone else's\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_without_hard_links_the_no_clobber_write_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: str, dst: object) -> None:
        raise OSError(errno.EPERM, "hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "r.json"
    write_suite_atomically(_suite(), target, replace=False)
    assert [b.get_name() for b in load_suite(target)] == ["lock-1t"]
    with pytest.raises(TlsbenchError, match="appeared"):
        write_suite_atomically(_suite(), target, replace=False)
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
