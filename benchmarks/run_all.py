"""tlsbench's own speed, measured on this machine and printed (``make bench``).

Runs, in turn: time to result, harness overhead, scaling fidelity. Each prints a Markdown
table with the machine, the load and a noise floor, ready to paste into
benchmarks/README.md. These are measurements, not tests: a missed target is printed as
**MISSED**, and the exit status is non-zero only if a script itself failed.

Usage: python benchmarks/run_all.py [--quick]
  --quick  fewer repetitions: a smoke run of the scripts, not figures to record
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

SCRIPTS: list[tuple[str, list[str], list[str]]] = [
    # (script, arguments, arguments with --quick)
    ("time_to_result.py", ["--repeat", "2"], ["--repeat", "1"]),
    ("harness_overhead.py", ["--repeat", "15"], ["--repeat", "3"]),
    ("scaling_fidelity.py", ["--repeat", "21"], ["--repeat", "3"]),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    args = parser.parse_args(argv)
    print("# tlsbench benchmarks")
    failed = []
    for script, full, quick in SCRIPTS:
        command = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        if subprocess.run(command, check=False).returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
