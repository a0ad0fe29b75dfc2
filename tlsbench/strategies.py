"""Counting strategies: the ways an error counter can be shared between threads.

Each strategy is a small class registered by name. A fresh instance is made for every
measured value, so its count starts at zero. The timed loop (``tlsbench.workload``)
calls, per thread:

* ``incrementer(index)`` before the clock starts: returns the callable that records one
  error. It must be a bound method or a C callable, never a closure: on free-threaded
  3.13 a closure's free variables are read under a per-cell lock, which would make the
  harness itself a point of contention. A strategy whose threads must walk their share
  themselves (``batched`` counts in a true local variable) returns None here and
  overrides ``run_share(index, start, stop, period, work)`` instead.
* ``thread_done(index)`` inside the timed region, once the thread has walked its share
  (where thread-local strategies publish their subtotal).

``total()`` is read after all threads have been joined.

To add a strategy, subclass :class:`Strategy` and decorate it with :func:`register`;
another package can add one through the ``tlsbench.strategies`` entry-point group
(see :func:`plugin_problems` and the README), loaded the first time a name is not
found among the built-in ones.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import importlib.util
import itertools
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from importlib import metadata
from typing import Any, ClassVar

Increment = Callable[[], object]

#: Entry-point group through which other packages add strategies.
PLUGIN_GROUP = "tlsbench.strategies"

#: Where the optional atomic-integer packages come from.
ATOMICS_HINT = "pip install 'tlsbench[atomics]'"


class Strategy(ABC):
    """One way of keeping the shared error count."""

    name: ClassVar[str]
    #: One line for ``tlsbench list``: what it does, then what it shows.
    summary: ClassVar[str]
    #: A safe strategy must count exactly; a wrong count is a failure, not a result.
    safe: ClassVar[bool] = True

    def __init__(self, threads: int) -> None:
        self.threads = threads

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why this strategy cannot run here (for example a missing package), or None."""
        return None

    def incrementer(self, index: int) -> Increment | None:
        """The callable thread ``index`` calls once per error.

        None means the strategy walks each thread's share itself: see :meth:`run_share`.
        """
        return None

    def run_share(self, index: int, start: int, stop: int, period: int, work: int) -> None:
        """Walk items ``start..stop-1`` for thread ``index``, counting each error.

        Used instead of the harness's loop when :meth:`incrementer` returns None. It runs
        inside the timed region, between the threads' release and ``thread_done``; it
        must do the same per-item work as ``tlsbench.workload.count_errors`` (and its
        ``work`` variant), only the counting may differ.
        """
        raise NotImplementedError(f"{self.name} has neither an incrementer nor run_share")

    def thread_done(self, index: int) -> None:  # noqa: B027 - optional hook
        """Called by thread ``index`` after its last item, inside the timed region."""

    @abstractmethod
    def total(self) -> int:
        """The final count, read after every thread has finished."""


_REGISTRY: dict[str, type[Strategy]] = {}
_PLUGINS_LOADED = False
_PLUGIN_PROBLEMS: dict[str, str] = {}
_PLUGIN_NAMES: set[str] = set()

#: Strategies run when the user names none.
DEFAULT_STRATEGIES: tuple[str, ...] = ("threadlocal", "lock", "count")


