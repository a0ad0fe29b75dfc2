"""Every counting strategy on real threads, the races the unsafe ones show, `tlsbench list`,
strategy plugins through the `tlsbench.strategies` entry-point group, and --verbose fairness."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pyperf
import pytest
from click.testing import CliRunner

from tlsbench import cli, strategies
from tlsbench.report import render
from tlsbench.results import ResultSet, from_pyperf
from tlsbench.strategies import (
    Strategy,
    all_strategies,
    get_strategy,
    plugin_problems,
    register,
)
from tlsbench.workload import run_parallel

from .factory import make_benchmark

REPO = Path(__file__).resolve().parent.parent
BUILT_IN = [name for name, cls in all_strategies().items() if cls.__module__ == strategies.__name__]
SAFE = [name for name in BUILT_IN if get_strategy(name).safe]
FREE_THREADED = not getattr(sys, "_is_gil_enabled", lambda: True)()


def _available(name: str) -> str:
    reason = get_strategy(name).unavailable_reason()
    if reason:
        pytest.skip(f"{name}: {reason}")
    return name


# -- every strategy counts, on real threads -------------------------------------------


@pytest.mark.parametrize("name", SAFE)
@pytest.mark.parametrize("threads", [1, 4])
def test_safe_strategies_count_exactly(name: str, threads: int) -> None:
    result = run_parallel(get_strategy(_available(name))(threads), threads, 3001, 3)
    assert result.counted == result.expected == 1001
    assert len(result.thread_times) == threads
    assert result.elapsed == max(result.thread_times) > 0


@pytest.mark.parametrize("name", SAFE)
def test_safe_strategies_count_exactly_with_work_per_item(name: str) -> None:
    result = run_parallel(get_strategy(_available(name))(2), 2, 401, 4, work=5)
    assert result.counted == result.expected == 101


@pytest.mark.parametrize("name", ["unsafe", "unsafe-call"])
def test_unsafe_strategies_are_exact_on_one_thread_and_never_overcount(name: str) -> None:
    assert not get_strategy(name).safe
    assert run_parallel(get_strategy(name)(1), 1, 3001, 3).counted == 1001
    result = run_parallel(get_strategy(name)(4), 4, 3001, 3)
    assert 0 < result.counted <= result.expected


@pytest.fixture
def tiny_switch_interval() -> Iterator[None]:
    # Many more thread switches per batch: the race shows in a few milliseconds.
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.mark.skipif(FREE_THREADED, reason="about the GIL")
@pytest.mark.usefixtures("tiny_switch_interval")
def test_with_the_gil_a_bare_increment_survives_but_a_call_in_between_loses_updates() -> None:
    # Since 3.10 a GIL build only switches threads at function entry and loop back-edges,
    # never inside `x += 1`; a call between the read and the write is such a point.
    bare = [run_parallel(get_strategy("unsafe")(2), 2, 20_000, 1) for _ in range(5)]
    assert sum(result.lost for result in bare) == 0
    lost = 0
    for _ in range(20):
        lost += run_parallel(get_strategy("unsafe-call")(2), 2, 20_000, 1).lost
        if lost:
            break
    assert lost > 0


def test_batched_walks_its_share_itself_and_counts_in_a_local() -> None:
    strategy = get_strategy("batched")(2)
    assert strategy.incrementer(0) is None
    assert get_strategy("batched").run_share.__code__.co_freevars == ()
    assert strategies.count_locally(0, 10, 3) == 4  # items 0, 3, 6, 9
    assert strategies.count_locally_with_work(1, 10, 3, 2) == 3
    strategy.run_share(0, 0, 10, 3, 0)
    strategy.run_share(1, 10, 20, 3, 7)  # items 12, 15, 18
    assert strategy.total() == 7


def test_queue_counts_every_message_and_stops_its_collector() -> None:
    strategy = get_strategy("queue")(3)
    result = run_parallel(strategy, 3, 900, 2)
    assert result.counted == result.expected == 450
    assert not strategy._collector.is_alive()


def test_register_refuses_a_strategy_that_cannot_count() -> None:
    class NoWay(Strategy):
        name = "test-no-way"
        summary = "neither an incrementer nor run_share"

        def total(self) -> int:
            return 0

    with pytest.raises(ValueError, match="neither incrementer"):
        register(NoWay)
    assert "test-no-way" not in all_strategies()


def test_atomic_strategies_say_how_to_install_them_when_missing() -> None:
    for name, package in (("atomic", "cereggii"), ("atomic-ftutils", "ft_utils")):
        reason = get_strategy(name).unavailable_reason()
        if reason is not None:
            assert package in reason and "tlsbench[atomics]" in reason


# -- on the free-threaded build --------------------------------------------------------

_FT_SCRIPT = """
import json, sys
from tlsbench.strategies import all_strategies
from tlsbench.workload import run_parallel
counts = {}
for name, cls in all_strategies().items():
    if cls.unavailable_reason() is None and cls.safe:
        counts[name] = [(r.counted, r.expected) for r in
                        (run_parallel(cls(t), t, 3001, 3) for t in (1, 4))]
