"""Counting strategies: the ways an error counter can be shared between threads.

Each strategy is a small class registered by name. A fresh instance is made for every
measured value, so its count starts at zero. The timed loop (``tlsbench.workload``)
calls, per thread:

* ``incrementer(index)`` before the clock starts: returns the callable that records one
  error. It must be a bound method or a C callable, never a closure: on free-threaded
  3.13 a closure's free variables are read under a per-cell lock, which would make the
  harness itself a point of contention.
* ``thread_done(index)`` inside the timed region, once the thread has walked its share
  (where thread-local strategies publish their subtotal).

``total()`` is read after all threads have been joined.

To add a strategy, subclass :class:`Strategy` and decorate it with :func:`register`.
"""

from __future__ import annotations

import itertools
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar

Increment = Callable[[], object]


class Strategy(ABC):
    """One way of keeping the shared error count."""

    name: ClassVar[str]
    #: One line for ``tlsbench list`` and the help text.
    summary: ClassVar[str]
    #: A safe strategy must count exactly; a wrong count is a failure, not a result.
    safe: ClassVar[bool] = True

    def __init__(self, threads: int) -> None:
        self.threads = threads

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why this strategy cannot run here (for example a missing package), or None."""
        return None

    @abstractmethod
    def incrementer(self, index: int) -> Increment:
        """The callable thread ``index`` calls once per error."""

    def thread_done(self, index: int) -> None:  # noqa: B027 - optional hook
        """Called by thread ``index`` after its last item, inside the timed region."""

    @abstractmethod
    def total(self) -> int:
        """The final count, read after every thread has finished."""


_REGISTRY: dict[str, type[Strategy]] = {}

#: Strategies run when the user names none.
DEFAULT_STRATEGIES: tuple[str, ...] = ("threadlocal", "lock", "count")


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: make a strategy available under ``cls.name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"strategy {cls.name!r} is already registered")
    _REGISTRY[cls.name] = cls
    return cls


def all_strategies() -> dict[str, type[Strategy]]:
    """Every registered strategy, by name, in registration order."""
    return dict(_REGISTRY)


def get_strategy(name: str) -> type[Strategy]:
    """The strategy called ``name``; KeyError if there is none."""
    return _REGISTRY[name]


class _Local(threading.local):
    # threading.local runs __init__ once in every thread that touches the object.
    def __init__(self) -> None:
        self.value = 0


@register
class ThreadLocalCounter(Strategy):
    name = "threadlocal"
    summary = "a threading.local() counter per thread, summed once at the end"

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        self._local = _Local()
        self._subtotals: list[int] = []

    def incrementer(self, index: int) -> Increment:
        return self.increment

    def increment(self) -> None:
        self._local.value += 1

    def thread_done(self, index: int) -> None:
        # list.append is atomic on every build; each thread publishes exactly once.
        self._subtotals.append(self._local.value)

    def total(self) -> int:
        return sum(self._subtotals)


@register
class LockCounter(Strategy):
    name = "lock"
    summary = "one shared int, every increment under a threading.Lock"

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        self._lock = threading.Lock()
        self._value = 0

    def incrementer(self, index: int) -> Increment:
        return self.increment

    def increment(self) -> None:
        with self._lock:
            self._value += 1

    def total(self) -> int:
        return self._value


@register
class CountCounter(Strategy):
    name = "count"
    summary = "one shared itertools.count() advanced with next(): one C call per error"

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        self._counter = itertools.count()

    def incrementer(self, index: int) -> Increment:
        # The bound C method itself: no Python frame between the loop and the counter.
        return self._counter.__next__

    def total(self) -> int:
        # count() hands out 0, 1, 2, ...: the next value is the number of calls so far.
        return next(self._counter)