def _check_class(cls: type[Strategy]) -> None:
    for attribute in ("name", "summary"):
        if not isinstance(getattr(cls, attribute, None), str) or not getattr(cls, attribute):
            raise ValueError(f"{cls.__qualname__} has no {attribute} string")
    if cls.incrementer is Strategy.incrementer and cls.run_share is Strategy.run_share:
        raise ValueError(f"strategy {cls.name!r} defines neither incrementer() nor run_share()")
    if getattr(cls, "__abstractmethods__", None):
        missing = ", ".join(sorted(cls.__abstractmethods__))
        raise ValueError(f"strategy {cls.name!r} does not define {missing}()")


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: make a strategy available under ``cls.name``."""
    _check_class(cls)
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"strategy {cls.name!r} is already registered")
    _REGISTRY[cls.name] = cls
    return cls


def _load_plugins() -> None:
    """Register the strategies of the ``tlsbench.strategies`` entry points, once.

    A plugin that fails to load or is not a proper strategy is skipped and recorded in
    :func:`plugin_problems`: a broken third-party package must never stop tlsbench.
    """
    global _PLUGINS_LOADED
    if _PLUGINS_LOADED:
        return
    _PLUGINS_LOADED = True
    for entry in metadata.entry_points(group=PLUGIN_GROUP):
        where = f"strategy plugin {entry.name!r} ({entry.value})"
        try:
            cls = entry.load()
        except Exception as exc:  # any error in third-party code: skip, never crash
            _PLUGIN_PROBLEMS[entry.name] = f"{where} cannot be loaded: {type(exc).__name__}: {exc}"
            continue
        problem = _plugin_problem(entry.name, cls)
        if problem:
            _PLUGIN_PROBLEMS[entry.name] = f"{where} {problem}"
            continue
        _REGISTRY[entry.name] = cls
        _PLUGIN_NAMES.add(entry.name)


def _plugin_problem(name: str, cls: Any) -> str | None:
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        return "is not a subclass of tlsbench.strategies.Strategy"
    try:
        _check_class(cls)
        cls.unavailable_reason()
    except Exception as exc:
        return f"is broken: {type(exc).__name__}: {exc}"
    if cls.name != name:
        return f"names a strategy called {cls.name!r}; the entry point must be called the same"
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        return "clashes with the strategy of that name already registered"
    return None


def plugin_problems() -> dict[str, str]:
    """Entry points of the plugin group that were skipped, by name, with the reason."""
    _load_plugins()
    return dict(_PLUGIN_PROBLEMS)


def all_strategies() -> dict[str, type[Strategy]]:
    """Every strategy, built-in then plugins, by name, in registration order."""
    _load_plugins()
    return dict(_REGISTRY)


def get_strategy(name: str) -> type[Strategy]:
    """The strategy called ``name``; KeyError (with the reason if a plugin broke) if none."""
    if name not in _REGISTRY:  # built-in names never touch the entry points
        _load_plugins()
    if name not in _REGISTRY:
        raise KeyError(_PLUGIN_PROBLEMS.get(name, f"unknown strategy {name!r}"))
    return _REGISTRY[name]


def is_plugin(name: str) -> bool:
    """True for a strategy that came from another package through an entry point."""
    _load_plugins()
    return name in _PLUGIN_NAMES


def availability() -> dict[str, str | None]:
    """Every strategy's unavailable_reason() here, by name (None when it can run)."""
    return {name: cls.unavailable_reason() for name, cls in all_strategies().items()}


# -- the three core strategies ---------------------------------------------------------


class _Local(threading.local):
    # threading.local runs __init__ once in every thread that touches the object.
    def __init__(self) -> None:
        self.value = 0


@register
class ThreadLocalCounter(Strategy):
    name = "threadlocal"
    summary = ("a threading.local() counter per thread, summed at the end: no sharing, but a "
               "thread-local lookup per error")

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
    summary = ("one shared int, each increment under a threading.Lock: the classic fix, and "
               "what one contended lock costs")

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
    summary = ("one shared itertools.count() advanced with next(): one C call per error, "
               "atomic under the GIL or the object's lock")

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        self._counter = itertools.count()

    def incrementer(self, index: int) -> Increment:
        # The bound C method itself: no Python frame between the loop and the counter.
        return self._counter.__next__

    def total(self) -> int:
        # count() hands out 0, 1, 2, ...: the next value is the number of calls so far.
        return next(self._counter)


# -- the recommended patterns ----------------------------------------------------------


def count_locally(start: int, stop: int, period: int) -> int:
    """The errors among items ``start..stop-1``, counted in a local variable."""
    errors = 0
    for i in range(start, stop):
        if i % period == 0:
            errors += 1
    return errors


def count_locally_with_work(start: int, stop: int, period: int, work: int) -> int:
    """As :func:`count_locally`, with the same per-item work as the harness's loop."""
    errors = 0
    for i in range(start, stop):
        acc = 0
        for j in range(work):
            acc += j
        if i % period == 0:
            errors += 1
    return errors


@register
class BatchedCounter(Strategy):
    name = "batched"
    summary = ("a local variable per thread, its subtotal added under a lock once at the end: "
               "the recommended pattern, the floor to beat")

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        self._lock = threading.Lock()
        self._value = 0

    def run_share(self, index: int, start: int, stop: int, period: int, work: int) -> None:
        if work:
            errors = count_locally_with_work(start, stop, period, work)
        else:
            errors = count_locally(start, stop, period)
        with self._lock:
            self._value += errors

    def total(self) -> int:
        return self._value


class _Shard:
    """Thread ``index``'s view of the shared slots: only that thread writes its slot."""

    def __init__(self, slots: list[int], index: int) -> None:
        self.slots = slots
        self.index = index

    def increment(self) -> None:
        self.slots[self.index] += 1


@register
class ShardedCounter(Strategy):
    name = "sharded"
    summary = ("one shared list with a slot per thread, summed at the end: no lost updates, "
               "but every store goes to one shared list")

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        self._slots = [0] * threads

    def incrementer(self, index: int) -> Increment:
        return _Shard(self._slots, index).increment

    def total(self) -> int:
        return sum(self._slots)


@register
class ContextVarCounter(Strategy):
    name = "contextvar"
    summary = ("a contextvars.ContextVar, one value per thread's context: what the "
               "asyncio-friendly cousin of threading.local costs")

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        # Each thread runs in its own context, so the variable's value is per thread.
        self._var: contextvars.ContextVar[int] = contextvars.ContextVar("tlsbench_errors",
                                                                        default=0)
        self._subtotals: list[int] = []

    def incrementer(self, index: int) -> Increment:
        return self.increment

    def increment(self) -> None:
        self._var.set(self._var.get() + 1)

    def thread_done(self, index: int) -> None:
        self._subtotals.append(self._var.get())

    def total(self) -> int:
        return sum(self._subtotals)


