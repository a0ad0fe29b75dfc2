"""Shared bits of the benchmark scripts: the machine line, tables, verdicts.

Standard library plus tabulate (a tlsbench dependency). Not imported by the child
processes that run under other interpreters, which have neither.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import sysconfig
import time
from collections.abc import Sequence
from pathlib import Path

from tabulate import tabulate

REPO = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> str:
    """One line saying when, where and on what interpreter the figures were taken."""
    load = "n/a"
    if hasattr(os, "getloadavg"):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    build = "free-threaded" if sysconfig.get_config_var("Py_GIL_DISABLED") else "GIL"
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{now}; {cpu_model()}, {os.cpu_count()} CPUs; load average {load}; "
            f"Python {platform.python_version()} ({build}), {platform.platform()}")


def _plain_loop(items: int) -> float:
    t0 = time.perf_counter()
    for i in range(items):
        if i % 2 == 0:
            pass
    return time.perf_counter() - t0


def noise_floor(repeat: int = 15, seconds: float = 0.05) -> str:
    """How steady this machine is right now: the RSD of a plain one-thread loop, repeated
    in one process. No benchmark here can be steadier than this."""
    items = 1 << 16
    while _plain_loop(items) < seconds:
        items *= 2
    spread = rsd([_plain_loop(items) for _ in range(repeat)])
    return (f"Noise floor: a plain loop of {seconds * 1e3:g} ms repeated {repeat} times "
            f"in one process has an RSD of {spread:.1%}.")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table: readable on a terminal, and pasted as-is into README.md."""
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)


def verdict(ok: bool) -> str:
    return "yes" if ok else "**MISSED**"


def rsd(values: Sequence[float]) -> float:
    """Relative standard deviation."""
    return statistics.stdev(values) / statistics.fmean(values) if len(values) > 1 else 0.0


def heading(title: str) -> None:
    print(f"\n## {title}\n", flush=True)
