"""Scaling plots: throughput against thread count, one line per strategy, one panel per build.

matplotlib is an optional extra (``pip install 'tlsbench[plot]'``); it is imported only
inside the functions here, so the rest of tlsbench never pays for it or needs it. Figures are
built with ``matplotlib.figure.Figure`` directly (no pyplot): that renders with the Agg
backend for PNG and never touches global GUI state.

What is drawn, and how it is derived:

- Each point is a result's throughput, ``BenchmarkResult.throughput`` = 1 / mean time per
  item (the same figure as the table's items/s column).
- Error bars are ± the sample standard deviation of the per-value throughputs ``1 / v``
  over the result's values (v = seconds per item). That is exact for the values measured,
  with no first-order propagation; with one value there is no spread and no bar.
- The ideal line is the best 1-thread throughput in the panel (the fastest safe strategy
  at 1 thread, named in the legend) times ``min(n, CPUs)``: past the CPU count more
  threads cannot add throughput, so the line goes flat there, and a dotted vertical line
  marks the CPU count so oversubscription is plain to see.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tlsbench.environment import BuildInfo
from tlsbench.errors import TlsbenchError
from tlsbench.files import check_output_path, write_atomically
from tlsbench.results import BenchmarkResult, ResultSet

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SUFFIXES = (".png", ".svg")
INSTALL_HINT = "pip install 'tlsbench[plot]'"

#: Panels per row before wrapping to a new row.
MAX_COLUMNS = 3


def require_matplotlib() -> None:
    """Raise a one-line TlsbenchError (exit 2) unless matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ModuleNotFoundError as exc:
        if exc.name != "matplotlib":
            raise TlsbenchError(f"matplotlib cannot be imported ({exc}); reinstall it with: "
                                f"{INSTALL_HINT}") from None
        raise TlsbenchError(f"plotting needs matplotlib, which is not installed; install it "
                            f"with: {INSTALL_HINT}") from None
    except ImportError as exc:
        raise TlsbenchError(f"matplotlib cannot be imported ({exc}); reinstall it with: "
                            f"{INSTALL_HINT}") from None


def check_output(path: str | os.PathLike[str], force: bool) -> Path:
    """Refuse a plot path that would fail or clobber, before any work is done.

    Also checks that matplotlib is there, so a long run is never wasted on a missing extra.
    """
    target = Path(path)
    if target.suffix.lower() not in SUFFIXES:
        raise TlsbenchError(
            f"{path}: a plot is .png or .svg (chosen by the file's suffix), not "
            f"{target.suffix or 'a file without a suffix'!r}"
        )
    check_output_path(target, force=force)
    require_matplotlib()
    return target


def throughput_stdev(result: BenchmarkResult) -> float:
    """Sample std dev of items/s over the result's values (each value is seconds per item)."""
    rates = [1.0 / value for value in result.values]
    return statistics.stdev(rates) if len(rates) > 1 else 0.0


@dataclass(frozen=True)
class Point:
    threads: int
    throughput: float
    stdev: float


@dataclass(frozen=True)
class Series:
    """One line: a strategy (at one workload) on one build, ordered by thread count."""

    strategy: str
    label: str
    safe: bool
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Panel:
    """One build's lines, and the ideal-scaling reference drawn under them."""

    build: BuildInfo
    series: tuple[Series, ...]
    ideal: tuple[Point, ...]
    """Empty when no strategy was measured at 1 thread."""
    ideal_label: str


def _workload(period: int, work: int) -> str:
    return f"1 item in {period} fails, work {work}"


def _series_label(results: Sequence[BenchmarkResult], with_workload: bool) -> str:
    first = results[0]
    label = first.strategy
    if with_workload:
        label += f" ({_workload(first.period, first.work)})"
    # Say plainly when a count was wrong: the throughput of a miscount is not a result.
    if not first.safe and "unsafe" not in first.strategy:
        label += " (unsafe)"
    if any(r.failed for r in results):
        label += " — MISCOUNTED"
    elif any(r.lost > 0 for r in results):
        label += " — lost updates"
    elif any(r.lost < 0 for r in results):
        label += " — over-counted"
    return label


def panels(results: ResultSet) -> list[Panel]:
    """The numbers to draw, one panel per build in order of first appearance.

    Results of the same build, strategy, workload and thread count (e.g. the same file
    given twice) are pooled, as ``pyperf --append`` does.
    """
    with_workload = len({r.parameters for r in results}) > 1
    out: list[Panel] = []
    for build in results.builds():
        grouped: dict[tuple[str, int, int], dict[int, list[BenchmarkResult]]] = {}
        for result in results:
            if result.build.tag == build.tag:
                key = (result.strategy, result.period, result.work)
                grouped.setdefault(key, {}).setdefault(result.threads, []).append(result)
        series = []
        for by_threads in grouped.values():
            points = []
            for threads in sorted(by_threads):
                pooled = _pool(by_threads[threads])
                points.append(Point(threads, pooled.throughput, throughput_stdev(pooled)))
            members = [r for group in by_threads.values() for r in group]
            series.append(Series(members[0].strategy, _series_label(members, with_workload),
                                 members[0].safe, tuple(points)))
        ideal, ideal_label = _ideal(series, build.cpu_count)
        out.append(Panel(build, tuple(series), ideal, ideal_label))
    return out


def _pool(group: list[BenchmarkResult]) -> BenchmarkResult:
    if len(group) == 1:
        return group[0]
    values = tuple(v for r in group for v in r.values)
    counted = sum(r.counted for r in group)
    expected = sum(r.expected for r in group)
    first = group[0]
    return BenchmarkResult(first.name, first.strategy, first.threads, first.period,
                           first.work, first.safe, first.build, values, counted, expected)


