"""Compare two results files: the CI regression gate behind ``tlsbench compare``.

Benchmarks are matched by strategy and thread count (and by build when either file holds
several builds). For each pair, Welch's two-sample t-test on the values decides whether
the change is significant at 95% confidence; a *regression* is a change that is both
significant and slower than the threshold (``--max-regression``, default 10%).

Welch's test is used rather than pyperf's private Student's test because it does not
assume equal variances or equal sample sizes (a baseline taken with ``--rigorous`` can be
compared with a quicker run), and because a self-contained test is one we can check.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from tlsbench import __version__
from tlsbench.errors import TlsbenchError
from tlsbench.files import write_atomically
from tlsbench.report import format_time, format_time_pm
from tlsbench.results import BenchmarkResult, ResultSet, benchmark_name

FORMATS = ("table", "markdown", "json", "csv")

#: The default --max-regression, as a fraction: a significant slowdown of more than 10%.
DEFAULT_MAX_REGRESSION = 0.10

FASTER, SLOWER, SAME = "faster", "slower", "no significant change"

#: Two-sided 95% critical values of Student's t distribution, by degrees of freedom
#: (the usual printed table; pyperf uses the same figures).
_T_CRITICAL_95: dict[int, float] = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120,
    17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064,
    25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 50: 2.009,
    60: 2.000, 80: 1.990, 100: 1.984, 120: 1.980,
}
_T_CRITICAL_95_INFINITE = 1.960


def t_critical_95(df: float) -> float:
    """The two-sided 95% critical value of t for ``df`` (> 0) degrees of freedom.

    Between tabulated degrees of freedom (Welch's df is fractional) the value is
    interpolated linearly in 1/df, the textbook rule, accurate to about 0.001.
    """
    if not df > 0:
        raise ValueError(f"degrees of freedom must be positive, not {df}")
    if df < 1:
        # Welch's df is never below min(n) - 1 >= 1; keep any other caller on the table.
        return _T_CRITICAL_95[1]
    table = sorted(_T_CRITICAL_95.items())
    for (lo_df, lo_t), (hi_df, hi_t) in pairwise(table):
        if lo_df <= df <= hi_df:
            share = (1 / lo_df - 1 / df) / (1 / lo_df - 1 / hi_df)
            return lo_t + share * (hi_t - lo_t)
    last_df, last_t = table[-1]
    share = (1 / last_df - 1 / df) / (1 / last_df)  # towards df = infinity, where 1/df = 0
    return last_t + share * (_T_CRITICAL_95_INFINITE - last_t)


@dataclass(frozen=True)
class Significance:
    """The outcome of Welch's t-test on two samples (``t`` > 0: the second is larger)."""

    significant: bool
    t: float | None
    """None when the test could not run (fewer than two values in a sample)."""
    df: float | None
    critical: float | None

    @property
    def tested(self) -> bool:
        return self.t is not None


def welch_t_test(first: Sequence[float], second: Sequence[float]) -> Significance:
    """Whether the means of two samples differ at 95% confidence (two-sided Welch's test).

    With fewer than two values in either sample there is no variance to test against, so
    the change counts as significant and the threshold alone decides (as pyperf does).
    """
    if len(first) < 2 or len(second) < 2:
        return Significance(significant=True, t=None, df=None, critical=None)
    mean1, mean2 = statistics.fmean(first), statistics.fmean(second)
    share1 = statistics.variance(first) / len(first)
    share2 = statistics.variance(second) / len(second)
    error = share1 + share2
    if error == 0:
        # Both samples constant: any difference at all is certain.
        diff = mean2 - mean1
        t = 0.0 if diff == 0 else math.copysign(math.inf, diff)
        return Significance(significant=diff != 0, t=t, df=None, critical=None)
    t = (mean2 - mean1) / math.sqrt(error)
    df = error**2 / (share1**2 / (len(first) - 1) + share2**2 / (len(second) - 1))
    critical = t_critical_95(df)
    return Significance(significant=abs(t) >= critical, t=t, df=df, critical=critical)


_THRESHOLD = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*%?\s*$")


def parse_threshold(text: str) -> float:
    """``10%`` or ``10`` → 0.10: the number is always a percentage.

    Raises ValueError on anything else (a negative number, ``0.1x``, an empty string).
    """
    match = _THRESHOLD.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a percentage: write it as 10% or 10")
    percent = float(match.group(1))
    if percent > 1000:
        raise ValueError(f"{text!r} is too large: at most 1000%")
    return percent / 100


@dataclass(frozen=True)
class Comparison:
    """One benchmark in both files."""

    name: str
    baseline: BenchmarkResult
    current: BenchmarkResult
    test: Significance
    max_regression: float

    @property
    def change(self) -> float:
        """Change in time per item, as a fraction of the baseline (> 0: slower)."""
        return (self.current.mean - self.baseline.mean) / self.baseline.mean

    @property
    def verdict(self) -> str:
        if not self.test.significant or self.change == 0:
            return SAME
        return SLOWER if self.change > 0 else FASTER

    @property
    def regression(self) -> bool:
        return self.verdict == SLOWER and self.change > self.max_regression


@dataclass(frozen=True)
class ComparisonReport:
    """Everything ``tlsbench compare`` says about two results files."""

    baseline: ResultSet
    current: ResultSet
    baseline_source: str
    current_source: str
    comparisons: tuple[Comparison, ...]
    only_in_baseline: tuple[str, ...]
    only_in_current: tuple[str, ...]
    mismatches: tuple[str, ...]
    """Differences in build or parameters between matched benchmarks."""
    notes: tuple[str, ...]
    """Differences worth knowing that do not stop a comparison (CPU count)."""
    max_regression: float
    by_build: bool

    @property
    def regressions(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.regression]


def _key(result: BenchmarkResult, by_build: bool) -> tuple[str, int, str]:
    return (result.strategy, result.threads, result.build.tag if by_build else "")


def _index(results: ResultSet, source: str, by_build: bool) -> dict[tuple[str, int, str],
                                                                    BenchmarkResult]:
    index: dict[tuple[str, int, str], BenchmarkResult] = {}
    for result in results:
        key = _key(result, by_build)
        if key in index:
            raise TlsbenchError(
                f"{source}: {index[key].name!r} and {result.name!r} are the same benchmark "
                "twice; compare one build or one parameter set at a time"
            )
        index[key] = result
    return index


def _differences(base: BenchmarkResult, cur: BenchmarkResult) -> list[str]:
    """What makes two results incomparable, said as ``what: baseline vs current``."""
    pairs = [
        ("interpreter", base.build.implementation, cur.build.implementation),
        ("Python", base.build.python_version, cur.build.python_version),
        ("build", base.build.build_name, cur.build.build_name),
        ("GIL at run time", "enabled" if base.build.gil_enabled else "disabled",
         "enabled" if cur.build.gil_enabled else "disabled"),
        ("error rate", f"1/{base.period}", f"1/{cur.period}"),
        ("work per item", str(base.work), str(cur.work)),
    ]
    return [f"{what} {old} vs {new}" for what, old, new in pairs if old != new]


def compare(baseline: ResultSet, current: ResultSet, *,
            max_regression: float = DEFAULT_MAX_REGRESSION,
            baseline_source: str = "baseline", current_source: str = "current",
            ) -> ComparisonReport:
    """Match the benchmarks of two result sets and judge each change.

    Raises TlsbenchError when the files have no benchmark in common.
    """
    # With several builds in a file, (strategy, threads) is ambiguous: match build by build.
    by_build = len(baseline.builds()) > 1 or len(current.builds()) > 1
    base_index = _index(baseline, baseline_source, by_build)
    cur_index = _index(current, current_source, by_build)

    def name(key: tuple[str, int, str]) -> str:
        return benchmark_name(key[0], key[1], key[2] or None)

    common = [key for key in base_index if key in cur_index]
    if not common:
        raise TlsbenchError(
            f"{baseline_source} and {current_source} have no benchmark in common "
            f"(baseline: {', '.join(name(k) for k in base_index)}; "
            f"current: {', '.join(name(k) for k in cur_index)})"
        )
    comparisons = []
    mismatches: dict[str, None] = {}
    for key in common:
        base, cur = base_index[key], cur_index[key]
        comparisons.append(Comparison(name(key), base, cur, welch_t_test(base.values, cur.values),
                                      max_regression))
        mismatches.update(dict.fromkeys(_differences(base, cur)))
    notes = []
    base_cpus = sorted({r.build.cpu_count for r in baseline})
    cur_cpus = sorted({r.build.cpu_count for r in current})
    if base_cpus != cur_cpus:
        notes.append(f"CPUs {'/'.join(map(str, base_cpus))} vs {'/'.join(map(str, cur_cpus))}: "
                     "the machines differ, so the timings may too")
    return ComparisonReport(
        baseline=baseline,
        current=current,
        baseline_source=baseline_source,
        current_source=current_source,
        comparisons=tuple(comparisons),
        only_in_baseline=tuple(name(k) for k in base_index if k not in cur_index),
        only_in_current=tuple(name(k) for k in cur_index if k not in base_index),
        mismatches=tuple(mismatches),
        notes=tuple(notes),
        max_regression=max_regression,
        by_build=by_build,
    )


def refuse_mismatch(report: ComparisonReport) -> None:
    """Raise TlsbenchError (exit 2) if the two files come from different builds or parameters."""
    if report.mismatches:
        raise TlsbenchError(
            f"{report.baseline_source} and {report.current_source} were measured differently "
            f"({'; '.join(report.mismatches)}); refusing to compare them "
            "(use --allow-mismatch to compare anyway)"
        )


# --- Rendering -------------------------------------------------------------------------

def format_change(change: float) -> str:
    return f"{change * 100:+.1f}%"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g}%"


