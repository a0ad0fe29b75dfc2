"""Scaling fidelity: on a free-threaded build, does tlsbench's timed region scale like a
hand-written one? A bottleneck in the harness (a lock, a closure cell, a shared object
the threads touch) would show as tlsbench scaling worse than the bare loop.

For the most parallel strategy (threadlocal: no shared state until each thread publishes
its subtotal), throughput at 2 threads over 1 thread, measured through tlsbench's region
(``run_parallel`` with the registered strategy, as the worker's ``time_batch`` does) and
through the hand-written region of ``handloop.py``, interleaved in one process.
Target: tlsbench's ratio within 10 % of the hand-written one.

The measuring runs in the interpreter under test (standard library + tlsbench only, with
PYTHONPATH pointing at this repository); this script starts it and prints the table.

Usage: python benchmarks/scaling_fidelity.py [--python EXE ...] [--repeat N]
Default interpreter: $TLSBENCH_PYTHON_313T, else ~/.cache/tlsbench-pythons/3.13t/bin/python3.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

STRATEGY = "threadlocal"
PERIOD = 2
TARGET = 0.10
MIN_TIME = 0.05  # tlsbench's default: one value lasts 1-2x this


def default_interpreter() -> str:
    cache = Path.home() / ".cache" / "tlsbench-pythons" / "3.13t" / "bin" / "python3"
    return os.environ.get("TLSBENCH_PYTHON_313T") or str(cache)


# --- the child: runs in the interpreter under test -----------------------------------------

def measure_here(repeat: int, min_time: float) -> dict[str, object]:
    from handloop import hand_region

    from tlsbench.environment import collect
    from tlsbench.strategies import get_strategy
    from tlsbench.workload import run_parallel

    def ours(threads: int, loops: int) -> float:
        return run_parallel(get_strategy(STRATEGY)(threads), threads, loops, PERIOD).elapsed

    def hand(threads: int, loops: int) -> float:
        return hand_region(STRATEGY, threads, loops, PERIOD)

    loops = {}
    for threads in (1, 2):
        n = 1
        while ours(threads, n) < min_time:
            n *= 2
        loops[threads] = n
    samples: dict[tuple[str, int], list[float]] = {}
    cases = [(variant, threads) for variant in ("tlsbench", "hand") for threads in (1, 2)]
    for _ in range(repeat):
        random.shuffle(cases)  # interleaved, in random order: drift hits every case alike
        for variant, threads in cases:
            region = ours if variant == "tlsbench" else hand
            per_item = region(threads, loops[threads]) / loops[threads]
            samples.setdefault((variant, threads), []).append(per_item)
    build = collect()
    return {
        "label": build.label,
        "gil_enabled": build.gil_enabled,
        "cpus": build.cpu_count,
        "loops": loops,
        # Per case, one sample per repetition, in repetition order.
        "samples": {f"{v}-{t}": s for (v, t), s in samples.items()},
    }


# --- the parent: starts the child, prints the table ------------------------------------------

def measure_in(python: str, repeat: int, min_time: float) -> dict[str, object]:
    repo = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(repo))
    proc = subprocess.run(
        [python, __file__, "--child", "--repeat", str(repeat), "--min-time", str(min_time)],
        env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed")
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append", help="interpreter(s) to measure in")
    parser.add_argument("--repeat", type=int, default=11, help="samples per case")
    parser.add_argument("--min-time", type=float, default=MIN_TIME)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure_here(args.repeat, args.min_time)))
        return 0

    from common import heading, machine, noise_floor, rsd, table, verdict

    heading(f"Scaling fidelity: {STRATEGY}, throughput at 2 threads over 1 thread")
    print(f"Machine: {machine()}\n\n{noise_floor()}\n")
    rows = []
    for python in args.python or [default_interpreter()]:
        if not Path(python).exists():
            print(f"skipped {python}: not found (set TLSBENCH_PYTHON_313T)")
            continue
        try:
            found = measure_in(python, args.repeat, args.min_time)
        except RuntimeError as exc:
            print(f"skipped {python}: {exc}")
            continue
        samples = found["samples"]
        assert isinstance(samples, dict)
        median = {case: statistics.median(values) for case, values in samples.items()}
        ours = median["tlsbench-1"] / median["tlsbench-2"]
        hand = median["hand-1"] / median["hand-2"]
        # The gap within each repetition (its four cases ran back to back), then the
        # median: steadier than the ratio of medians when the machine's load drifts.
        gaps = [(o1 / o2) / (h1 / h2) - 1 for o1, o2, h1, h2 in zip(
            samples["tlsbench-1"], samples["tlsbench-2"], samples["hand-1"], samples["hand-2"],
            strict=True)]
        gap = statistics.median(gaps)
        noise = max(rsd(values) for values in samples.values())
        gil = "GIL enabled" if found["gil_enabled"] else "GIL disabled"
        rows.append([f"{found['label']} ({gil}, {found['cpus']} CPUs)",
                     f"{median['tlsbench-1'] * 1e9:.1f} / {median['tlsbench-2'] * 1e9:.1f} ns",
                     f"{median['hand-1'] * 1e9:.1f} / {median['hand-2'] * 1e9:.1f} ns",
                     f"{ours:.2f}x", f"{hand:.2f}x", f"{gap:+.1%}", f"{noise:.1%}",
                     verdict(abs(gap) <= TARGET)])
    if rows:
        print(table(["interpreter", "tlsbench per item 1t / 2t", "hand-written 1t / 2t",
                     "tlsbench 2t/1t", "hand-written 2t/1t", "difference (median per rep)",
                     "sample RSD (worst case)", "within 10 %"],
                    rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
