"""tlsbench compare: matching, significance, verdicts, the regression gate and its exit codes."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import pyperf
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st
from pyperf import _utils as pyperf_utils

from tests.factory import make_benchmark, write_suite
from tlsbench import compare as comparing
from tlsbench.cli import main
from tlsbench.errors import TlsbenchError
from tlsbench.results import load_results

#: Six runs of three values, as a default `tlsbench run` records: 18 values, ±8.4% spread.
VALUES = (1.0e-7, 1.1e-7, 0.9e-7)
RUNS = 6


def scaled(factor: float, values: Sequence[float] = VALUES) -> list[float]:
    return [v * factor for v in values]


def suite(path: Path, factor: float = 1.0, *, threads: Sequence[int] = (1, 8),
          strategies: Sequence[str] = ("lock", "threadlocal"), **kwargs: Any) -> Path:
    """A results file with every strategy at every thread count, values times ``factor``."""
    benches = [make_benchmark(s, t, scaled(factor), runs=RUNS, **kwargs)
               for s in strategies for t in threads]
    return write_suite(path, benches)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


# --- Statistics ------------------------------------------------------------------------

@pytest.mark.parametrize("df", range(1, 31))
def test_critical_values_agree_with_pyperfs_table(df: int) -> None:
    assert comparing.t_critical_95(df) == pytest.approx(pyperf_utils.tdist95conf_level(df))


def test_critical_values_interpolate_between_and_beyond_the_table() -> None:
    # t(0.975, 35) = 2.030 and t(0.975, 1000) = 1.962 in a full table.
    assert comparing.t_critical_95(35) == pytest.approx(2.030, abs=0.002)
    assert comparing.t_critical_95(1000) == pytest.approx(1.962, abs=0.002)
    assert comparing.t_critical_95(5.5) < comparing.t_critical_95(5) and (
        comparing.t_critical_95(5.5) > comparing.t_critical_95(6))
    with pytest.raises(ValueError):
        comparing.t_critical_95(0)


def test_welch_matches_a_worked_example() -> None:
    # By hand: means 2.5 and 6, variances/n 0.41667 and 2; Welch-Satterthwaite df 5.5208.
    # (scipy.stats.ttest_ind(a, b, equal_var=False) gives t = 2.2514, p = 0.070.)
    test = comparing.welch_t_test([1, 2, 3, 4], [2, 4, 6, 8, 10])
    assert test.t == pytest.approx(2.2514, abs=1e-4)
    assert test.df == pytest.approx(5.5208, abs=1e-4)
    assert not test.significant  # p = 0.07 > 0.05


def test_welch_equals_pyperfs_student_t_for_equal_sizes() -> None:
    first, second = [1.0, 1.2, 0.9, 1.1, 1.05], [1.3, 1.25, 1.4, 1.2, 1.5]
    ours = comparing.welch_t_test(first, second)
    significant, theirs = pyperf_utils.is_significant(first, second)
    assert ours.t == pytest.approx(-theirs)  # pyperf subtracts the other way round
    assert ours.significant == significant


def test_welch_constant_and_single_value_samples() -> None:
    same = comparing.welch_t_test([2.0, 2.0], [2.0, 2.0])
    assert not same.significant and same.t == 0
    moved = comparing.welch_t_test([2.0, 2.0], [3.0, 3.0])
    assert moved.significant and moved.t == math.inf
    untested = comparing.welch_t_test([2.0], [3.0, 3.1])
    assert untested.significant and not untested.tested


samples = st.lists(st.floats(min_value=1e-9, max_value=1e-3), min_size=2, max_size=20)


@given(samples, samples, st.floats(min_value=1e-3, max_value=1e3))
def test_welch_is_antisymmetric_and_scale_free(first: list[float], second: list[float],
                                               scale: float) -> None:
    test = comparing.welch_t_test(first, second)
    swapped = comparing.welch_t_test(second, first)
    rescaled = comparing.welch_t_test([v * scale for v in first], [v * scale for v in second])
    assert swapped.significant == test.significant
    assert rescaled.significant == test.significant or (
        # a t on the very edge of the critical value may round across it
        test.t is not None and test.critical is not None
        and abs(abs(test.t) - test.critical) < 1e-6)
    if test.t is not None and math.isfinite(test.t):
        assert swapped.t == pytest.approx(-test.t)


@pytest.mark.parametrize(("text", "fraction"), [
    ("10%", 0.10), ("10", 0.10), ("2.5%", 0.025), (" 5 % ", 0.05), ("0", 0.0), (".5", 0.005),
])
def test_threshold_is_always_a_percentage(text: str, fraction: float) -> None:
    assert comparing.parse_threshold(text) == pytest.approx(fraction)


@pytest.mark.parametrize("text", ["", "-5%", "abc", "10%%", "nan", "inf", "1e3", "5x", "2000"])
def test_threshold_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        comparing.parse_threshold(text)


# --- Matching and verdicts -------------------------------------------------------------

def report_for(tmp_path: Path, base_factor: float, cur_factor: float,
               **kwargs: Any) -> comparing.ComparisonReport:
    base = load_results([suite(tmp_path / f"base-{base_factor}.json", base_factor)])
    cur = load_results([suite(tmp_path / f"cur-{cur_factor}.json", cur_factor)])
    return comparing.compare(base, cur, **kwargs)


def test_identical_results_show_no_change(tmp_path: Path) -> None:
    report = report_for(tmp_path, 1.0, 1.0)
    assert len(report.comparisons) == 4
    assert {c.verdict for c in report.comparisons} == {comparing.SAME}
    assert report.regressions == []
    assert not report.mismatches and not report.only_in_baseline and not report.only_in_current


def test_thirty_percent_slower_is_a_regression_and_faster_is_not(tmp_path: Path) -> None:
    slower = report_for(tmp_path, 1.0, 1.3)
    assert [c.name for c in slower.regressions] == ["lock-1t", "lock-8t", "threadlocal-1t",
                                                    "threadlocal-8t"]
    assert all(c.change == pytest.approx(0.30) for c in slower.comparisons)
    faster = report_for(tmp_path, 1.3, 1.0)
    assert {c.verdict for c in faster.comparisons} == {comparing.FASTER}
    assert faster.regressions == []


def test_significant_but_under_the_threshold_is_slower_not_a_regression(tmp_path: Path) -> None:
    base = load_results([write_suite(tmp_path / "b.json", [
        make_benchmark("lock", 1, [1.000e-7, 1.001e-7, 0.999e-7], runs=RUNS)])])
    cur = load_results([write_suite(tmp_path / "c.json", [
        make_benchmark("lock", 1, [1.050e-7, 1.051e-7, 1.049e-7], runs=RUNS)])])
    (five,) = comparing.compare(base, cur).comparisons
    assert five.verdict == comparing.SLOWER and not five.regression
    (strict,) = comparing.compare(base, cur, max_regression=0.04).comparisons
    assert strict.regression


def test_a_large_but_noisy_change_is_not_significant(tmp_path: Path) -> None:
    base = load_results([write_suite(tmp_path / "b.json", [
        make_benchmark("lock", 1, [0.5e-7, 1.0e-7, 1.5e-7])])])
    cur = load_results([write_suite(tmp_path / "c.json", [
        make_benchmark("lock", 1, [0.7e-7, 1.3e-7, 1.9e-7])])])
    (noisy,) = comparing.compare(base, cur).comparisons
    assert noisy.change == pytest.approx(0.30)
    assert noisy.verdict == comparing.SAME and not noisy.regression


def test_benchmarks_in_one_file_only_are_listed(tmp_path: Path) -> None:
    base = load_results([suite(tmp_path / "b.json", strategies=("lock", "count"))])
    cur = load_results([suite(tmp_path / "c.json", threads=(1, 8, 16))])
    report = comparing.compare(base, cur)
    assert [c.name for c in report.comparisons] == ["lock-1t", "lock-8t"]
    assert report.only_in_baseline == ("count-1t", "count-8t")
    assert report.only_in_current == ("lock-16t", "threadlocal-1t", "threadlocal-8t",
                                      "threadlocal-16t")
    text = comparing.render(report, "table")
    assert "Only in baseline (not compared): count-1t, count-8t" in text
    assert "Only in current (not compared): lock-16t, threadlocal-1t" in text


def test_files_with_several_builds_are_matched_build_by_build(tmp_path: Path) -> None:
    def two_builds(path: Path, ft_factor: float) -> Path:
        return write_suite(path, [
            make_benchmark("lock", 8, VALUES, runs=RUNS, python_version="3.13.5",
                           tag="py3.13.5"),
            make_benchmark("lock", 8, scaled(ft_factor), runs=RUNS, python_version="3.13.5",
                           free_threaded=True, gil_enabled=False, tag="py3.13.5t"),
        ])

    base = load_results([two_builds(tmp_path / "b.json", 2.0)])
    cur = load_results([two_builds(tmp_path / "c.json", 3.0)])
    report = comparing.compare(base, cur)
    assert report.by_build and not report.mismatches
    assert [(c.name, c.verdict) for c in report.comparisons] == [
        ("lock-8t@py3.13.5", comparing.SAME), ("lock-8t@py3.13.5t", comparing.SLOWER)]
    assert [c.name for c in report.regressions] == ["lock-8t@py3.13.5t"]
    assert "3.13.5t free-threaded" in comparing.render(report, "table")

    # A single-build baseline is matched against the same build in a two-build file.
    single = load_results([write_suite(tmp_path / "s.json", [
        make_benchmark("lock", 8, VALUES, runs=RUNS, python_version="3.13.5")])])
    partial = comparing.compare(single, cur)
    assert [c.name for c in partial.comparisons] == ["lock-8t@py3.13.5"]
    assert partial.only_in_current == ("lock-8t@py3.13.5t",)


@pytest.mark.parametrize(("change", "difference"), [
    ({"python_version": "3.13.0"}, "Python 3.12.1 vs 3.13.0"),
    ({"free_threaded": True, "gil_enabled": False},
     "build default (GIL) vs free-threaded; GIL at run time enabled vs disabled"),
    ({"free_threaded": True, "gil_enabled": True}, "build default (GIL) vs free-threaded"),
    ({"period": 10}, "error rate 1/2 vs 1/10"),
    ({"work": 100}, "work per item 0 vs 100"),
])
def test_mismatched_measurements_are_named(tmp_path: Path, change: dict[str, Any],
                                           difference: str) -> None:
    base = load_results([suite(tmp_path / "b.json")])
    cur = load_results([suite(tmp_path / "c.json", **change)])
    report = comparing.compare(base, cur)
    assert "; ".join(report.mismatches) == difference
    with pytest.raises(TlsbenchError, match="use --allow-mismatch"):
        comparing.refuse_mismatch(report)


# --- Formats ---------------------------------------------------------------------------

def test_machine_formats_carry_every_row_and_the_verdict(tmp_path: Path) -> None:
    base = load_results([suite(tmp_path / "b.json", strategies=("lock", "count"))])
    cur = load_results([suite(tmp_path / "c.json", 1.3)])
    report = comparing.compare(base, cur)

    document = json.loads(comparing.render(report, "json"))
    assert document["max_regression_percent"] == pytest.approx(10)
    assert document["regressions"] == ["lock-1t", "lock-8t"]
    assert document["only_in_baseline"] == ["count-1t", "count-8t"]
    assert document["only_in_current"] == ["threadlocal-1t", "threadlocal-8t"]
    row = document["rows"][1]
    assert row["name"] == "lock-8t" and row["regression"] is True
    assert row["current_mean_s"] / row["baseline_mean_s"] == pytest.approx(1.3)
    assert row["baseline_values"] == RUNS * len(VALUES)

    table = list(csv.DictReader(io.StringIO(comparing.render(report, "csv"))))
    assert [(r["name"], r["verdict"]) for r in table] == [
        ("lock-1t", "slower"), ("lock-8t", "slower"),
        ("count-1t", "only in baseline"), ("count-8t", "only in baseline"),
        ("threadlocal-1t", "only in current"), ("threadlocal-8t", "only in current")]
    assert float(table[0]["change_percent"]) == pytest.approx(30)


def test_markdown_fits_a_job_summary(tmp_path: Path) -> None:
    report = report_for(tmp_path, 1.0, 1.3)
    text = comparing.render(report, "markdown")
    lines = text.splitlines()
    assert lines[0].startswith("### ")
    assert "| strategy" in text and "|--" in text
    row = next(line for line in lines if line.startswith("| lock ") and "| 8 " in line)
    assert [cell.strip() for cell in row.strip("|").split("|")] == [
        "lock", "8", "100 ns ± 8.4 ns", "130 ns ± 11 ns", "+30.0%", "slower: REGRESSION"]
    assert "**4 regressions (significantly more than 10% slower):**" in lines
    assert lines[-1] == "- threadlocal-8t: 100 ns -> 130 ns (+30.0%)"


def test_github_benchmark_export_is_custom_smaller_is_better(tmp_path: Path) -> None:
    base = load_results([suite(tmp_path / "b.json", strategies=("lock",))])
    cur = load_results([suite(tmp_path / "c.json", 1.3)])
    entries = comparing.github_benchmark(comparing.compare(base, cur))
    # Every current benchmark, each exactly github-action-benchmark's five keys.
    assert [e["name"] for e in entries] == ["lock-1t", "lock-8t", "threadlocal-1t",
                                           "threadlocal-8t"]
    for entry in entries:
        assert set(entry) == {"name", "unit", "value", "range", "extra"}
        assert isinstance(entry["value"], float) and isinstance(entry["range"], str)
    assert entries[0]["unit"] == "ns/item"
    assert entries[0]["value"] == pytest.approx(130.0)
    assert "+30.0%" in str(entries[0]["extra"]) and "REGRESSION" in str(entries[0]["extra"])
    assert "baseline" not in str(entries[2]["extra"])  # nothing to compare it with


# --- The command -----------------------------------------------------------------------

def test_identical_files_exit_0(tmp_path: Path) -> None:
    path = suite(tmp_path / "a.json")
    result = invoke("compare", str(path), str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("No regression")


def test_thirty_percent_slower_exits_1_naming_the_regression(tmp_path: Path) -> None:
    base = suite(tmp_path / "base.json", strategies=("lock",))
    cur = write_suite(tmp_path / "cur.json", [
        make_benchmark("lock", 1, VALUES, runs=RUNS),
        make_benchmark("lock", 8, scaled(1.3), runs=RUNS)])
    result = invoke("compare", str(base), str(cur), "--max-regression", "10%")
    assert result.exit_code == 1, result.output
    last = result.stdout.splitlines()[-2:]
    assert last == ["1 regression (significantly more than 10% slower):",
                    "  lock-8t: 100 ns -> 130 ns (+30.0%)"]
    assert error_lines(result) == ["error: 1 regression(s): lock-8t +30.0%"]
    # A threshold above the change lets the same files pass.
    assert invoke("compare", str(base), str(cur), "--max-regression", "35").exit_code == 0


def test_small_change_under_the_threshold_exits_0(tmp_path: Path) -> None:
    base = suite(tmp_path / "base.json")
    cur = suite(tmp_path / "cur.json", 1.05)
    result = invoke("compare", str(base), str(cur))
    assert result.exit_code == 0, result.output
    assert "+5.0%" in result.stdout


def test_mismatched_builds_exit_2_unless_allowed(tmp_path: Path) -> None:
    base = suite(tmp_path / "gil.json", python_version="3.13.5")
    cur = suite(tmp_path / "ft.json", python_version="3.13.5", free_threaded=True,
                gil_enabled=False)
    refused = invoke("compare", str(base), str(cur))
    assert refused.exit_code == 2
    assert refused.stdout == ""
    (line,) = error_lines(refused)
    assert "build default (GIL) vs free-threaded" in line and "--allow-mismatch" in line

    allowed = invoke("compare", str(base), str(cur), "--allow-mismatch")
    assert allowed.exit_code == 0, allowed.output
    assert ("Measured differently (compared anyway, --allow-mismatch): build default (GIL) "
            "vs free-threaded; GIL at run time enabled vs disabled") in allowed.stdout
    assert "warning: comparing different measurements" in allowed.stderr


def test_other_error_rate_exits_2(tmp_path: Path) -> None:
    base = suite(tmp_path / "a.json")
    cur = suite(tmp_path / "b.json", period=10)
    result = invoke("compare", str(base), str(cur))
    assert result.exit_code == 2
    assert "error rate 1/2 vs 1/10" in result.stderr


def _bad_files(tmp_path: Path, good: Path) -> dict[str, tuple[Path, str]]:
    truncated = tmp_path / "truncated.json"
    truncated.write_text(good.read_text()[:200])
    empty = tmp_path / "empty.json"
    empty.write_text("")
    other = tmp_path / "other.json"
    run = pyperf.Run([0.5, 0.6], metadata={"name": "json_dumps", "unit": "second"},
                     collect_metadata=False)
    pyperf.BenchmarkSuite([pyperf.Benchmark([run])]).dump(str(other))
    folder = tmp_path / "folder"
    folder.mkdir()
    return {
        "truncated": (truncated, "not valid JSON (truncated?)"),
        "empty": (empty, "the file is empty"),
        "other benchmark": (other, "'json_dumps' is not a tlsbench result"),
        "directory": (folder, "is a directory"),
        "missing": (tmp_path / "missing.json", "no such file"),
    }


@pytest.mark.parametrize("kind", ["truncated", "empty", "other benchmark", "directory",
                                  "missing"])
@pytest.mark.parametrize("side", ["baseline", "current"])
def test_bad_input_exits_2_with_one_clear_line(tmp_path: Path, kind: str, side: str) -> None:
    good = suite(tmp_path / "good.json")
    bad, message = _bad_files(tmp_path, good)[kind]
    args = [str(bad), str(good)] if side == "baseline" else [str(good), str(bad)]
    result = invoke("compare", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = error_lines(result)
    assert line.startswith(f"error: {bad}: ") and message in line
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_no_benchmark_in_common_exits_2(tmp_path: Path) -> None:
    base = suite(tmp_path / "a.json", strategies=("lock",))
    cur = suite(tmp_path / "b.json", strategies=("count",))
    result = invoke("compare", str(base), str(cur))
    assert result.exit_code == 2
    (line,) = error_lines(result)
    assert "no benchmark in common" in line and "lock-1t" in line and "count-1t" in line


@pytest.mark.parametrize("value", ["ten", "-5%", "10%%", ""])
def test_nonsense_threshold_exits_2(tmp_path: Path, value: str) -> None:
    path = suite(tmp_path / "a.json")
    result = invoke("compare", str(path), str(path), "--max-regression", value)
    assert result.exit_code == 2
    (line,) = error_lines(result)
    assert "--max-regression" in line


def test_formats_and_export_from_the_command(tmp_path: Path) -> None:
    base = suite(tmp_path / "a.json")
    cur = suite(tmp_path / "b.json", 1.3)
    export = tmp_path / "bench.json"
    result = invoke("compare", str(base), str(cur), "--format", "json",
                    "--export-github-benchmark", str(export))
    assert result.exit_code == 1  # the export is still written when the gate fails
    assert len(json.loads(result.stdout)["regressions"]) == 4
    assert [e["name"] for e in json.loads(export.read_text())] == [
        "lock-1t", "lock-8t", "threadlocal-1t", "threadlocal-8t"]
    unwritable = invoke("compare", str(base), str(base), "--export-github-benchmark",
                        str(tmp_path / "no" / "such" / "dir.json"))
    assert unwritable.exit_code == 2 and "cannot write" in unwritable.stderr


# --- Real runs -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real `tlsbench run` (a few seconds), as a subprocess."""
    path = tmp_path_factory.mktemp("real") / "real.json"
    subprocess.run(
        [sys.executable, "-m", "tlsbench", "run", "--threads", "2", "--fast", "--processes", "1",
         "--values", "3", "--min-time", "0.01", "-s", "count", "-q", "-o", str(path)],
        check=True, capture_output=True, timeout=120)
    return path


