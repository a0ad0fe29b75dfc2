"""Running benchmarks: one pyperf program per benchmark, in the interpreter under test.

For each (interpreter, strategy, thread count) this starts ``python -m tlsbench.worker``
(which owns pyperf's Runner, see ``tlsbench.worker``), waits for it with a time limit,
and reads back the pyperf JSON it wrote. One process per benchmark gives progress after
each benchmark, a time limit per benchmark, and keeps what was measured when a later
benchmark fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyperf

import tlsbench
from tlsbench.errors import MeasurementError, TlsbenchError
from tlsbench.results import benchmark_name, from_pyperf

#: Largest thread count accepted: beyond it thread creation, not counting, is measured.
MAX_THREADS = 1024


@dataclass(frozen=True)
class Target:
    """An interpreter to measure in, with extra environment (e.g. PYTHON_GIL) for it."""

    executable: str = sys.executable
    env: tuple[tuple[str, str], ...] = ()
    #: Distinguishes builds in benchmark names when one file holds several.
    tag: str | None = None


@dataclass(frozen=True)
class BenchmarkSpec:
    """One benchmark to measure."""

    strategy: str
    threads: int
    period: int
    work: int = 0
    target: Target = field(default_factory=Target)

    @property
    def name(self) -> str:
        return benchmark_name(self.strategy, self.threads, self.target.tag)

    @property
    def description(self) -> str:
        plural = "thread" if self.threads == 1 else "threads"
        where = f" [{self.target.tag}]" if self.target.tag else ""
        return f"{self.strategy}, {self.threads} {plural}{where}"


@dataclass(frozen=True)
class MeasureOptions:
    """How hard pyperf measures; None leaves tlsbench's default (see tlsbench.worker)."""

    fast: bool = False
    rigorous: bool = False
    processes: int | None = None
    values: int | None = None
    warmups: int | None = None
    min_time: float | None = None
    loops: int | None = None
    #: Seconds one benchmark may take before its processes are killed.
    timeout: float | None = 600.0

    def pyperf_args(self) -> list[str]:
        args: list[str] = []
        if self.fast:
            args.append("--fast")
        if self.rigorous:
            args.append("--rigorous")
        for flag, value in (
            ("--processes", self.processes),
            ("--values", self.values),
            ("--warmups", self.warmups),
            ("--min-time", self.min_time),
            ("--loops", self.loops),
        ):
            if value is not None:
                args += [flag, str(value)]
        return args


def thread_counts(requested: Sequence[int]) -> list[int]:
    """The thread counts to measure: one number N means 1 and N; a list is swept as given."""
    counts = sorted(set(requested))
    if len(counts) == 1:
        counts = sorted({1, counts[0]})
    return counts


def plan(
    strategies: Sequence[str],
    threads: Sequence[int],
    period: int,
    work: int = 0,
    targets: Sequence[Target] = (Target(),),
) -> list[BenchmarkSpec]:
    """Every benchmark of a run, grouped by interpreter, then strategy, then thread count."""
    return [
        BenchmarkSpec(strategy, count, period, work, target)
        for target in targets
        for strategy in strategies
        for count in thread_counts(threads)
    ]


@contextlib.contextmanager
def worker_path() -> Iterator[str]:
    """A directory holding only tlsbench and pyperf, for another interpreter's PYTHONPATH.

    Both are pure Python. Putting our whole site-packages on the path instead could hand
    another interpreter extension modules built for this one.
    """
    with tempfile.TemporaryDirectory(prefix="tlsbench-path-") as directory:
        for module in (tlsbench, pyperf):
            package_dir = Path(str(module.__file__)).parent
            os.symlink(package_dir, Path(directory) / package_dir.name)
        yield directory


def worker_env(target: Target, pythonpath: str | None) -> dict[str, str]:
    """The worker's environment: ours, the target's extra variables, and tlsbench+pyperf
    first on PYTHONPATH, so the worker imports the very code that is running here."""
    env = dict(os.environ)
    env.update(target.env)
    if pythonpath:
        existing = env.get("PYTHONPATH")
        env["PYTHONPATH"] = pythonpath + (os.pathsep + existing if existing else "")
    return env


