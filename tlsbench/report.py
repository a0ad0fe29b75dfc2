"""Output formats: the contention table as text, markdown, CSV or JSON.

``rows()`` computes the numbers once; the formats only render them. Machine formats
(CSV, JSON) carry raw numbers (seconds, items/s); the human ones carry rounded text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from tabulate import tabulate

from tlsbench import __version__
from tlsbench.results import BenchmarkResult, ResultSet

FORMATS = ("table", "markdown", "csv", "json")

#: The strategy every row is compared with in the "vs lock" column.
REFERENCE_STRATEGY = "lock"


def format_time(seconds: float) -> str:
    """``52.3 ns``, ``1.25 µs``, ``3.40 ms``: three significant figures."""
    for unit, scale in (("ns", 1e-9), ("µs", 1e-6), ("ms", 1e-3)):
        if abs(seconds) < scale * 1000:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds:.3g} s"


def format_time_pm(mean: float, stdev: float) -> str:
    """``52.3 ns ± 1.2 ns``: the std dev in the mean's unit."""
    text = format_time(mean)
    unit = text.split()[-1]
    scale = {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1.0}[unit]
    spread = stdev / scale
    return f"{text} ± {spread:.0f} {unit}" if spread >= 10 else f"{text} ± {spread:.2g} {unit}"


def format_rate(per_second: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if per_second >= scale:
            return f"{per_second / scale:.3g} {unit}/s"
    return f"{per_second:.3g} /s"


def format_count(result: BenchmarkResult) -> str:
    """The count check, said plainly."""
    if result.count_ok:
        return f"ok {result.counted:,}/{result.expected:,}"
    if result.safe:
        return f"FAILED: counted {result.counted:,}, expected {result.expected:,}"
    if result.lost > 0:
        return f"lost {result.lost:,} of {result.expected:,} ({result.lost_fraction:.2%})"
    return f"over-counted by {-result.lost:,} of {result.expected:,}"


@dataclass(frozen=True)
class Row:
    """One line of the contention table, with raw numbers."""

    build: str
    strategy: str
    threads: int
    mean_s: float
    stdev_s: float
    values: int
    items_per_s: float
    scaling: float | None
    """Throughput over the same strategy's at 1 thread."""
    vs_lock: float | None
    """Throughput over the lock-guarded counter's at the same thread count."""
    counted: int
    expected: int
    lost: int
    safe: bool
    fairness_min: float | None
    result: BenchmarkResult

    @property
    def check(self) -> str:
        return format_count(self.result)


def rows(results: ResultSet) -> list[Row]:
    out: list[Row] = []
    for result in results:
        tag = result.build.tag
        single = results.find(result.strategy, 1, tag)
        reference = results.find(REFERENCE_STRATEGY, result.threads, tag)
        out.append(
            Row(
                build=result.build.label,
                strategy=result.strategy,
                threads=result.threads,
                mean_s=result.mean,
                stdev_s=result.stdev,
                values=len(result.values),
                items_per_s=result.throughput,
                scaling=result.throughput / single.throughput if single else None,
                vs_lock=result.throughput / reference.throughput if reference else None,
                counted=result.counted,
                expected=result.expected,
                lost=result.lost,
                safe=result.safe,
                fairness_min=result.fairness_min,
                result=result,
            )
        )
    return out


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def header_lines(results: ResultSet) -> list[str]:
    """What is needed to reproduce the table: interpreter, build, GIL state, CPUs, parameters."""
    lines = []
    for build in results.builds():
        gil = "enabled" if build.gil_enabled else "disabled"
        lines.append(
            f"Python {build.python_version} ({build.implementation}), {build.build_name} build, "
            f"GIL {gil} at run time, {build.cpu_count} CPUs, switch interval "
            f"{build.switch_interval * 1000:g} ms"
        )
    first = results.results[0]
    params = sorted({(r.period, r.work) for r in results})
    for period, work in params:
        lines.append(
            f"Workload: 1 item in {period} is an error (error rate {1 / period:.3g}), "
            f"work per item {work}; time per item is the parallel region's wall time "
            "over the items in the batch"
        )
    cpus = max(b.cpu_count for b in results.builds())
    most = max(results.thread_counts())
    if most > cpus:
        lines.append(
            f"Note: {most} threads on {cpus} CPUs: threads outnumber the cores, "
            "so they also contend for CPU time"
        )
    version = first.tlsbench_version or __version__
    lines.append(
        f"tlsbench {version}; scaling = throughput / same strategy at 1 thread; "
        f"vs lock = throughput / '{REFERENCE_STRATEGY}' at the same thread count"
    )
    return lines


def _table_rows(table: Sequence[Row], with_build: bool) -> list[list[str]]:
    body = []
    for row in table:
        line = [
            row.strategy,
            str(row.threads),
            format_time_pm(row.mean_s, row.stdev_s),
            format_rate(row.items_per_s),
            _ratio(row.scaling),
            _ratio(row.vs_lock),
            row.check,
        ]
        body.append(([row.build] if with_build else []) + line)
    return body


HEADERS = ["strategy", "threads", "time/item (mean ± std)", "items/s", "scaling", "vs lock",
           "count check"]


def render(results: ResultSet, fmt: str) -> str:
    """The table of ``results`` in ``fmt`` (one of FORMATS)."""
    table = rows(results)
    with_build = len(results.builds()) > 1
    headers = (["build"] if with_build else []) + HEADERS
    if fmt == "table":
        head = "\n".join(header_lines(results))
        body = tabulate(_table_rows(table, with_build), headers=headers, tablefmt="simple",
                        disable_numparse=True)
        return f"{head}\n\n{body}\n"
    if fmt == "markdown":
        head = "\n".join(f"- {line}" for line in header_lines(results))
        body = tabulate(_table_rows(table, with_build), headers=headers, tablefmt="github",
                        disable_numparse=True)
        return f"{head}\n\n{body}\n"
    if fmt == "csv":
        return _render_csv(table)
    if fmt == "json":
        return _render_json(results, table)
    raise ValueError(f"unknown format {fmt!r}")


_CSV_FIELDS = ["python_version", "free_threaded", "gil_enabled", "strategy", "threads", "period",
               "work", "mean_s", "stdev_s", "values", "items_per_s", "scaling", "vs_lock",
               "counted", "expected", "lost", "safe", "fairness_min"]


def _raw(row: Row) -> dict[str, object]:
    build = row.result.build
    return {
        "name": row.result.name,
        "python_version": build.python_version,
        "free_threaded": build.free_threaded,
        "gil_enabled": build.gil_enabled,
        "strategy": row.strategy,
        "threads": row.threads,
        "period": row.result.period,
        "work": row.result.work,
        "mean_s": row.mean_s,
        "stdev_s": row.stdev_s,
        "values": row.values,
        "items_per_s": row.items_per_s,
        "scaling": row.scaling,
        "vs_lock": row.vs_lock,
        "counted": row.counted,
        "expected": row.expected,
        "lost": row.lost,
        "safe": row.safe,
        "fairness_min": row.fairness_min,
    }


def _render_csv(table: Sequence[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_CSV_FIELDS, extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in table:
        writer.writerow(_raw(row))
    return buffer.getvalue()


def _render_json(results: ResultSet, table: Sequence[Row]) -> str:
    document = {
        "tlsbench_version": __version__,
        "builds": [asdict(build) | {"label": build.label, "tag": build.tag}
                   for build in results.builds()],
        "rows": [_raw(row) for row in table],
    }
    return json.dumps(document, indent=2) + "\n"