def _verdict_text(comparison: Comparison) -> str:
    text = comparison.verdict
    if comparison.regression:
        text = "slower: REGRESSION"
    if not comparison.test.tested:
        text += " (no t-test: < 2 values)"
    return text


def _builds(results: ResultSet) -> str:
    return ", ".join(build.label for build in results.builds())


def header_lines(report: ComparisonReport) -> list[str]:
    lines = [
        f"Baseline: {report.baseline_source} (Python {_builds(report.baseline)})",
        f"Current:  {report.current_source} (Python {_builds(report.current)})",
        "Change in time per item (+: slower); significance by Welch's t-test at 95%; "
        f"a regression is significant and more than {_percent(report.max_regression)} slower",
    ]
    if report.mismatches:
        lines.append("Measured differently (compared anyway, --allow-mismatch): "
                     + "; ".join(report.mismatches))
    lines.extend(f"Note: {note}" for note in report.notes)
    return lines


def missing_lines(report: ComparisonReport) -> list[str]:
    """Benchmarks in one file only: listed, never dropped silently."""
    lines = []
    if report.only_in_baseline:
        lines.append(f"Only in baseline (not compared): {', '.join(report.only_in_baseline)}")
    if report.only_in_current:
        lines.append(f"Only in current (not compared): {', '.join(report.only_in_current)}")
    return lines


