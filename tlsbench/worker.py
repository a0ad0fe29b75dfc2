"""The pyperf program that measures one benchmark: ``python -m tlsbench.worker``.

pyperf's Runner re-runs its own command line with ``--worker`` to spawn worker processes
(psf/pyperf#65), so it cannot live inside the click command. This module owns the Runner;
``tlsbench.measure`` starts it once per benchmark, in the interpreter under test, and reads
back the JSON it writes. It imports only pyperf and tlsbench's core, so it runs in any
interpreter that has those two on its path.

Every call of the timed function checks the count it produced. A pyperf hook copies the
tallies into each run's metadata (``tlsbench_counted``, ``tlsbench_expected``, ...), where
pyperf keeps them alongside the values.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pyperf
from pyperf._hooks import HookBase

from tlsbench import __version__
from tlsbench.environment import collect, gil_enabled_now
from tlsbench.strategies import get_strategy
from tlsbench.workload import RegionResult, jain_fairness, run_parallel

HOOK_NAME = "tlsbench_counts"

# Default pyperf parameters, chosen so that `tlsbench run --threads 8` (6 benchmarks)
# answers in under 30 s on 2 cores, and under 10 s with --fast (see benchmarks/README.md);
# --rigorous doubles the processes, as pyperf's does. A value lasts 1-2x min_time
# (calibration doubles the batch): long enough that releasing 8 threads costs < 1 % of it.
DEFAULT_PROCESSES = 5
DEFAULT_VALUES = 3
DEFAULT_WARMUPS = 1
DEFAULT_MIN_TIME = 0.05
#: tlsbench's --fast, rougher than pyperf's (which keeps 3 processes to sample hash
#: randomisation, which this integer loop does not depend on): an answer in seconds.
FAST_PROCESSES = 2
FAST_VALUES = 2
FAST_MIN_TIME = 0.03
#: pyperf's own ceiling on loops.
MAX_LOOPS = 2**32
#: Seconds of value per thread: releasing the threads from the barrier is inside the
#: timed region and costs about 0.1 ms a thread on 2 cores (benchmarks/harness_overhead.py),
#: so a value of at least 10 ms a thread keeps that fixed cost near 1 % at any thread count.
MIN_TIME_PER_THREAD = 0.01


class _Tally:
    """Every region measured in this process: what the hook reports."""

    def __init__(self) -> None:
        self.calls = 0
        self.counted = 0
        self.expected = 0
        self.fairness_min = 1.0

    def add(self, result: RegionResult) -> None:
        self.calls += 1
        self.counted += result.counted
        self.expected += result.expected
        if len(result.thread_times) > 1:
            self.fairness_min = min(self.fairness_min, jain_fairness(result.thread_times))

    def metadata(self) -> dict[str, int | float]:
        return {
            "tlsbench_calls": self.calls,
            "tlsbench_counted": self.counted,
            "tlsbench_expected": self.expected,
            "tlsbench_fairness_min": round(self.fairness_min, 6),
            # Read after the work: an extension module imported on the way may have
            # re-enabled the GIL of a free-threaded build.
            "tlsbench_gil_enabled": int(gil_enabled_now()),
        }


TALLY = _Tally()


class CountHook(HookBase):  # type: ignore[misc]  # pyperf is untyped
    """pyperf hook: puts this process's count checks into the run's metadata."""

    def teardown(self, metadata: dict[str, object]) -> None:
        metadata.update(TALLY.metadata())


class _HookEntry:
    """What pyperf's Runner(hooks=...) expects: an entry point's name and load()."""

    name = HOOK_NAME

    @staticmethod
    def load() -> type[CountHook]:
        return CountHook


def time_batch(loops: int, strategy_name: str, threads: int, period: int, work: int) -> float:
    """pyperf time function: one batch of ``loops`` items; pyperf divides by loops."""
    strategy = get_strategy(strategy_name)(threads)
    result = run_parallel(strategy, threads, loops, period, work)
    TALLY.add(result)
    return result.elapsed


def calibrate_loops(strategy: str, threads: int, period: int, work: int, min_time: float) -> int:
    """pyperf's calibration: double the batch until one lasts at least ``min_time``."""
    loops = 1
    while time_batch(loops, strategy, threads, period, work) < min_time and loops < MAX_LOOPS:
        loops *= 2
    return loops