lost = {}
for name in ("unsafe", "unsafe-call"):
    lost[name] = 0
    for _ in range(20):  # a busy machine can run the threads one after the other
        lost[name] += run_parallel(all_strategies()[name](2), 2, 200_000, 1).lost
        if lost[name]:
            break
print(json.dumps({"counts": counts, "lost": lost, "gil": sys._is_gil_enabled()}))
"""


def test_on_free_threaded_python_safe_strategies_count_and_unsafe_ones_lose_updates(
    ft_python: str,
) -> None:
    proc = subprocess.run([ft_python, "-c", _FT_SCRIPT], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["gil"] is False
    assert set(SAFE) - {"atomic", "atomic-ftutils"} <= set(answer["counts"])
    for name, runs in answer["counts"].items():
        assert runs == [[1001, 1001], [1001, 1001]], name
    assert answer["lost"]["unsafe"] > 0
    assert answer["lost"]["unsafe-call"] > 0


def test_atomic_strategies_count_exactly_on_free_threaded_python(
    ft_python: str, ft_atomics: str
) -> None:
    proc = subprocess.run([ft_python, "-c", _FT_SCRIPT], capture_output=True, text=True,
                          timeout=300,
                          env={**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{ft_atomics}"})
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["gil"] is False  # importing them must not re-enable the GIL
    for name in ("atomic", "atomic-ftutils"):
        assert answer["counts"][name] == [[1001, 1001], [1001, 1001]], name


@pytest.mark.slow
def test_atomic_strategy_measured_in_the_free_threaded_interpreter(
    ft_python: str, ft_atomics: str, tmp_path: Path
) -> None:
    # The user's PYTHONPATH follows tlsbench's own on the workers' path: packages kept in
    # a directory are usable from a --python interpreter.
    proc = subprocess.run(
        [sys.executable, "-m", "tlsbench", "run", "--python", ft_python, "-s", "atomic",
         "-s", "atomic-ftutils", "--threads", "2", "--processes", "1", "--values", "2",
         "--min-time", "0.005", "--format", "json", "--quiet"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": ft_atomics},
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["rows"]
    assert sorted((r["strategy"], r["threads"]) for r in rows) == [
        ("atomic", 1), ("atomic", 2), ("atomic-ftutils", 1), ("atomic-ftutils", 2)]
    for row in rows:
        assert row["free_threaded"] and not row["gil_enabled"]
        assert row["counted"] == row["expected"] > 0


# -- tlsbench list ---------------------------------------------------------------------


def test_list_explains_every_strategy() -> None:
    result = CliRunner().invoke(cli.main, ["list"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    for name, cls in all_strategies().items():
        assert name in text
        assert cls.summary.split()[0] in text
    assert "threadlocal*" in text and "lock*" in text and "count*" in text
    assert "NO" in text  # the unsafe ones
    assert sys.executable in text


def test_list_json_matches_the_registry() -> None:
    result = CliRunner().invoke(cli.main, ["list", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    listed = {entry["name"]: entry for entry in document["strategies"]}
    assert list(listed) == list(all_strategies())
    for name, cls in all_strategies().items():
        entry = listed[name]
        assert entry["safe"] is cls.safe
        assert entry["unavailable_reason"] == cls.unavailable_reason()
        assert entry["available"] is (cls.unavailable_reason() is None)
    assert listed["unsafe"]["safe"] is False and listed["unsafe-call"]["safe"] is False
    assert [name for name, entry in listed.items() if entry["default"]] == \
        ["threadlocal", "lock", "count"]


def test_list_python_reports_what_that_interpreter_has(ft_python: str) -> None:
    result = CliRunner().invoke(cli.main, ["list", "--python", ft_python, "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert "free-threaded" in document["python"]
    listed = {entry["name"]: entry for entry in document["strategies"]}
    assert listed["lock"]["available"] and listed["unsafe"]["available"]
    # Only tlsbench and pyperf are put on its path: ft_utils only if installed there.
    check = subprocess.run([ft_python, "-c", "import ft_utils"], capture_output=True)
    assert listed["atomic-ftutils"]["available"] is (check.returncode == 0)


def test_list_as_a_real_subprocess() -> None:
    proc = subprocess.run([sys.executable, "-m", "tlsbench", "list"], capture_output=True,
                          text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "unsafe-call" in proc.stdout and "batched" in proc.stdout


def test_run_refuses_a_strategy_unavailable_here_with_the_install_hint() -> None:
    missing = [name for name, cls in all_strategies().items() if cls.unavailable_reason()]
    if not missing:
        pytest.skip("every strategy is available here")
    result = CliRunner().invoke(cli.main, ["run", "-s", missing[0]])
    assert result.exit_code == 2
    assert "not available" in result.stderr and "pip install" in result.stderr


def test_run_checks_availability_in_the_python_it_measures(ft_python: str) -> None:
    check = subprocess.run([ft_python, "-c", "import ft_utils"], capture_output=True)
    if check.returncode == 0:
        pytest.skip("ft_utils is installed in the free-threaded interpreter")
    result = CliRunner().invoke(cli.main, ["run", "--python", ft_python, "-s", "atomic-ftutils"])
    assert result.exit_code == 2
    assert "ft_utils" in result.stderr and ft_python in result.stderr


def test_worker_names_the_interpreter_where_a_strategy_is_unavailable() -> None:
    missing = [name for name, cls in all_strategies().items() if cls.unavailable_reason()]
    if not missing:
        pytest.skip("every strategy is available here")
    proc = subprocess.run(
        [sys.executable, "-m", "tlsbench.worker", "--name", "x", "--strategy", missing[0],
         "--threads", "1", "--period", "2", "--fast"],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )
    assert proc.returncode != 0
    assert f"{missing[0]} is not available in {sys.executable}" in proc.stderr


# -- plugins ---------------------------------------------------------------------------

_PLUGIN_MODULE = '''
import threading
from tlsbench.strategies import Strategy


class PluginCounter(Strategy):
    """A lock-guarded counter that lives outside tlsbench."""

    name = "test-plugin"
    summary = "a strategy from another package (test)"

    def __init__(self, threads):
        super().__init__(threads)
        self.lock = threading.Lock()
        self.value = 0

    def incrementer(self, index):
        return self.increment

    def increment(self):
        with self.lock:
            self.value += 1

    def total(self):
        return self.value


class NotAStrategy:
    name = "test-not-a-strategy"
'''


def write_plugin(directory: Path, entry_points: dict[str, str],
                 broken_module: bool = False) -> Path:
    """A package installed as a dist-info directory, as pip would lay it out."""
    (directory / "tlsbench_test_plugin.py").write_text(textwrap.dedent(_PLUGIN_MODULE))
    if broken_module:
        (directory / "tlsbench_test_broken.py").write_text("raise ImportError('boom')\n")
    info = directory / "tlsbench_test_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tlsbench-test-plugin\nVersion: 0.1\n")
    lines = [f"{name} = {target}" for name, target in entry_points.items()]
    (info / "entry_points.txt").write_text("[tlsbench.strategies]\n" + "\n".join(lines) + "\n")
    return directory


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Forget loaded plugins (restored after the test); returns: put a dir on sys.path."""
    monkeypatch.setattr(strategies, "_REGISTRY", dict(strategies._REGISTRY))
    monkeypatch.setattr(strategies, "_PLUGINS_LOADED", False)
    monkeypatch.setattr(strategies, "_PLUGIN_PROBLEMS", {})
    monkeypatch.setattr(strategies, "_PLUGIN_NAMES", set())

    def add(path: Path) -> None:
        monkeypatch.syspath_prepend(str(path))

    return add


