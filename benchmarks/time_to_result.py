"""Time to result: wall time of ``tlsbench run --threads 8``, with its defaults and with
``--fast``, and how steady the answer is (relative standard deviation of each safe
strategy's values at 1 thread).

Targets on a 2-core machine: defaults under 30 s, --fast under 10 s, and RSD under 5 %
for each safe strategy at 1 thread.

Usage: python benchmarks/time_to_result.py [--repeat N] [--tlsbench PATH]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import heading, machine, noise_floor, rsd, table, verdict

from tlsbench.results import load_results

MODES = {"defaults": ([], 30.0), "--fast": (["--fast"], 10.0)}
RSD_TARGET = 0.05


def tlsbench_command() -> list[str]:
    installed = Path(sys.executable).with_name("tlsbench")
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "tlsbench"]


def one_run(extra: list[str], threads: int) -> tuple[float, dict[str, float], int]:
    """Wall time, RSD of each safe strategy at 1 thread, exit status."""
    with tempfile.TemporaryDirectory(prefix="tlsbench-bench-") as directory:
        output = Path(directory) / "results.json"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [*tlsbench_command(), "run", "--threads", str(threads), "-q", "-o", str(output),
             *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode not in (0, 1) or not output.exists():
            sys.exit(f"tlsbench run failed ({proc.returncode}): {proc.stderr.strip()}")
        results = load_results([output])
    spreads = {r.strategy: rsd(r.values) for r in results if r.safe and r.threads == 1}
    return wall, spreads, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    if shutil.which(tlsbench_command()[0]) is None and len(tlsbench_command()) == 1:
        sys.exit("tlsbench is not installed next to this interpreter")

    heading(f"Time to result: tlsbench run --threads {args.threads}")
    print(f"Machine: {machine()}\n\n{noise_floor()}\n")
    rows = []
    for mode, (extra, target) in MODES.items():
        for _ in range(args.repeat):
            wall, spreads, status = one_run(extra, args.threads)
            worst = max(spreads.values())
            rsd_text = ", ".join(f"{name} {value:.1%}" for name, value in spreads.items())
            rows.append([mode, f"{wall:.1f} s", f"< {target:g} s", verdict(wall < target),
                         rsd_text, verdict(worst < RSD_TARGET),
                         "" if status == 0 else f"exit {status}"])
    print(table(["mode", "wall time", "target", "met", "RSD at 1 thread (safe strategies)",
                 "all < 5 %", "note"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