def _slowed_copy(source: Path, target: Path) -> Path:
    """The same results with every value moved up by ten times the largest.

    A shift keeps each sample's spread, so the change is certain to be significant
    whatever the noise of the real run was: with n = 3 the t score is then above 7.
    """
    data = json.loads(source.read_text())
    for bench in data["benchmarks"]:
        shift = 10 * max(v for run in bench["runs"] for v in run.get("values", []))
        for run in bench["runs"]:
            if "values" in run:
                run["values"] = [v + shift for v in run["values"]]
    target.write_text(json.dumps(data))
    return target


@pytest.mark.slow
def test_real_run_compared_with_itself_and_with_a_slowed_copy(real_results: Path,
                                                             tmp_path: Path) -> None:
    same = subprocess.run(
        [sys.executable, "-m", "tlsbench", "compare", str(real_results), str(real_results)],
        capture_output=True, text=True, timeout=60)
    assert same.returncode == 0, same.stderr
    assert "count" in same.stdout and "no significant change" in same.stdout

    slowed = _slowed_copy(real_results, tmp_path / "slowed.json")
    worse = subprocess.run(
        [sys.executable, "-m", "tlsbench", "compare", str(real_results), str(slowed),
         "--format", "markdown"], capture_output=True, text=True, timeout=60)
    assert worse.returncode == 1, worse.stdout + worse.stderr
    last = worse.stdout.splitlines()[-4:]
    assert last[:2] == ["**2 regressions (significantly more than 10% slower):**", ""]
    assert [line.split(":")[0] for line in last[2:]] == ["- count-1t", "- count-2t"]
    assert "error: 2 regression(s): count-1t" in worse.stderr