def verdict_lines(report: ComparisonReport) -> tuple[str, list[str]]:
    """The gate's verdict, and one line per regression naming it."""
    regressions = report.regressions
    threshold = _percent(report.max_regression)
    if not regressions:
        return (f"No regression: no benchmark is significantly more than {threshold} slower "
                f"({len(report.comparisons)} compared)", [])
    plural = "s" if len(regressions) > 1 else ""
    return (
        f"{len(regressions)} regression{plural} (significantly more than {threshold} slower):",
        [f"{c.name}: {format_time(c.baseline.mean)} -> {format_time(c.current.mean)} "
         f"({format_change(c.change)})" for c in regressions],
    )


def _table_rows(report: ComparisonReport) -> tuple[list[str], list[list[str]]]:
    headers = ["strategy", "threads", "baseline", "current", "change", "verdict"]
    if report.by_build:
        headers.insert(0, "build")
    body = []
    for c in report.comparisons:
        line = [c.baseline.strategy, str(c.baseline.threads),
                format_time_pm(c.baseline.mean, c.baseline.stdev),
                format_time_pm(c.current.mean, c.current.stdev),
                format_change(c.change), _verdict_text(c)]
        body.append(([c.current.build.label] if report.by_build else []) + line)
    return headers, body


def render(report: ComparisonReport, fmt: str) -> str:
    """The comparison in ``fmt`` (one of FORMATS)."""
    # Imported here: tabulate is only needed for the human formats.
    from tabulate import tabulate

    if fmt in ("table", "markdown"):
        headers, body = _table_rows(report)
        verdict, named = verdict_lines(report)
        if fmt == "table":
            table = tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True)
            lines = [*header_lines(report), "", table, "", *missing_lines(report), verdict,
                     *(f"  {line}" for line in named)]
        else:
            table = tabulate(body, headers=headers, tablefmt="github", disable_numparse=True)
            missing = [f"- {line}" for line in missing_lines(report)]
            # Blank lines keep the lists apart from the verdict's paragraph.
            lines = ["### tlsbench compare", "", *(f"- {line}" for line in header_lines(report)),
                     "", table, "", *missing, *([""] if missing else []), f"**{verdict}**",
                     *([""] if named else []), *(f"- {line}" for line in named)]
        return "\n".join(lines) + "\n"
    if fmt == "json":
        return _render_json(report)
    if fmt == "csv":
        return _render_csv(report)
    raise ValueError(f"unknown format {fmt!r}")


