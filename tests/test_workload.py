"""The timed parallel region: shares, expected counts, what the clock sees, exact counts."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import pytest

from tlsbench.strategies import DEFAULT_STRATEGIES, Strategy, all_strategies, get_strategy
from tlsbench.workload import (
    count_errors,
    count_errors_with_work,
    expected_errors,
    jain_fairness,
    run_parallel,
    shares,
)


class ScriptedClock:
    """An injected clock: hands out the given readings in order, from any thread."""

    def __init__(self, readings: list[float]) -> None:
        self._readings = iter(readings)
        self._lock = threading.Lock()
        self.calls = 0

    def __call__(self) -> float:
        with self._lock:
            self.calls += 1
            return next(self._readings)


@pytest.mark.parametrize(("items", "threads"), [(10, 3), (2, 8), (0, 4), (1024, 8), (7, 1)])
def test_shares_cover_the_batch_contiguously_and_evenly(items: int, threads: int) -> None:
    bounds = shares(items, threads)
    assert len(bounds) == threads
    assert bounds[0][0] == 0 and bounds[-1][1] == items
    for (_, stop), (start, _) in itertools.pairwise(bounds):
        assert stop == start
    sizes = [stop - start for start, stop in bounds]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize(("items", "period"), [(0, 1), (1, 1), (10, 3), (9, 3), (100, 7), (5, 100)])
def test_expected_errors_matches_brute_force(items: int, period: int) -> None:
    assert expected_errors(items, period) == sum(1 for i in range(items) if i % period == 0)


def test_single_thread_elapsed_is_release_to_finish() -> None:
    clock = ScriptedClock([10.0, 12.5])
    result = run_parallel(get_strategy("lock")(1), 1, 100, 2, clock=clock)
    assert result.elapsed == pytest.approx(2.5)
    assert result.thread_times == (pytest.approx(2.5),)


def test_elapsed_is_the_last_thread_to_finish_and_the_clock_is_read_only_in_the_region() -> None:
    # One reading as the barrier releases the threads, one per thread at its finish:
    # creating, starting and joining threads must not touch the clock at all.
    clock = ScriptedClock([5.0, 6.0, 7.0, 9.0])
    result = run_parallel(get_strategy("count")(3), 3, 300, 2, clock=clock)
    assert clock.calls == 4
    assert result.elapsed == pytest.approx(4.0)
    assert sorted(result.thread_times) == pytest.approx([1.0, 2.0, 4.0])


@pytest.mark.parametrize("name", DEFAULT_STRATEGIES)
@pytest.mark.parametrize("threads", [1, 4])
def test_default_strategies_count_exactly_on_real_threads(name: str, threads: int) -> None:
    result = run_parallel(get_strategy(name)(threads), threads, 3001, 3)
    assert result.expected == 1001
    assert result.counted == result.expected
    assert result.lost == 0
    assert len(result.thread_times) == threads
    assert result.elapsed == max(result.thread_times) > 0


def test_work_per_item_keeps_the_count_exact() -> None:
    result = run_parallel(get_strategy("lock")(2), 2, 200, 4, work=10)
    assert result.counted == result.expected == 50


class DropsEverySecond(Strategy):
    """A broken strategy: loses every second increment."""

    name = "test-drops"
    summary = "test only"

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        self.calls = itertools.count()
        self.value = 0
        self.lock = threading.Lock()

    def incrementer(self, index: int) -> Callable[[], object]:
        return self.increment

    def increment(self) -> None:
        with self.lock:
            if next(self.calls) % 2 == 0:
                self.value += 1

    def total(self) -> int:
        return self.value


def test_a_miscounting_strategy_shows_as_lost_updates() -> None:
    result = run_parallel(DropsEverySecond(2), 2, 400, 1)
    assert result.expected == 400
    assert result.counted == 200
    assert result.lost == 200


def test_loop_bodies_and_incrementers_have_no_closures() -> None:
    # Free-threaded 3.13 reads a closure's cells under a per-cell lock: a closure in the
    # hot loop would serialise the threads on the harness instead of the strategy.
    for function in (count_errors, count_errors_with_work):
        assert function.__code__.co_freevars == ()
    for cls in all_strategies().values():
        if cls.unavailable_reason() is not None:
            continue
        increment = cls(2).incrementer(0)
        assert getattr(increment, "__closure__", None) is None, cls.name


def test_jain_fairness() -> None:
    assert jain_fairness([1.0, 1.0, 1.0]) == pytest.approx(1.0)
    assert jain_fairness([1.0, 0.0, 0.0, 0.0]) == pytest.approx(0.25)
    assert 0.25 < jain_fairness([1.0, 2.0, 3.0, 4.0]) < 1.0


def test_run_parallel_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        run_parallel(get_strategy("lock")(1), 0, 10, 1)
    with pytest.raises(ValueError):
        run_parallel(get_strategy("lock")(1), 1, 10, 0)