# --- The CI guide ----------------------------------------------------------------------

def _documented_commands() -> list[list[str]]:
    """Every `tlsbench ...` command line in docs/ci.md, split into arguments."""
    guide = Path(__file__).resolve().parent.parent / "docs" / "ci.md"
    commands = []
    for line in guide.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue  # a heading, not a shell line
        for part in re.split(r"&&|\||>>|;|[()]|#", line):
            words = shlex.split(part.strip()) if part.strip().startswith("tlsbench ") else []
            if words:
                commands.append(words[1:])
    return commands


def test_every_command_in_the_ci_guide_parses() -> None:
    commands = _documented_commands()
    assert {words[0] for words in commands} == {"run", "compare", "show"}
    for name, *args in commands:
        command = main.get_command(click.Context(main), name)
        assert command is not None, name
        command.make_context(name, args)  # raises on an unknown option or a bad value


@pytest.mark.slow
def test_real_cross_build_results(gil_python: str, ft_python: str, tmp_path: Path) -> None:
    """One real run on a default and a free-threaded 3.13, compared whole and split by build."""
    both = tmp_path / "both.json"
    subprocess.run(
        [sys.executable, "-m", "tlsbench", "run", "--python", gil_python, "--python", ft_python,
         "--threads", "2", "--fast", "--processes", "1", "--values", "3", "--min-time", "0.01",
         "-s", "count", "-q", "-o", str(both)],
        check=True, capture_output=True, timeout=180)

    whole = invoke("compare", str(both), str(both), "--format", "json")
    assert whole.exit_code == 0, whole.output
    rows = json.loads(whole.stdout)["rows"]
    assert sorted(row["name"].split("@")[1].endswith("t") for row in rows) == [
        False, False, True, True]  # matched build by build, never across builds

    # The same results as two single-build files: a GIL build against a free-threaded one.
    gil_file, ft_file = tmp_path / "gil.json", tmp_path / "ft.json"
    for path, free_threaded in ((gil_file, False), (ft_file, True)):
        benches = [bench for bench in pyperf.BenchmarkSuite.load(str(both))
                   if bench.get_metadata()["tlsbench_py_gil_disabled"] == int(free_threaded)]
        write_suite(path, benches)
    refused = invoke("compare", str(gil_file), str(ft_file))
    assert refused.exit_code == 2
    assert "build default (GIL) vs free-threaded" in refused.stderr
    allowed = invoke("compare", str(gil_file), str(ft_file), "--allow-mismatch")
    assert allowed.exit_code in (0, 1)  # which build is faster here is what is measured
    assert "Measured differently (compared anyway, --allow-mismatch): build default (GIL) vs " \
        "free-threaded" in allowed.stdout
    assert [line.split()[:2] for line in allowed.stdout.splitlines()
            if line.startswith("count ")] == [["count", "1"], ["count", "2"]]