def worker_command(spec: BenchmarkSpec, options: MeasureOptions, output: str) -> list[str]:
    return [
        spec.target.executable, "-m", "tlsbench.worker",
        "--name", spec.name,
        "--strategy", spec.strategy,
        "--threads", str(spec.threads),
        "--period", str(spec.period),
        "--work", str(spec.work),
        *options.pyperf_args(),
        "--quiet",
        "--output", output,
    ]


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    # The worker and the processes pyperf spawned share one process group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _failure_summary(output: bytes) -> str:
    lines = [line.strip() for line in output.decode(errors="replace").splitlines()]
    # A traceback's header says nothing: the error is on the lines below it.
    lines = [line for line in lines if line and not line.startswith("Traceback (most recent")]
    if not lines:
        return "the worker failed without a message"
    # The last lines name the error; a traceback's tail is the useful part.
    return " | ".join(lines[-3:])


def measure(
    spec: BenchmarkSpec, options: MeasureOptions, pythonpath: str | None = None
) -> pyperf.Benchmark:
    """Measure one benchmark; raises MeasurementError if it fails or exceeds its time limit."""
    with tempfile.TemporaryDirectory(prefix="tlsbench-") as workdir:
        output = os.path.join(workdir, "bench.json")
        proc = subprocess.Popen(
            worker_command(spec, options, output),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=worker_env(spec.target, pythonpath),
            cwd=workdir,
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(timeout=options.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise MeasurementError(
                spec.name, f"timed out after {options.timeout:g} s (see --timeout)"
            ) from None
        except BaseException:  # Ctrl-C: take the worker processes down with us
            _kill_group(proc)
            raise
        if proc.returncode != 0:
            raise MeasurementError(
                spec.name,
                f"worker exited with status {proc.returncode}: {_failure_summary(out)}",
            )
        try:
            suite = pyperf.BenchmarkSuite.load(output)
        except (OSError, ValueError) as exc:
            raise MeasurementError(spec.name, f"worker wrote no usable results: {exc}") from None
    benchmarks = suite.get_benchmarks()
    if len(benchmarks) != 1:
        raise MeasurementError(spec.name, f"worker wrote {len(benchmarks)} benchmarks, not 1")
    bench: pyperf.Benchmark = benchmarks[0]
    try:  # checked here, so that a bad one costs only this benchmark, not the run
        from_pyperf(bench, spec.name)
    except TlsbenchError as exc:
        raise MeasurementError(spec.name, f"worker wrote unusable results: {exc}") from None
    return bench


class Progress(Protocol):
    """Told about each benchmark as a run goes (the CLI prints it on stderr)."""

    def started(self, number: int, total: int, spec: BenchmarkSpec) -> None: ...

    def finished(self, spec: BenchmarkSpec, bench: pyperf.Benchmark, seconds: float) -> None: ...

    def failed(self, spec: BenchmarkSpec, error: MeasurementError) -> None: ...


@dataclass(frozen=True)
class RunOutcome:
    """What a run measured, and what it could not."""

    benchmarks: tuple[pyperf.Benchmark, ...]
    failures: tuple[MeasurementError, ...]


def measure_all(
    specs: Sequence[BenchmarkSpec], options: MeasureOptions, progress: Progress
) -> RunOutcome:
    """Measure every spec in turn. A failed benchmark is reported and the run goes on,
    so one crash or hang never costs the results already measured."""
    benchmarks: list[pyperf.Benchmark] = []
    failures: list[MeasurementError] = []
    with worker_path() as pythonpath:
        for number, spec in enumerate(specs, 1):
            progress.started(number, len(specs), spec)
            t0 = time.monotonic()
            try:
                bench = measure(spec, options, pythonpath)
            except MeasurementError as exc:
                failures.append(exc)
                progress.failed(spec, exc)
                continue
            benchmarks.append(bench)
            progress.finished(spec, bench, time.monotonic() - t0)
    return RunOutcome(tuple(benchmarks), tuple(failures))
