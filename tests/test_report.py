"""The contention table: numbers, formats, and several builds side by side."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.factory import make_benchmark, write_suite
from tlsbench.report import (
    count_problems,
    format_count,
    format_rate,
    format_time,
    format_time_pm,
    render,
    rows,
)
from tlsbench.results import ResultSet, from_pyperf, load_results


def result_set(*benches: object) -> ResultSet:
    return ResultSet(tuple(from_pyperf(b) for b in benches))


@pytest.mark.parametrize(("seconds", "text"), [
    (52.34e-9, "52.3 ns"), (80e-9, "80.0 ns"), (100e-9, "100 ns"), (999.6e-9, "1.00 µs"),
    (1.25e-6, "1.25 µs"), (3.4e-3, "3.40 ms"), (2.5, "2.50 s"),
])
def test_format_time_three_figures_in_the_right_unit(seconds: float, text: str) -> None:
    assert format_time(seconds) == text


def test_format_time_pm_keeps_the_mean_s_unit() -> None:
    assert format_time_pm(100e-9, 8.7e-9) == "100 ns ± 8.7 ns"
    assert format_time_pm(1.5e-6, 0.2e-6) == "1.50 µs ± 0.2 µs"
    assert format_time_pm(300e-9, 120e-9) == "300 ns ± 120 ns"


@pytest.mark.parametrize(("rate", "text"), [
    (3e6, "3.00 M/s"), (12.5e6, "12.5 M/s"), (999.7e3, "1.00 M/s"), (4.2e3, "4.20 k/s"),
])
def test_format_rate(rate: float, text: str) -> None:
    assert format_rate(rate) == text


def test_rows_scaling_and_vs_lock() -> None:
    results = result_set(
        make_benchmark("lock", 1, [100e-9] * 3),
        make_benchmark("lock", 4, [200e-9] * 3),
        make_benchmark("count", 1, [50e-9] * 3),
        make_benchmark("count", 4, [25e-9] * 3),
    )
    by = {(r.strategy, r.threads): r for r in rows(results)}
    assert by[("lock", 4)].scaling == pytest.approx(0.5)    # half the throughput of 1 thread
    assert by[("count", 4)].scaling == pytest.approx(2.0)
    assert by[("count", 4)].vs_lock == pytest.approx(8.0)   # 40 M/s against 5 M/s
    assert by[("lock", 1)].vs_lock == pytest.approx(1.0)
    assert by[("count", 1)].items_per_s == pytest.approx(20e6)


def test_missing_references_show_as_dashes() -> None:
    text = render(result_set(make_benchmark("count", 8, [1e-7] * 3)), "table")
    line = next(line for line in text.splitlines() if line.startswith("count"))
    assert line.count("—") == 2  # no 1-thread result, no lock result


def test_format_count_says_plainly_what_happened() -> None:
    ok, wrong, lost, over = (from_pyperf(b) for b in (
        make_benchmark("lock", 2, expected=1000),
        make_benchmark("lock", 2, counted=990, expected=1000),
        make_benchmark("unsafe", 2, counted=750, expected=1000, safe=False),
        make_benchmark("unsafe", 2, counted=1001, expected=1000, safe=False),
    ))
    assert format_count(ok) == "ok 1,000/1,000"
    assert format_count(wrong) == "FAILED: counted 990, expected 1,000"
    assert wrong.failed and not lost.failed
    assert format_count(lost) == "lost 250 of 1,000 (25.00%)"
    assert format_count(over) == "over-counted by 1 of 1,000"


def test_header_says_what_is_needed_to_reproduce() -> None:
    text = render(result_set(make_benchmark("lock", 8, python_version="3.12.1", cpu_count=2),
                             make_benchmark("lock", 1, python_version="3.12.1", cpu_count=2)),
                  "table")
    head = text.split("\n\n")[0]
    assert "Python 3.12.1 (CPython), default (GIL) build, GIL enabled at run time, 2 CPUs" in head
    assert "error rate 0.5" in head and "work per item 0" in head
    assert "8 threads on 2 CPUs" in head


def test_a_free_threaded_build_running_with_the_gil_is_called_out() -> None:
    text = render(result_set(make_benchmark("lock", 1, python_version="3.13.5",
                                            free_threaded=True, gil_enabled=True)), "table")
    assert "Note: the GIL was enabled at run time on 3.13.5t" in text


def test_machine_formats_carry_raw_numbers() -> None:
    results = result_set(make_benchmark("lock", 1, [1e-7, 2e-7, 3e-7]),
                         make_benchmark("lock", 2, [1e-7, 2e-7, 3e-7]))
    table = list(csv.DictReader(io.StringIO(render(results, "csv"))))
    assert float(table[0]["mean_s"]) == pytest.approx(2e-7)
    assert float(table[0]["stdev_s"]) == pytest.approx(1e-7)
    document = json.loads(render(results, "json"))
    assert document["rows"][1]["name"] == "lock-2t"
    assert document["builds"][0]["label"] == "3.12.1"


def two_builds() -> ResultSet:
    benches = []
    for strategy in ("lock", "count"):
        for threads in (1, 2):
            benches.append(make_benchmark(strategy, threads, [100e-9] * 3,
                                          python_version="3.13.5", tag="py3.13.5"))
            benches.append(make_benchmark(strategy, threads, [200e-9 / threads] * 3,
                                          python_version="3.13.5", free_threaded=True,
                                          gil_enabled=False, tag="py3.13.5t",
                                          counted=900 if strategy == "lock" and threads == 2
                                          else None))
    return result_set(*benches)


def test_two_builds_side_by_side() -> None:
    text = render(two_builds(), "table")
    body = text.partition("\n\n")[2]
    assert "3.13.5t free-threaded" in body and "vs 3.13.5" in body
    lines = {tuple(line.split()[:2]): line for line in body.splitlines()[3:]}
    count2 = lines[("count", "2")]
    # 3.13.5: 100 ns, 1.00x; 3.13.5t: 100 ns, 2.00x; ratio 1.00x; ok
    assert count2.split()[2:] == ["100", "ns", "±", "0", "ns", "1.00x", "100", "ns", "±", "0",
                                  "ns", "2.00x", "1.00x", "ok"]
    assert lines[("count", "1")].split()[-2:] == ["0.50x", "ok"]
    assert "3.13.5t free-threaded: FAILED: counted 900, expected 1,000" in lines[("lock", "2")]
    markdown = render(two_builds(), "markdown")
    assert "| 3.13.5t free-threaded time/item " in markdown


def test_two_files_of_the_same_build_stay_apart(tmp_path: Path) -> None:
    a = write_suite(tmp_path / "before.json", [make_benchmark("lock", 1, [1e-7] * 3)])
    b = write_suite(tmp_path / "after.json", [make_benchmark("lock", 1, [2e-7] * 3)])
    results = load_results([a, b])
    assert [build.label for build in results.builds()] == ["3.12.1", "3.12.1 (after)"]
    assert "vs 3.12.1" in render(results, "table")


def test_count_problems_fail_safe_strategies_and_note_unsafe_ones() -> None:
    failures, notes = count_problems(result_set(
        make_benchmark("lock", 2, counted=990, expected=1000),
        make_benchmark("unsafe", 2, counted=750, expected=1000, safe=False),
        make_benchmark("count", 2),
    ))
    assert failures == ["lock-2t: the lock strategy is safe but counted 990 of 1,000 errors"]
    assert notes == ["unsafe-2t: lost 250 of 1,000 (25.00%) — expected of an unsafe strategy"]