def _finite(value: float | None) -> float | None:
    """JSON has no infinity: a t of ±inf (constant samples) is written as null."""
    return value if value is not None and math.isfinite(value) else None


def _raw(c: Comparison) -> dict[str, object]:
    return {
        "name": c.name,
        "strategy": c.current.strategy,
        "threads": c.current.threads,
        "build": c.current.build.tag,
        "baseline_mean_s": c.baseline.mean,
        "baseline_stdev_s": c.baseline.stdev,
        "baseline_values": len(c.baseline.values),
        "current_mean_s": c.current.mean,
        "current_stdev_s": c.current.stdev,
        "current_values": len(c.current.values),
        "change_percent": c.change * 100,
        "t_score": _finite(c.test.t),
        "df": c.test.df,
        "significant": c.test.significant,
        "verdict": c.verdict,
        "regression": c.regression,
    }


def _render_json(report: ComparisonReport) -> str:
    def side(results: ResultSet, source: str) -> dict[str, object]:
        return {"source": source,
                "builds": [build.to_dict() | {"label": build.label, "tag": build.tag}
                           for build in results.builds()]}

    document = {
        "tlsbench_version": __version__,
        "test": "Welch's t-test, two-sided, 95% confidence",
        "max_regression_percent": report.max_regression * 100,
        "baseline": side(report.baseline, report.baseline_source),
        "current": side(report.current, report.current_source),
        "mismatches": list(report.mismatches),
        "notes": list(report.notes),
        "rows": [_raw(c) for c in report.comparisons],
        "only_in_baseline": list(report.only_in_baseline),
        "only_in_current": list(report.only_in_current),
        "regressions": [c.name for c in report.regressions],
    }
    return json.dumps(document, indent=2) + "\n"


_CSV_FIELDS = ["name", "strategy", "threads", "build", "baseline_mean_s", "baseline_stdev_s",
               "baseline_values", "current_mean_s", "current_stdev_s", "current_values",
               "change_percent", "t_score", "df", "significant", "verdict", "regression"]


def _render_csv(report: ComparisonReport) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for c in report.comparisons:
        writer.writerow(_raw(c))
    # Benchmarks in one file only are rows too, so nothing vanishes from a spreadsheet.
    for names, where in ((report.only_in_baseline, "only in baseline"),
                         (report.only_in_current, "only in current")):
        for name in names:
            writer.writerow({"name": name, "verdict": where})
    return buffer.getvalue()


def github_benchmark(report: ComparisonReport) -> list[dict[str, str | float]]:
    """The current results as github-action-benchmark's ``customSmallerIsBetter`` input.

    One entry per benchmark of the current file: time per item in nanoseconds.
    """
    judged = {c.current.name: c for c in report.comparisons}
    entries: list[dict[str, str | float]] = []
    for result in report.current:
        extra = [f"{len(result.values)} values", f"Python {result.build.label}",
                 f"error rate 1/{result.period}", f"work {result.work}"]
        comparison = judged.get(result.name)
        if comparison:
            extra.append(f"baseline {format_time(comparison.baseline.mean)}, "
                         f"{format_change(comparison.change)}, {_verdict_text(comparison)}")
        entries.append({
            "name": result.name,
            "unit": "ns/item",
            "value": round(result.mean * 1e9, 4),
            "range": f"± {result.stdev * 1e9:.3g}",
            "extra": "; ".join(extra),
        })
    return entries


def write_github_benchmark(report: ComparisonReport, path: str) -> None:
    document = json.dumps(github_benchmark(report), indent=2) + "\n"
    try:
        write_atomically(path, lambda handle: handle.write(document))
    except OSError as exc:
        raise TlsbenchError(f"cannot write {path}: {exc}") from None
