"""Harness overhead: what tlsbench's machinery adds to the number it reports.

1. Per item: the value tlsbench's worker hands to pyperf (``time_batch(loops)/loops``)
   against a minimal hand-written loop with the same body, timed the same way
   (threads parked on a barrier whose action reads the clock, each thread stamping its
   own end, elapsed = last end - release), but with no strategy registry, no Strategy
   object and no helper functions. Both run in this process, interleaved, several times.
   Target: within 10 %.
2. Fixed cost: the timed region with the threads released but no items, as a share of
   one value (one batch as tlsbench's worker calibrates it: at least min_time, and
   at least 10 ms per thread).
   Target: under 1 % at the default thread counts (1 and 8).

Usage: python benchmarks/harness_overhead.py [--repeat N] [--min-time S]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys

from common import heading, machine, noise_floor, rsd, table, verdict
from handloop import hand_region

from tlsbench.strategies import DEFAULT_STRATEGIES, get_strategy
from tlsbench.worker import DEFAULT_MIN_TIME, calibrate_loops, time_batch, value_min_time
from tlsbench.workload import run_parallel

PERIOD = 2  # the default error rate, 0.5
PER_ITEM_TARGET = 0.10
FIXED_TARGET = 0.01


# --- measurements ----------------------------------------------------------------------------

def calibrate(strategy: str, threads: int, min_time: float) -> int:
    """The batch size tlsbench's worker would use (its own calibration, same rules)."""
    return calibrate_loops(strategy, threads, PERIOD, 0, value_min_time(min_time, threads))


def per_item(strategy: str, threads: int, repeat: int, min_time: float) -> list[object]:
    loops = calibrate(strategy, threads, min_time)
    samples: dict[str, list[float]] = {"tlsbench": [], "hand": []}
    for _ in range(repeat):
        order = ["tlsbench", "hand"]
        random.shuffle(order)  # interleaved, in random order: drift hits both alike
        for variant in order:
            if variant == "tlsbench":
                elapsed = time_batch(loops, strategy, threads, PERIOD, 0)
            else:
                elapsed = hand_region(strategy, threads, loops, PERIOD)
            samples[variant].append(elapsed / loops)
    ours = statistics.median(samples["tlsbench"])
    hand = statistics.median(samples["hand"])
    # The difference within each repetition (the two ran back to back), then the median:
    # steadier than the ratio of medians when the machine's load drifts.
    gap = statistics.median(o / h - 1 for o, h in zip(samples["tlsbench"], samples["hand"],
                                                      strict=True))
    noise = max(rsd(samples["tlsbench"]), rsd(samples["hand"]))
    return [strategy, threads, f"{loops:,}", f"{ours * 1e9:.1f} ns", f"{hand * 1e9:.1f} ns",
            f"{gap:+.1%}", f"{noise:.1%}", verdict(abs(gap) <= PER_ITEM_TARGET)]


def fixed_cost(threads: int, repeat: int, min_time: float, target: bool) -> list[object]:
    empty = statistics.median(
        run_parallel(get_strategy("count")(threads), threads, 0, PERIOD).elapsed
        for _ in range(repeat))
    loops = calibrate("count", threads, min_time)
    value = statistics.median(
        time_batch(loops, "count", threads, PERIOD, 0) for _ in range(max(3, repeat // 3)))
    share = empty / value
    return [threads, f"{empty * 1e6:,.1f} µs", f"{value * 1e3:.1f} ms", f"{share:.2%}",
            verdict(share < FIXED_TARGET) if target else "(information)"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=11, help="samples per variant")
    parser.add_argument("--min-time", type=float, default=DEFAULT_MIN_TIME,
                        help="seconds per batch, as pyperf calibrates it")
    parser.add_argument("--threads", default="1,8", help="thread counts for the per-item test")
    args = parser.parse_args(argv)
    thread_counts = [int(t) for t in args.threads.split(",")]

    heading("Harness overhead: time per item, tlsbench against a hand-written loop")
    print(f"Machine: {machine()}\n\n{noise_floor()}\n")
    rows = [per_item(strategy, threads, args.repeat, args.min_time)
            for strategy in DEFAULT_STRATEGIES for threads in thread_counts]
    print(table(["strategy", "threads", "items per batch", "tlsbench (median)",
                 "hand-written (median)", "difference (median per rep)", "sample RSD",
                 "within 10 %"], rows))

    heading("Fixed cost of the timed region (threads released, no items)")
    rows = [fixed_cost(t, args.repeat, args.min_time, target=t in (1, 8))
            for t in (1, 2, 8, 32, 128, 1024)]
    print(table(["threads", "empty region (median)", "one value (batch)", "share",
                 "under 1 %"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