def test_a_plugin_strategy_is_found_through_its_entry_point(
    tmp_path: Path, fresh_registry: Callable[[Path], None]
) -> None:
    fresh_registry(write_plugin(tmp_path, {"test-plugin": "tlsbench_test_plugin:PluginCounter"}))
    cls = get_strategy("test-plugin")
    assert cls.__name__ == "PluginCounter"
    assert strategies.is_plugin("test-plugin") and not strategies.is_plugin("lock")
    assert list(all_strategies())[-1] == "test-plugin"
    result = run_parallel(cls(4), 4, 1001, 2)
    assert result.counted == result.expected == 501
    assert plugin_problems() == {}


def test_broken_plugins_are_skipped_with_the_reason(
    tmp_path: Path, fresh_registry: Callable[[Path], None]
) -> None:
    fresh_registry(write_plugin(tmp_path, {
        "test-plugin": "tlsbench_test_plugin:PluginCounter",
        "test-broken": "tlsbench_test_broken:Anything",
        "test-missing": "tlsbench_test_plugin:NoSuchClass",
        "test-not-a-strategy": "tlsbench_test_plugin:NotAStrategy",
        "test-misnamed": "tlsbench_test_plugin:PluginCounter",
        "lock": "tlsbench_test_plugin:PluginCounter",
    }, broken_module=True))
    known = all_strategies()
    assert "test-plugin" in known
    assert known["lock"] is strategies.LockCounter  # a plugin never replaces a built-in
    problems = plugin_problems()
    assert set(problems) == {"test-broken", "test-missing", "test-not-a-strategy",
                             "test-misnamed", "lock"}
    assert "ImportError: boom" in problems["test-broken"]
    assert "not a subclass" in problems["test-not-a-strategy"]
    assert "'test-plugin'" in problems["test-misnamed"]
    with pytest.raises(KeyError, match="boom"):
        get_strategy("test-broken")


