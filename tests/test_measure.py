"""Measurement through pyperf: the worker's count checks and metadata, the run plan."""

from __future__ import annotations

import pytest

from tlsbench import worker
from tlsbench.measure import BenchmarkSpec, MeasureOptions, Target, measure, plan, thread_counts
from tlsbench.results import from_pyperf

# Small enough for a unit test: one worker process, calibrated to 5 ms values.
TINY = MeasureOptions(processes=1, values=2, min_time=0.005, timeout=120)


def test_thread_counts_one_number_means_one_and_n() -> None:
    assert thread_counts([8]) == [1, 8]
    assert thread_counts([1]) == [1]
    assert thread_counts([8, 2, 4, 2]) == [2, 4, 8]


def test_plan_orders_by_target_then_strategy_then_threads() -> None:
    a, b = Target("/a", tag="a"), Target("/b", tag="b")
    specs = plan(["lock", "count"], [4], period=2, targets=[a, b])
    assert [(s.target.tag, s.strategy, s.threads) for s in specs] == [
        ("a", "lock", 1), ("a", "lock", 4), ("a", "count", 1), ("a", "count", 4),
        ("b", "lock", 1), ("b", "lock", 4), ("b", "count", 1), ("b", "count", 4),
    ]
    assert specs[1].name == "lock-4t@a"


def test_pyperf_args() -> None:
    assert MeasureOptions().pyperf_args() == []
    args = MeasureOptions(fast=True, processes=2, min_time=0.05).pyperf_args()
    assert args == ["--fast", "--processes", "2", "--min-time", "0.05"]


def test_time_batch_checks_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    tally = worker._Tally()
    monkeypatch.setattr(worker, "TALLY", tally)
    elapsed = worker.time_batch(1000, "lock", 2, 4, 0)
    worker.time_batch(10, "count", 1, 1, 0)
    assert elapsed > 0
    meta = tally.metadata()
    assert meta["tlsbench_calls"] == 2
    assert meta["tlsbench_counted"] == meta["tlsbench_expected"] == 250 + 10
    assert meta["tlsbench_gil_enabled"] in (0, 1)


def test_measure_runs_pyperf_and_every_run_carries_its_count_check() -> None:
    bench = measure(BenchmarkSpec("count", 2, period=3), TINY)
    assert bench.get_name() == "count-2t"
    runs = bench.get_runs()
    # One run per process: the batch size is calibrated in the parent (tlsbench.worker),
    # not in a pyperf calibration run.
    assert len(runs) == 1
    assert runs[0].get_metadata()["loops"] >= 1
    for run in runs:
        meta = run.get_metadata()
        assert meta["tlsbench_counted"] == meta["tlsbench_expected"] > 0
    result = from_pyperf(bench)
    assert result.strategy == "count" and result.threads == 2 and result.period == 3
    assert result.count_ok and not result.failed
    assert len(result.values) == 2 and result.mean > 0
    metadata = bench.get_metadata()
    for key in ("tlsbench_version", "tlsbench_py_gil_disabled", "tlsbench_switch_interval",
                "tlsbench_cpu_count", "tlsbench_error_rate", "tlsbench_work"):
        assert key in metadata