def _ideal(series: Sequence[Series], cpus: int) -> tuple[tuple[Point, ...], str]:
    # The reference is the fastest *safe* strategy: an unsafe one is partly fast because it
    # may drop counts. Only when no safe strategy ran at 1 thread is an unsafe one used.
    singles = [(s.safe, p.throughput, s.strategy)
               for s in series for p in s.points if p.threads == 1]
    if not singles:
        return (), ""
    _safe, best, strategy = max(singles)
    threads = sorted({p.threads for s in series for p in s.points})
    limit = cpus if cpus > 0 else max(threads)
    ideal = tuple(Point(n, best * min(n, limit), 0.0) for n in threads)
    label = f"ideal: {strategy} at 1 thread × n"  # noqa: RUF001 (a real times sign)
    if 0 < cpus < max(threads):
        label += f", flat past {cpus} CPUs"
    return ideal, label


def panel_title(build: BuildInfo) -> str:
    """``3.13.5 (GIL)``, ``3.13.5t free-threaded``: the build is plain in every panel."""
    return build.label if build.free_threaded else f"{build.label} (GIL)"


def title(results: ResultSet) -> str:
    """Interpreter(s), CPU count and parameters: what is needed to read the plot."""
    builds = results.builds()
    pythons = " vs ".join(b.label for b in builds)
    cpus = "/".join(str(c) for c in dict.fromkeys(b.cpu_count for b in builds) if c > 0)
    workloads = "; ".join(_workload(p, w) for p, w in sorted({r.parameters for r in results}))
    most_values = max(len(r.values) for r in results)
    parts = [f"Python {pythons}"]
    if cpus:
        parts.append(f"{cpus} CPUs")
    parts.append(workloads)
    return (
        "tlsbench: throughput against threads (higher is better)\n"
        + " · ".join(parts)
        + f"\nmean ± std dev over up to {most_values} values per point"
    )


def _draw_panel(ax: Axes, panel: Panel, colors: dict[str, str], threads: list[int]) -> None:
    from matplotlib.ticker import EngFormatter, FixedLocator, FuncFormatter, NullLocator

    if panel.ideal:
        ax.plot([p.threads for p in panel.ideal], [p.throughput for p in panel.ideal],
                linestyle="--", color="0.45", linewidth=1.2, label=panel.ideal_label,
                zorder=1)
    for line in panel.series:
        ax.errorbar(
            [p.threads for p in line.points],
            [p.throughput for p in line.points],
            yerr=[p.stdev for p in line.points],
            label=line.label,
            color=colors[line.strategy],
            # Unsafe strategies are dashed: they are fast partly because they may lose counts.
            linestyle="-" if line.safe else (0, (4, 2)),
            marker="o" if line.safe else "s",
            markersize=5,
            capsize=3,
            linewidth=1.8,
            zorder=3,
        )
    cpus = panel.build.cpu_count
    if 0 < cpus <= max(threads):
        ax.axvline(cpus, color="0.3", linestyle=":", linewidth=1.2, zorder=0)
        ax.annotate(f"{cpus} CPU{'s' if cpus != 1 else ''}", xy=(cpus, 0.0),
                    xycoords=("data", "axes fraction"), xytext=(4, 4),
                    textcoords="offset points", va="bottom", fontsize=9, color="0.3")
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator(threads))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(min(threads) / 1.3, max(threads) * 1.3)
    ax.yaxis.set_major_formatter(EngFormatter(sep=""))
    ax.set_xlabel("threads")
    ax.set_title(panel_title(panel.build))
    ax.grid(True, which="major", alpha=0.3)
    # Below the panel, so it never hides a line.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8,
              frameon=False)


def figure(results: ResultSet) -> Figure:
    """The scaling figure of ``results`` (a matplotlib Figure, not yet saved)."""
    require_matplotlib()
    from matplotlib.figure import Figure

    drawn = panels(results)
    columns = min(len(drawn), MAX_COLUMNS)
    rows = math.ceil(len(drawn) / columns)
    fig = Figure(figsize=(5.2 * columns + 0.6, 4.3 * rows + 1.0), layout="constrained")
    axes = fig.subplots(rows, columns, sharey=True, squeeze=False)
    palette = [f"C{i}" for i in range(10)]
    colors = {name: palette[i % len(palette)] for i, name in enumerate(results.strategies())}
    threads = results.thread_counts()
    for index, ax in enumerate(axes.flat):
        if index >= len(drawn):
            ax.set_visible(False)
            continue
        _draw_panel(ax, drawn[index], colors, threads)
    for row in axes:
        row[0].set_ylabel("throughput (items/s)")
    # From zero, set once every panel is drawn: setting a limit stops autoscaling, and the
    # shared scale must fit the highest error bar of any panel.
    axes.flat[0].set_ylim(bottom=0)
    fig.suptitle(title(results), fontsize=10)
    return fig


def write(results: ResultSet, path: str | os.PathLike[str]) -> None:
    """Draw ``results`` to ``path`` (.png or .svg, by suffix), atomically.

    The image is written to a temporary file beside ``path`` and renamed over it, so an
    error or Ctrl-C leaves the old file or the new one, never half of one.
    """
    require_matplotlib()
    import matplotlib

    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if f".{fmt}" not in SUFFIXES:
        raise TlsbenchError(f"{path}: a plot is .png or .svg, not {target.suffix!r}")
    # Text stays text in SVG (searchable, smaller); no date, so the same data gives the
    # same file.
    metadata = {"Date": None} if fmt == "svg" else {}
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tlsbench"}):
        fig = figure(results)
        write_atomically(
            target, lambda handle: fig.savefig(handle, format=fmt, dpi=120, metadata=metadata),
            binary=True,
        )