def test_cli_lists_a_plugin_and_warns_about_a_broken_one(
    tmp_path: Path, fresh_registry: Callable[[Path], None]
) -> None:
    fresh_registry(write_plugin(tmp_path, {
        "test-plugin": "tlsbench_test_plugin:PluginCounter",
        "test-broken": "tlsbench_test_broken:Anything",
    }, broken_module=True))
    result = CliRunner().invoke(cli.main, ["list"])
    assert result.exit_code == 0
    assert "test-plugin (plugin)" in result.stdout
    assert "warning: strategy plugin 'test-broken'" in result.stderr
    refused = CliRunner().invoke(cli.main, ["run", "-s", "test-broken"])
    assert refused.exit_code == 2
    assert "ImportError: boom" in refused.stderr


def test_a_plugin_strategy_is_measured_end_to_end(tmp_path: Path) -> None:
    # A real run: the pyperf worker processes look the plugin up by name themselves.
    write_plugin(tmp_path, {"test-plugin": "tlsbench_test_plugin:PluginCounter"})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    proc = subprocess.run(
        [sys.executable, "-m", "tlsbench", "run", "-s", "test-plugin", "--threads", "2",
         "--processes", "1", "--values", "1", "--min-time", "0.01", "--format", "json"],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["rows"]
    assert [(row["strategy"], row["threads"]) for row in rows] == \
        [("test-plugin", 1), ("test-plugin", 2)]
    for row in rows:
        assert row["counted"] == row["expected"] > 0


# -- fairness --------------------------------------------------------------------------


def test_verbose_tables_show_fairness_for_multithreaded_rows() -> None:
    results = ResultSet(tuple(from_pyperf(bench) for bench in (
        make_benchmark("lock", 1), make_benchmark("lock", 4))))
    plain = render(results, "table")
    assert "fairness" not in plain
    verbose = render(results, "table", verbose=True)
    assert "fairness" in verbose and "Jain" in verbose
    lines = verbose.splitlines()
    one = next(line for line in lines if line.startswith("lock") and " 1 " in line)
    four = next(line for line in lines if line.startswith("lock") and " 4 " in line)
    assert one.rstrip().endswith("—")
    assert four.rstrip().endswith("0.990")
    assert "fairness" in render(results, "markdown", verbose=True)


def test_fairness_ignores_the_calibration_run() -> None:
    # pyperf's calibration run times tiny batches (no values): one thread can finish
    # before the other starts, so its fairness says nothing about the measured batches.
    measured = make_benchmark("lock", 2)
    first = measured.get_runs()[0]
    meta = dict(first.get_metadata()) | {"tlsbench_fairness_min": 0.5, "calibrate_loops": 1024}
    calibration = pyperf.Run([], warmups=[(1024, 1e-7)], metadata=meta,
                             collect_metadata=False)
    bench = pyperf.Benchmark([calibration, *measured.get_runs()])
    assert from_pyperf(bench).fairness_min == pytest.approx(0.99)