def value_min_time(min_time: float, threads: int) -> float:
    """How long one value must last: ``min_time``, but at least 10 ms per thread."""
    return max(min_time, MIN_TIME_PER_THREAD * threads)


def _fast_arguments(arguments: list[str]) -> list[str]:
    """Replace ``--fast`` by tlsbench's rough settings, keeping any the user gave."""
    if "--fast" not in arguments:
        return arguments
    arguments = [a for a in arguments if a != "--fast"]
    for flag, value in (("--processes", FAST_PROCESSES), ("--values", FAST_VALUES),
                        ("--min-time", FAST_MIN_TIME)):
        if not any(a == flag or a.startswith(f"{flag}=") for a in arguments):
            arguments += [flag, str(value)]
    return arguments


def _add_cmdline_args(cmd: list[str], args: argparse.Namespace) -> None:
    # Pass the benchmark's own options on to the worker processes pyperf spawns.
    cmd.extend([
        "--name", args.name,
        "--strategy", args.strategy,
        "--threads", str(args.threads),
        "--period", str(args.period),
        "--work", str(args.work),
    ])


def main(argv: Sequence[str] | None = None) -> None:
    runner = pyperf.Runner(
        processes=DEFAULT_PROCESSES,
        values=DEFAULT_VALUES,
        warmups=DEFAULT_WARMUPS,
        min_time=DEFAULT_MIN_TIME,
        program_args=("-m", "tlsbench.worker"),
        add_cmdline_args=_add_cmdline_args,
        hooks=[_HookEntry],
    )
    parser = runner.argparser
    parser.add_argument("--name", required=True)
    parser.add_argument("--strategy", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--period", type=int, required=True)
    parser.add_argument("--work", type=int, default=0)
    arguments = list(sys.argv[1:] if argv is None else argv)
    if "--hook" not in arguments:
        arguments += ["--hook", HOOK_NAME]
    arguments = _fast_arguments(arguments)
    args = runner.parse_args(arguments)

    try:  # plugin strategies are looked up here too, in the interpreter under test
        strategy = get_strategy(args.strategy)
    except KeyError as exc:
        sys.exit(f"tlsbench.worker: {exc.args[0]} in {sys.executable}")
    reason = strategy.unavailable_reason()
    if reason:
        sys.exit(f"tlsbench.worker: {args.strategy} is not available in {sys.executable}: "
                 f"{reason}")
    build = collect()
    runner.metadata.update({
        "tlsbench_version": __version__,
        "tlsbench_strategy": args.strategy,
        "tlsbench_safe": int(strategy.safe),
        "tlsbench_threads": args.threads,
        "tlsbench_period": args.period,
        "tlsbench_error_rate": 1.0 / args.period,
        "tlsbench_work": args.work,
        "tlsbench_python_version": build.python_version,
        "tlsbench_implementation": build.implementation,
        "tlsbench_py_gil_disabled": int(build.free_threaded),
        "tlsbench_switch_interval": build.switch_interval,
        "tlsbench_cpu_count": build.cpu_count,
        "tlsbench_executable": build.executable,
        "tlsbench_platform": build.platform,
    })
    if not args.worker and not args.loops:
        # Calibrate here, not in a pyperf process of its own: that process costs a start-up
        # and a full set of values that are thrown away (a seventh of a default benchmark).
        args.loops = calibrate_loops(args.strategy, args.threads, args.period, args.work,
                                     value_min_time(args.min_time, args.threads))
    runner.bench_time_func(
        args.name, time_batch, args.strategy, args.threads, args.period, args.work
    )


if __name__ == "__main__":
    main()