@register
class QueueCounter(Strategy):
    """Message passing: every error is a message to one collector thread.

    The collector starts with the strategy, before the clock, and sums what arrives
    while the producers run. The last producer to finish waits until the collector has
    seen every message, so the timed region covers the whole exchange.
    """

    name = "queue"
    summary = ("each error a message on a queue.SimpleQueue to one collector thread (the "
               "channel pattern): what message passing costs")

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._value = 0
        self._running = threads
        self._lock = threading.Lock()
        self._collected = threading.Event()
        self._collector = threading.Thread(target=self._collect, name="tlsbench-collector",
                                           daemon=True)
        self._collector.start()

    def incrementer(self, index: int) -> Increment:
        # partial is a C callable holding its arguments: no closure, no Python frame.
        return functools.partial(self._queue.put, 1)

    def _collect(self) -> None:
        get = self._queue.get
        open_producers = self.threads
        value = 0
        while open_producers:
            item = get()
            if item is None:  # a producer's end of stream
                open_producers -= 1
            else:
                value += item
        self._value = value
        self._collected.set()

    def thread_done(self, index: int) -> None:
        self._queue.put(None)
        with self._lock:
            self._running -= 1
            last = self._running == 0
        if last:
            self._collected.wait()

    def total(self) -> int:
        self._collector.join()
        return self._value


# -- atomic integers from libraries made for free-threaded Python ----------------------


def _missing(module: str, extra_hint: str) -> str | None:
    if importlib.util.find_spec(module) is not None:
        return None
    return (f"needs the {module} package in the interpreter that runs the benchmark "
            f"({extra_hint})")


@register
class CereggiiAtomicCounter(Strategy):
    name = "atomic"
    summary = ("one shared cereggii.AtomicInt64, incremented with atomic CPU instructions: "
               "lock-free, but one contended cache line")

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        # Imported here: the package is optional, and untyped (so Any is right).
        self._counter = importlib.import_module("cereggii").AtomicInt64(0)

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return _missing("cereggii", f"{ATOMICS_HINT}, or pip install cereggii")

    def incrementer(self, index: int) -> Increment:
        # A per-thread handle, as cereggii recommends: it keeps the threads off the
        # shared object's reference count.
        handle = self._counter.get_handle()
        increment: Increment = handle.increment_and_get
        return increment

    def total(self) -> int:
        value: int = self._counter.get()
        return value


@register
class FtUtilsAtomicCounter(Strategy):
    name = "atomic-ftutils"
    summary = ("one shared ft_utils AtomicInt64 (Meta's free-threading utilities): the same "
               "idea as 'atomic', another library")

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        self._counter = importlib.import_module("ft_utils.concurrency").AtomicInt64(0)

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return _missing("ft_utils", f"Python 3.13+ only; {ATOMICS_HINT}, or pip install ft-utils")

    def incrementer(self, index: int) -> Increment:
        increment: Increment = self._counter.incr
        return increment

    def total(self) -> int:
        value: int = self._counter.get()
        return value


# -- what goes wrong without synchronisation -------------------------------------------


@register
class UnsafeCounter(Strategy):
    name = "unsafe"
    summary = ("a plain shared 'counter += 1', no lock: loses updates when free-threaded; with "
               "the GIL (3.10+) almost never, which proves nothing")
    safe = False

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        self.value = 0

    def incrementer(self, index: int) -> Increment:
        return self.increment

    def increment(self) -> None:
        # Read, add, write: three steps another thread can interleave with.
        self.value += 1

    def total(self) -> int:
        return self.value


def _between() -> None:
    """Does nothing. Calling a Python function is where a GIL build may switch threads."""


@register
class UnsafeCallCounter(Strategy):
    """The same race as ``unsafe``, made visible under the GIL.

    Since CPython 3.10 a thread gives up the GIL only at a few points: function entry
    and loop back-edges, never inside ``x += 1``. So a bare ``+=`` between calls is
    atomic by accident on GIL builds. Here a function call sits between the read and the
    write, as it would in real code (a log line, a helper), and a switch that lands
    there makes the thread write back a stale value, erasing every increment the other
    threads made in the meantime: a whole switch interval's worth.
    """

    name = "unsafe-call"
    summary = ("'unsafe' with a function call between read and write: the GIL can switch "
               "threads at a call, so it loses updates with the GIL too")
    safe = False

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        self.value = 0

    def incrementer(self, index: int) -> Increment:
        return self.increment

    def increment(self) -> None:
        value = self.value
        _between()
        self.value = value + 1

    def total(self) -> int:
        return self.value
