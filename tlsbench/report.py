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


def _three_figures(value: float, units: tuple[tuple[str, float], ...], suffix: str) -> str:
    """``value`` in the first unit where it shows below 1000 with three figures."""
    for unit, scale in units:
        scaled = value / scale
        if abs(float(f"{scaled:.3g}")) < 1000:
            # '#' keeps significant trailing zeros (3.00, 80.0); drop a bare point (100.).
            return f"{f'{scaled:#.3g}'.rstrip('.')} {unit}{suffix}"
    unit, scale = units[-1]
    return f"{value / scale:,.0f} {unit}{suffix}"


def format_time(seconds: float) -> str:
    """``52.3 ns``, ``1.25 µs``, ``3.40 ms``, ``80.0 ns``: three significant figures."""
    return _three_figures(seconds, (("ns", 1e-9), ("µs", 1e-6), ("ms", 1e-3), ("s", 1.0)), "")


def format_time_pm(mean: float, stdev: float) -> str:
    """``52.3 ns ± 1.2 ns``: the std dev in the mean's unit."""
    text = format_time(mean)
    unit = text.split()[-1]
    scale = {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1.0}[unit]
    spread = stdev / scale
    return f"{text} ± {spread:.0f} {unit}" if spread >= 10 else f"{text} ± {spread:.2g} {unit}"


def format_rate(per_second: float) -> str:
    """``4.88 M/s``, ``3.00 M/s``: items per second, three significant figures."""
    return _three_figures(per_second, (("", 1.0), ("k", 1e3), ("M", 1e6), ("G", 1e9)), "/s")


def format_count(result: BenchmarkResult) -> str:
    """The count check, said plainly."""
    if result.count_ok:
        return f"ok {result.counted:,}/{result.expected:,}"
    if result.safe:
        return f"FAILED: counted {result.counted:,}, expected {result.expected:,}"
    if result.lost > 0:
        return f"lost {result.lost:,} of {result.expected:,} ({result.lost_fraction:.2%})"
    return f"over-counted by {-result.lost:,} of {result.expected:,}"


def count_problems(results: ResultSet) -> tuple[list[str], list[str]]:
    """The count checks, said plainly: (failures, notes).

    A safe strategy that miscounted is a failure (a bug, never a result); an unsafe one
    that lost updates gets a note, since that loss is what it is there to show.
    """
    failures, notes = [], []
    for result in results:
        if result.failed:
            failures.append(
                f"{result.name}: the {result.strategy} strategy is safe but counted "
                f"{result.counted:,} of {result.expected:,} errors"
            )
        elif not result.count_ok:
            notes.append(f"{result.name}: {format_count(result)} — expected of an unsafe strategy")
    return failures, notes


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
        if build.free_threaded and build.gil_enabled:
            lines.append(
                f"Note: the GIL was enabled at run time on {build.python_version}t "
                "(PYTHON_GIL=1, or an extension module that is not free-threading-ready)"
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
    if len(results.builds()) > 1:
        ratio = "'B vs A' = A's time per item / B's (above 1x: B is faster)"
    else:
        ratio = f"vs lock = throughput / '{REFERENCE_STRATEGY}' at the same thread count"
    lines.append(
        f"tlsbench {version}; scaling = throughput / same strategy at 1 thread; {ratio}"
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


def _build_table(results: ResultSet) -> tuple[list[str], list[list[str]]]:
    """Several builds side by side: a time and a scaling column per build, then each
    build's speed relative to the first one (>1x: faster than the first build)."""
    builds = results.builds()
    first = builds[0]
    headers = ["strategy", "threads"]
    for build in builds:
        headers += [f"{build.label}\ntime/item", f"{build.label}\nscaling"]
    headers += [f"{build.label}\nvs {first.label}" for build in builds[1:]]
    headers.append("count check")
    by_key = {(r.result.strategy, r.threads, r.result.build.tag): r for r in rows(results)}
    body = []
    for strategy in results.strategies():
        for threads in results.thread_counts():
            cells = [by_key.get((strategy, threads, build.tag)) for build in builds]
            if not any(cells):
                continue
            line = [strategy, str(threads)]
            for cell in cells:
                line += ["—", "—"] if cell is None else [
                    format_time_pm(cell.mean_s, cell.stdev_s), _ratio(cell.scaling)]
            base = cells[0]
            for cell in cells[1:]:
                line.append(_ratio(base.mean_s / cell.mean_s) if base and cell else "—")
            problems = [f"{build.label}: {cell.check}"
                        for build, cell in zip(builds, cells, strict=True)
                        if cell is not None and not cell.result.count_ok]
            line.append("; ".join(problems) if problems else "ok")
            body.append(line)
    return headers, body


def _fairness(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _with_fairness(results: ResultSet, headers: list[str],
                   body: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """--verbose: a fairness column per build, after the rest (rows start strategy, threads)."""
    builds = results.builds()
    fairness = {(r.strategy, str(r.threads), r.build.tag): r.fairness_min
                for r in results if r.threads > 1}  # one thread is trivially fair
    headers = headers + ["fairness" if len(builds) == 1 else f"{build.label}\nfairness"
                         for build in builds]
    body = [line + [_fairness(fairness.get((line[0], line[1], build.tag))) for build in builds]
            for line in body]
    return headers, body


FAIRNESS_NOTE = ("fairness = Jain's index of the threads' finish times in the worst measured "
                 "batch: 1 when all finish together, toward 1/N as one finishes long after "
                 "the rest")


def render(results: ResultSet, fmt: str, verbose: bool = False) -> str:
    """The table of ``results`` in ``fmt`` (one of FORMATS); ``verbose`` adds fairness.

    With one build: a row per strategy and thread count. With several (``--python``, or
    ``show`` of several files): the builds side by side. CSV and JSON always hold one
    flat row per benchmark, with its build's columns.
    """
    table = rows(results)
    if fmt in ("table", "markdown"):
        if len(results.builds()) > 1:
            headers, body = _build_table(results)
        else:
            headers, body = HEADERS, _table_rows(table, with_build=False)
        lines = header_lines(results)
        if verbose:
            headers, body = _with_fairness(results, headers, body)
            lines.append(FAIRNESS_NOTE)
        if fmt == "table":
            head = "\n".join(lines)
            text = tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True)
        else:
            head = "\n".join(f"- {line}" for line in lines)
            headers = [h.replace("\n", " ") for h in headers]
            text = tabulate(body, headers=headers, tablefmt="github", disable_numparse=True)
        return f"{head}\n\n{text}\n"
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
