"""The results model: tlsbench's view of a pyperf results file.

A results file is a plain pyperf BenchmarkSuite (so ``python -m pyperf show`` and
``compare_to`` read it). Each benchmark carries tlsbench's metadata (``tlsbench_*`` keys):
the parameters on every run, and per run the count check made in the worker
(``tlsbench_counted`` / ``tlsbench_expected``) and the GIL state observed at run time.

Benchmark names are stable: ``{strategy}-{threads}t`` (``lock-8t``), with ``@{tag}``
appended when one file holds several builds (``lock-8t@py3.13.0t``).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyperf

from tlsbench.environment import BuildInfo
from tlsbench.errors import TlsbenchError
from tlsbench.files import write_atomically


def benchmark_name(strategy: str, threads: int, tag: str | None = None) -> str:
    """The stable name of a benchmark; ``tag`` distinguishes builds sharing one file."""
    name = f"{strategy}-{threads}t"
    return f"{name}@{tag}" if tag else name


@dataclass(frozen=True)
class BenchmarkResult:
    """One strategy at one thread count on one build: values in seconds per item."""

    name: str
    strategy: str
    threads: int
    period: int
    work: int
    safe: bool
    build: BuildInfo
    values: tuple[float, ...]
    counted: int
    expected: int
    fairness_min: float | None = None
    tlsbench_version: str = ""
    loops: int | None = None

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values)

    @property
    def stdev(self) -> float:
        return statistics.stdev(self.values) if len(self.values) > 1 else 0.0

    @property
    def throughput(self) -> float:
        """Items per second, from the mean time per item."""
        return 1.0 / self.mean

    @property
    def error_rate(self) -> float:
        return 1.0 / self.period

    @property
    def lost(self) -> int:
        """Updates lost over all measured batches (negative if over-counted)."""
        return self.expected - self.counted

    @property
    def lost_fraction(self) -> float:
        return self.lost / self.expected if self.expected else 0.0

    @property
    def count_ok(self) -> bool:
        return self.counted == self.expected

    @property
    def failed(self) -> bool:
        """A safe strategy that miscounted: a bug, never a result."""
        return self.safe and not self.count_ok

    @property
    def parameters(self) -> tuple[int, int]:
        """What must match for two results to be comparable: (period, work)."""
        return (self.period, self.work)


@dataclass(frozen=True)
class ResultSet:
    """Every benchmark of one or more results files, in file order."""

    results: tuple[BenchmarkResult, ...]
    sources: tuple[str, ...] = field(default=())

    def __iter__(self) -> Iterator[BenchmarkResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def builds(self) -> list[BuildInfo]:
        """The distinct builds, in order of first appearance."""
        seen: dict[str, BuildInfo] = {}
        for result in self.results:
            seen.setdefault(result.build.tag, result.build)
        return list(seen.values())

    def strategies(self) -> list[str]:
        return list(dict.fromkeys(r.strategy for r in self.results))

    def thread_counts(self) -> list[int]:
        return sorted({r.threads for r in self.results})

    def find(self, strategy: str, threads: int, tag: str | None = None) -> BenchmarkResult | None:
        for result in self.results:
            if result.strategy == strategy and result.threads == threads and (
                tag is None or result.build.tag == tag
            ):
                return result
        return None


def _meta(metadata: dict[str, Any], key: str, source: str, name: str) -> Any:
    try:
        return metadata[key]
    except KeyError:
        raise TlsbenchError(
            f"{source}: benchmark {name!r} has no {key!r} metadata: not a tlsbench result"
        ) from None


def from_pyperf(bench: pyperf.Benchmark, source: str = "<memory>") -> BenchmarkResult:
    """Build a result from a pyperf Benchmark written by tlsbench's worker.

    Metadata of the wrong type or out of range (a hand-edited or corrupted file) is a
    TlsbenchError naming the file and the benchmark.
    """
    name = bench.get_name()
    try:
        result = _from_pyperf(bench, source, name)
    except (ValueError, TypeError, OverflowError) as exc:
        raise TlsbenchError(
            f"{source}: benchmark {name!r} has malformed tlsbench metadata: {exc}"
        ) from None
    if result.threads < 1 or result.period < 1 or result.work < 0:
        raise TlsbenchError(
            f"{source}: benchmark {name!r} has impossible parameters: {result.threads} "
            f"threads, 1 item in {result.period} failing, --work {result.work}"
        )
    return result


def _from_pyperf(bench: pyperf.Benchmark, source: str, name: str) -> BenchmarkResult:
    common = bench.get_metadata()
    runs = bench.get_runs()
    counted = expected = 0
    fairness: list[float] = []
    gil_states: set[int] = set()
    for run in runs:
        meta = run.get_metadata()
        counted += int(meta.get("tlsbench_counted", 0))
        expected += int(meta.get("tlsbench_expected", 0))
        # Not from calibration runs (no values): their tiny batches can end before the
        # last thread starts, which says nothing about the measured batches.
        if "tlsbench_fairness_min" in meta and run.values:
            fairness.append(float(meta["tlsbench_fairness_min"]))
        if "tlsbench_gil_enabled" in meta:
            gil_states.add(int(meta["tlsbench_gil_enabled"]))
    if "tlsbench_strategy" not in common:
        raise TlsbenchError(f"{source}: benchmark {name!r} is not a tlsbench result")
    values = tuple(bench.get_values())
    if not values:
        raise TlsbenchError(f"{source}: benchmark {name!r} has no values")
    build = BuildInfo(
        python_version=str(_meta(common, "tlsbench_python_version", source, name)),
        implementation=str(common.get("tlsbench_implementation", "CPython")),
        free_threaded=bool(int(_meta(common, "tlsbench_py_gil_disabled", source, name))),
        # If any run saw the GIL enabled, say so: that is what limited the numbers.
        gil_enabled=bool(max(gil_states)) if gil_states else True,
        executable=str(common.get("tlsbench_executable", "")),
        cpu_count=int(common.get("tlsbench_cpu_count", 0)),
        switch_interval=float(common.get("tlsbench_switch_interval", 0.0)),
        platform=str(common.get("tlsbench_platform", "")),
    )
    loops = common.get("loops")
    return BenchmarkResult(
        name=name,
        strategy=str(common["tlsbench_strategy"]),
        threads=int(_meta(common, "tlsbench_threads", source, name)),
        period=int(_meta(common, "tlsbench_period", source, name)),
        work=int(common.get("tlsbench_work", 0)),
        safe=bool(int(common.get("tlsbench_safe", 1))),
        build=build,
        values=values,
        counted=counted,
        expected=expected,
        fairness_min=min(fairness) if fairness else None,
        tlsbench_version=str(common.get("tlsbench_version", "")),
        loops=int(loops) if loops is not None else None,
    )


def load_suite(path: str | os.PathLike[str]) -> pyperf.BenchmarkSuite:
    """Read a pyperf results file; every way it can be unusable becomes a TlsbenchError."""
    source = str(path)
    p = Path(path)
    if not p.exists():
        raise TlsbenchError(f"{source}: no such file")
    if p.is_dir():
        raise TlsbenchError(f"{source}: is a directory, not a results file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TlsbenchError(f"{source}: cannot read: {exc}") from None
    if not text.strip():
        raise TlsbenchError(f"{source}: the file is empty")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TlsbenchError(f"{source}: not valid JSON (truncated?): {exc}") from None
    if not isinstance(data, dict) or "benchmarks" not in data:
        raise TlsbenchError(f"{source}: not a pyperf results file")
    try:
        return pyperf.BenchmarkSuite.loads(text)
    except Exception as exc:  # pyperf raises assorted errors on malformed content
        raise TlsbenchError(f"{source}: not a valid pyperf results file: {exc}") from None


def load_results(paths: Iterable[str | os.PathLike[str]]) -> ResultSet:
    """Load one or more results files into one ResultSet."""
    results: list[BenchmarkResult] = []
    sources: list[str] = []
    for path in paths:
        suite = load_suite(path)
        sources.append(str(path))
        loaded = [from_pyperf(bench, str(path)) for bench in suite]
        # The same build in two files (two runs of one interpreter): name each by its file,
        # so that they stand side by side instead of one hiding the other.
        seen_before = {r.build.tag for r in results}
        if any(r.build.tag in seen_before for r in loaded):
            variant = Path(path).stem
            loaded = [replace(r, build=replace(r.build, variant=variant)) for r in loaded]
        results.extend(loaded)
    if not results:
        raise TlsbenchError("no benchmarks in " + ", ".join(sources))
    return ResultSet(tuple(results), tuple(sources))


def write_suite_atomically(
    suite: pyperf.BenchmarkSuite, path: str | os.PathLike[str], *, replace: bool = True
) -> None:
    """Write ``suite`` to ``path`` atomically (see ``files.write_atomically``); with
    ``replace=False`` an existing file is never clobbered."""
    write_atomically(path, lambda handle: suite.dump(handle, compact=False), replace=replace)


#: What must be the same for two runs to be one benchmark (BuildInfo fields).
_SAME_BUILD = ("python_version", "implementation", "free_threaded", "executable")


def check_append(
    existing: pyperf.BenchmarkSuite,
    source: str,
    period: int,
    work: int,
    builds: Mapping[str, BuildInfo] | None = None,
) -> None:
    """Refuse, before anything is measured, to append a run to a file it does not fit.

    One results file holds one workload: every benchmark in it must have the run's period
    and work (a same-named benchmark measured otherwise would be merged into one
    meaningless benchmark). ``builds`` maps the names about to be measured to the build
    that will measure them: a benchmark that gets more runs must keep its build and its
    machine (pyperf refuses to merge runs from another host).
    """
    for bench in existing:
        old = from_pyperf(bench, source)
        if old.parameters != (period, work):
            raise TlsbenchError(
                f"{source}: {old.name} was measured with 1 item in {old.period} failing and "
                f"--work {old.work}, this run uses 1 in {period} and --work {work}; "
                "one file holds one workload: write to another file"
            )
        new = (builds or {}).get(old.name)
        if new is None:
            continue
        host = bench.get_metadata().get("hostname")
        if host is not None and host != socket.gethostname():
            raise TlsbenchError(
                f"{source}: {old.name} was measured on {host}, not on this machine "
                f"({socket.gethostname()}); write to another file"
            )
        for key in _SAME_BUILD:
            if getattr(new, key) != getattr(old.build, key):
                raise TlsbenchError(
                    f"{source}: {old.name} was measured with {key} "
                    f"{getattr(old.build, key)!r}, this run would add {getattr(new, key)!r}; "
                    "write to another file"
                )


def merge_suites(
    benchmarks: Iterable[pyperf.Benchmark], existing: pyperf.BenchmarkSuite | None = None
) -> pyperf.BenchmarkSuite:
    """A suite holding ``existing``'s benchmarks plus ``benchmarks`` (runs of a same-named
    benchmark are added to it, as ``pyperf --append`` does)."""
    benchmarks = list(benchmarks)
    if existing is None:
        return pyperf.BenchmarkSuite(benchmarks)
    for bench in benchmarks:
        try:
            existing.add_runs(bench)
        except ValueError as exc:  # pyperf refuses runs from another machine or build
            raise ValueError(f"cannot add {bench.get_name()} to it: {exc}") from None
    return existing
