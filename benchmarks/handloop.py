"""The hand-written timed region the harness is measured against (standard library only,
so that it also runs in interpreters without tlsbench's dependencies).

The same body as tlsbench's (walk a contiguous share of the items; item i is an error when
i % period == 0; record it through a bound method), timed the same way (threads parked
on a barrier whose action reads the clock; each thread stamps its own end; elapsed is the
last end minus the release), but written inline: no registry, no Strategy object, no
RegionResult, no helper functions between the thread and its loop.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable


class _Local(threading.local):
    def __init__(self) -> None:
        self.value = 0


class HandThreadLocal:
    def __init__(self) -> None:
        self.local = _Local()
        self.subtotals: list[int] = []

    def increment(self) -> None:
        self.local.value += 1

    def done(self) -> None:
        self.subtotals.append(self.local.value)


class HandLock:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value = 0

    def increment(self) -> None:
        with self.lock:
            self.value += 1

    def done(self) -> None:
        pass


class HandCount:
    def __init__(self) -> None:
        self.counter = itertools.count()
        self.increment = self.counter.__next__

    def done(self) -> None:
        pass


HAND: dict[str, Callable[[], HandThreadLocal | HandLock | HandCount]] = {
    "threadlocal": HandThreadLocal, "lock": HandLock, "count": HandCount,
}


def _hand_thread(barrier: threading.Barrier, start: int, stop: int, period: int,
                 increment: Callable[[], object], done: Callable[[], None],
                 ends: list[float], index: int) -> None:
    barrier.wait()
    for i in range(start, stop):
        if i % period == 0:
            increment()
    done()
    ends[index] = time.perf_counter()


def hand_region(strategy: str, threads: int, items: int, period: int) -> float:
    """The hand-written timed region: seconds from release to the last thread's end."""
    counter = HAND[strategy]()
    started: list[float] = []
    barrier = threading.Barrier(threads, action=lambda: started.append(time.perf_counter()))
    ends = [0.0] * threads
    share, extra = divmod(items, threads)
    workers, start = [], 0
    for index in range(threads):
        stop = start + share + (index < extra)
        workers.append(threading.Thread(
            target=_hand_thread,
            args=(barrier, start, stop, period, counter.increment, counter.done, ends, index)))
        start = stop
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return max(ends) - started[0]
