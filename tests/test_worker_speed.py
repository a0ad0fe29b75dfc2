"""What the worker does to answer quickly: calibration in the parent, tlsbench's --fast."""

from __future__ import annotations

from pathlib import Path

import pyperf
import pytest

from tlsbench import worker


def test_calibration_doubles_the_batch_until_it_lasts_min_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batches: list[int] = []

    def fake_batch(loops: int, *args: object) -> float:
        batches.append(loops)
        return loops * 1e-3  # 1 ms per item

    monkeypatch.setattr(worker, "time_batch", fake_batch)
    assert worker.calibrate_loops("lock", 1, 2, 0, 0.05) == 64  # 64 ms >= 50 ms > 32 ms
    assert batches == [1, 2, 4, 8, 16, 32, 64]
    # A batch already too long at one item (releasing 1024 threads) stays at one item.
    monkeypatch.setattr(worker, "time_batch", lambda loops, *args: 0.17 + loops * 1e-7)
    assert worker.calibrate_loops("lock", 1024, 2, 0, 0.05) == 1
    monkeypatch.setattr(worker, "time_batch", lambda loops, *args: 0.0)
    assert worker.calibrate_loops("lock", 1, 2, 0, 0.05) == worker.MAX_LOOPS


@pytest.mark.parametrize(("given", "expected"), [
    (["--name", "x"], ["--name", "x"]),
    (["--fast"], ["--processes", "2", "--values", "2", "--min-time", "0.03"]),
    # What the user set wins over --fast's settings.
    (["--fast", "--processes", "4", "--min-time=0.2"],
     ["--processes", "4", "--min-time=0.2", "--values", "2"]),
])
def test_fast_is_tlsbench_s_own(given: list[str], expected: list[str]) -> None:
    assert worker._fast_arguments(given) == expected


@pytest.mark.slow
def test_a_fast_run_has_two_processes_and_no_calibration_run(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    worker.main(["--name", "count-1t", "--strategy", "count", "--threads", "1", "--period", "2",
                 "--fast", "--min-time", "0.005", "--quiet", "--output", str(output)])
    bench = pyperf.Benchmark.load(str(output))
    runs = bench.get_runs()
    assert len(runs) == 2
    assert all(len(run.values) == 2 and len(run.warmups) == 1 for run in runs)
    assert len({run.get_metadata()["loops"] for run in runs}) == 1
    assert not any("calibrate_loops" in run.get_metadata() for run in runs)


def test_a_value_lasts_at_least_10_ms_per_thread() -> None:
    # Releasing the threads is inside the timed region: longer values keep it a small share.
    assert worker.value_min_time(0.05, 1) == 0.05
    assert worker.value_min_time(0.05, 4) == 0.05
    assert worker.value_min_time(0.05, 8) == pytest.approx(0.08)
    assert worker.value_min_time(0.05, 64) == pytest.approx(0.64)
    assert worker.value_min_time(2.0, 64) == 2.0
