"""The batch job and its timed parallel region.

A batch of ``items`` items is split into contiguous shares, one per thread. Item ``i``
(numbered across the whole batch) is an error when ``i % period == 0``, so a batch of
``items`` items holds exactly ``ceil(items / period)`` errors whatever the thread count.
Each error is recorded through the strategy under test.

Only the parallel region is timed: threads are created and parked on a barrier first;
the barrier's action reads the clock as it releases them all at once, and each thread
reads the clock again after its last item. The elapsed time is from release to the last
thread's finish; creating and joining the threads stay outside it.

A strategy whose ``incrementer`` is None walks each share itself (``run_share``), in
the same place: after the release, before ``thread_done`` and the thread's end stamp.

The loop bodies are module-level functions that take all their state as arguments:
on free-threaded 3.13 reading a closure's free variables takes a per-cell lock, which
would serialise the threads on the harness rather than on the strategy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tlsbench.strategies import Increment, Strategy

Clock = Callable[[], float]


@dataclass(frozen=True)
class RegionResult:
    """What one timed parallel region measured."""

    elapsed: float
    """Seconds from the threads' release to the last thread's finish."""
    counted: int
    expected: int
    thread_times: tuple[float, ...]
    """Seconds from release to each thread's finish, by thread index."""

    @property
    def lost(self) -> int:
        """Updates the strategy failed to record (negative if it over-counted)."""
        return self.expected - self.counted


def expected_errors(items: int, period: int) -> int:
    """Number of errors in a batch of ``items`` items: items 0, period, 2*period, ..."""
    return (items + period - 1) // period


def shares(items: int, threads: int) -> list[tuple[int, int]]:
    """Split ``range(items)`` into ``threads`` contiguous ``(start, stop)`` shares.

    The first ``items % threads`` shares get one item more, so shares differ by at most one.
    """
    base, extra = divmod(items, threads)
    bounds = []
    start = 0
    for index in range(threads):
        stop = start + base + (1 if index < extra else 0)
        bounds.append((start, stop))
        start = stop
    return bounds


def count_errors(start: int, stop: int, period: int, increment: Increment) -> None:
    """Walk items ``start..stop-1``, recording each error."""
    for i in range(start, stop):
        if i % period == 0:
            increment()


def count_errors_with_work(
    start: int, stop: int, period: int, increment: Increment, work: int
) -> None:
    """As :func:`count_errors`, with ``work`` iterations of pure-Python arithmetic per item."""
    for i in range(start, stop):
        acc = 0
        for j in range(work):
            acc += j
        if i % period == 0:
            increment()


def _thread_main(
    barrier: threading.Barrier,
    start: int,
    stop: int,
    period: int,
    work: int,
    increment: Increment | None,
    strategy: Strategy,
    index: int,
    ends: list[float],
    clock: Clock,
) -> None:
    barrier.wait()
    if increment is None:  # the strategy walks the share itself (e.g. a local counter)
        strategy.run_share(index, start, stop, period, work)
    elif work:
        count_errors_with_work(start, stop, period, increment, work)
    else:
        count_errors(start, stop, period, increment)
    strategy.thread_done(index)
    ends[index] = clock()


class _StartStamp:
    """The barrier's action: reads the clock as the threads are released."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.time: float | None = None

    def __call__(self) -> None:
        self.time = self.clock()


def run_parallel(
    strategy: Strategy,
    threads: int,
    items: int,
    period: int,
    work: int = 0,
    clock: Clock = time.perf_counter,
) -> RegionResult:
    """Run one batch on ``threads`` threads through ``strategy`` and time the parallel region."""
    if threads < 1:
        raise ValueError("threads must be >= 1")
    if period < 1:
        raise ValueError("period must be >= 1")
    start_stamp = _StartStamp(clock)
    barrier = threading.Barrier(threads, action=start_stamp)
    ends: list[float] = [0.0] * threads
    workers = [
        threading.Thread(
            target=_thread_main,
            args=(barrier, start, stop, period, work, strategy.incrementer(index),
                  strategy, index, ends, clock),
            name=f"tlsbench-{index}",
            daemon=True,
        )
        for index, (start, stop) in enumerate(shares(items, threads))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if start_stamp.time is None:  # pragma: no cover - a thread died before the barrier
        raise RuntimeError("the worker threads were never released")
    t0 = start_stamp.time
    thread_times = tuple(end - t0 for end in ends)
    return RegionResult(
        elapsed=max(thread_times),
        counted=strategy.total(),
        expected=expected_errors(items, period),
        thread_times=thread_times,
    )


def jain_fairness(times: Sequence[float]) -> float:
    """Jain's fairness index of per-thread completion times: 1.0 when all are equal, 1/n worst."""
    if not times:
        return 1.0
    square_of_sum = sum(times) ** 2
    sum_of_squares = sum(t * t for t in times)
    if sum_of_squares == 0:
        return 1.0
    return square_of_sum / (len(times) * sum_of_squares)
