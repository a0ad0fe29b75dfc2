"""Build tlsbench result files with pyperf's own API, for tests that need exact numbers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyperf

from tlsbench.results import benchmark_name


def make_benchmark(
    strategy: str = "lock",
    threads: int = 1,
    values: Sequence[float] = (1.0e-7, 1.1e-7, 0.9e-7),
    *,
    period: int = 2,
    work: int = 0,
    counted: int | None = None,
    expected: int = 1000,
    safe: bool = True,
    python_version: str = "3.12.1",
    free_threaded: bool = False,
    gil_enabled: bool = True,
    cpu_count: int = 2,
    tag: str | None = None,
    runs: int = 1,
) -> pyperf.Benchmark:
    """A benchmark as tlsbench's worker writes it: ``runs`` runs sharing ``values``.

    ``counted``/``expected`` are per run (defaults: an exact count).
    """
    counted = expected if counted is None else counted
    common = {
        "name": benchmark_name(strategy, threads, tag),
        "unit": "second",
        "loops": 1024,
        "tlsbench_version": "0.1.0",
        "tlsbench_strategy": strategy,
        "tlsbench_safe": int(safe),
        "tlsbench_threads": threads,
        "tlsbench_period": period,
        "tlsbench_error_rate": 1.0 / period,
        "tlsbench_work": work,
        "tlsbench_python_version": python_version,
        "tlsbench_implementation": "CPython",
        "tlsbench_py_gil_disabled": int(free_threaded),
        "tlsbench_switch_interval": 0.005,
        "tlsbench_cpu_count": cpu_count,
        "tlsbench_executable": "/usr/bin/python3",
        "tlsbench_platform": "Linux-test",
    }
    run_list = []
    for _ in range(runs):
        metadata = dict(common)
        metadata.update({
            "tlsbench_calls": 2,
            "tlsbench_counted": counted,
            "tlsbench_expected": expected,
            "tlsbench_fairness_min": 0.99,
            "tlsbench_gil_enabled": int(gil_enabled),
        })
        run_list.append(pyperf.Run(list(values), warmups=[(1024, values[0])],
                                   metadata=metadata, collect_metadata=False))
    return pyperf.Benchmark(run_list)


def write_suite(path: Path, benchmarks: Sequence[pyperf.Benchmark]) -> Path:
    pyperf.BenchmarkSuite(list(benchmarks)).dump(str(path))
    return path
