"""Scaling plots: the numbers drawn, real PNG/SVG files, the CLI, and life without matplotlib."""

from __future__ import annotations

import math
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import pyperf
import pytest
from click.testing import CliRunner

from tests.factory import make_benchmark, write_suite
from tlsbench import cli, plot
from tlsbench.errors import TlsbenchError
from tlsbench.measure import RunOutcome
from tlsbench.results import ResultSet, from_pyperf, load_results

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_ROOT = "{http://www.w3.org/2000/svg}svg"
THREADS = (1, 2, 4, 8)

#: Seconds per item at 1 thread, and how throughput scales with threads, per build.
GIL_SCALING = {1: 1.0, 2: 0.9, 4: 0.85, 8: 0.8}
FT_SCALING = {1: 1.0, 2: 1.9, 4: 1.95, 8: 1.9}
BASE = {"threadlocal": 1.0e-7, "lock": 1.5e-7, "count": 1.2e-7}


def _benchmarks(*, two_builds: bool = True) -> list[pyperf.Benchmark]:
    builds = [("py3.13.5", False, GIL_SCALING)]
    if two_builds:
        builds.append(("py3.13.5t", True, FT_SCALING))
    benches = []
    for tag, free_threaded, scaling in builds:
        for strategy, seconds in BASE.items():
            for threads in THREADS:
                mean = seconds / scaling[threads]
                benches.append(make_benchmark(
                    strategy, threads, (mean * 0.95, mean, mean * 1.05),
                    python_version="3.13.5", free_threaded=free_threaded,
                    gil_enabled=not free_threaded, cpu_count=2,
                    tag=tag if two_builds else None,
                ))
    return benches


def _results(benches: Sequence[pyperf.Benchmark]) -> ResultSet:
    return ResultSet(tuple(from_pyperf(b) for b in benches))


@pytest.fixture
def results_file(tmp_path: Path) -> Path:
    return write_suite(tmp_path / "results.json", _benchmarks())


# --- the numbers ------------------------------------------------------------------------


def test_throughput_stdev_is_the_spread_of_per_value_rates() -> None:
    result = from_pyperf(make_benchmark("lock", 1, (1e-7, 2e-7)))
    # Rates 1e7 and 5e6 items/s: the sample std dev of two numbers is |a - b| / sqrt(2).
    assert plot.throughput_stdev(result) == pytest.approx(5e6 / math.sqrt(2))
    assert plot.throughput_stdev(from_pyperf(make_benchmark("lock", 1, (1e-7,)))) == 0.0


def test_one_panel_per_build_one_series_per_strategy_ordered_by_threads() -> None:
    benches = _benchmarks()
    benches.reverse()  # file order of threads must not matter
    panels = plot.panels(_results(benches))
    assert [p.build.label for p in panels] == ["3.13.5t free-threaded", "3.13.5"]
    for panel in panels:
        assert {s.strategy for s in panel.series} == set(BASE)
        for line in panel.series:
            assert [p.threads for p in line.points] == list(THREADS)
    lock_ft = next(s for s in panels[0].series if s.strategy == "lock")
    assert lock_ft.points[-1].throughput == pytest.approx(FT_SCALING[8] / BASE["lock"])
    assert lock_ft.points[-1].stdev > 0


def test_ideal_line_is_best_safe_single_thread_times_threads_capped_at_cpus() -> None:
    benches = _benchmarks(two_builds=False)
    # An unsafe strategy twice as fast at 1 thread must not set the reference.
    benches += [make_benchmark("racy", t, (0.5e-7,), safe=False, cpu_count=2,
                               python_version="3.13.5") for t in THREADS]
    (panel,) = plot.panels(_results(benches))
    best = 1 / BASE["threadlocal"]
    assert [p.threads for p in panel.ideal] == list(THREADS)
    assert [p.throughput for p in panel.ideal] == pytest.approx([best, 2 * best, 2 * best,
                                                                  2 * best])
    assert "threadlocal at 1 thread" in panel.ideal_label
    assert "flat past 2 CPUs" in panel.ideal_label


def test_no_ideal_line_without_a_single_thread_result() -> None:
    benches = [make_benchmark("lock", t) for t in (2, 4)]
    (panel,) = plot.panels(_results(benches))
    assert panel.ideal == ()


def test_labels_say_when_counts_were_wrong() -> None:
    benches = [
        make_benchmark("racy", 2, safe=False, counted=990, expected=1000),
        make_benchmark("lock", 2, counted=999, expected=1000),
        make_benchmark("count", 2),
    ]
    labels = {s.strategy: s.label for s in plot.panels(_results(benches))[0].series}
    assert labels["racy"] == "racy (unsafe) — lost updates"
    assert labels["lock"] == "lock — MISCOUNTED"
    assert labels["count"] == "count"


def test_title_names_interpreters_cpus_and_parameters() -> None:
    text = plot.title(_results(_benchmarks()))
    assert "Python 3.13.5 vs 3.13.5t free-threaded" in text
    assert "2 CPUs" in text
    assert "1 item in 2 fails, work 0" in text


# --- real files -------------------------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_writes_a_real_png(tmp_path: Path, results_file: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "scaling.png"
    plot.write(load_results([results_file]), out)
    data = out.read_bytes()
    width, height = _png_size(data)
    assert width > height > 300  # two panels side by side
    assert 20_000 < len(data) < 2_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json", "scaling.png"]


def test_writes_a_real_svg_with_text_kept_as_text(tmp_path: Path, results_file: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "scaling.svg"
    plot.write(load_results([results_file]), out)
    root = ET.parse(out).getroot()
    assert root.tag == SVG_ROOT
    text = "".join(root.itertext())
    for expected in ("3.13.5 (GIL)", "3.13.5t free-threaded", "threadlocal", "lock", "count",
                     "2 CPUs", "throughput (items/s)"):
        assert expected in text
    assert 10_000 < out.stat().st_size < 2_000_000


def test_shared_y_scale_starts_at_zero_and_fits_every_error_bar() -> None:
    pytest.importorskip("matplotlib")
    benches = [make_benchmark("lock", t, (1e-7, 1.1e-7), tag="py3.12.1") for t in (1, 2)]
    # The free-threaded panel, drawn last, holds by far the highest point and bar.
    benches += [make_benchmark("lock", 1, (1e-7, 1.1e-7), free_threaded=True,
                               gil_enabled=False, tag="py3.12.1t"),
                make_benchmark("lock", 2, (0.2e-7, 0.3e-7), free_threaded=True,
                               gil_enabled=False, tag="py3.12.1t")]
    results = _results(benches)
    fig = plot.figure(results)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2
    highest = max(p.throughput + p.stdev for panel in plot.panels(results)
                  for line in panel.series for p in line.points)
    for ax in axes:
        bottom, top = ax.get_ylim()
        assert bottom == 0
        assert top >= highest


# --- without matplotlib -----------------------------------------------------------------


@pytest.fixture
def no_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import matplotlib`` fail as it does when the extra is not installed."""
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)


@pytest.mark.usefixtures("no_matplotlib")
def test_missing_matplotlib_is_one_clear_error() -> None:
    with pytest.raises(TlsbenchError, match=r"needs matplotlib.*pip install 'tlsbench\[plot\]'"):
        plot.require_matplotlib()


@pytest.mark.usefixtures("no_matplotlib")
def test_plot_command_without_matplotlib_exits_2(tmp_path: Path, results_file: Path) -> None:
    out = tmp_path / "scaling.png"
    result = CliRunner().invoke(cli.main, ["plot", str(results_file), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: plotting needs matplotlib, which is not installed; install it with: "
        "pip install 'tlsbench[plot]'"
    )
    assert not out.exists()


def _no_measuring(*args: object, **kwargs: object) -> RunOutcome:
    raise AssertionError("measured although --plot could not be honoured")


@pytest.mark.usefixtures("no_matplotlib")
def test_run_plot_without_matplotlib_refuses_before_measuring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "measure_all", _no_measuring)
    result = CliRunner().invoke(cli.main, ["run", "--threads", "2",
                                           "--plot", str(tmp_path / "s.png")])
    assert result.exit_code == 2
    assert "pip install 'tlsbench[plot]'" in result.stderr


# --- the command line -------------------------------------------------------------------


def test_plot_command_writes_png(tmp_path: Path, results_file: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "scaling.png"
    result = CliRunner().invoke(cli.main, ["plot", str(results_file), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert f"plot written to {out}" in result.stderr
    assert result.stdout == ""
    _png_size(out.read_bytes())


def test_plot_command_refuses_to_overwrite_without_force(
    tmp_path: Path, results_file: Path
) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "scaling.svg"
    out.write_text("keep me")
    runner = CliRunner()
    refused = runner.invoke(cli.main, ["plot", str(results_file), "-o", str(out)])
    assert refused.exit_code == 2
    assert "exists; use --force" in refused.stderr
    assert out.read_text() == "keep me"
    forced = runner.invoke(cli.main, ["plot", str(results_file), "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.stderr
    assert ET.parse(out).getroot().tag == SVG_ROOT


@pytest.mark.parametrize("name", ["scaling.pdf", "scaling"])
def test_plot_command_refuses_other_formats(
    tmp_path: Path, results_file: Path, name: str
) -> None:
    result = CliRunner().invoke(cli.main, ["plot", str(results_file), "-o", str(tmp_path / name)])
    assert result.exit_code == 2
    assert ".png or .svg" in result.stderr
    assert not (tmp_path / name).exists()


def test_plot_command_bad_input_file_exits_2(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = CliRunner().invoke(cli.main, ["plot", str(bad), "-o", str(tmp_path / "s.png")])
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_plot_command_selects_builds_and_strategies(tmp_path: Path, results_file: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "one.svg"
    result = CliRunner().invoke(cli.main, ["plot", str(results_file), "-o", str(out),
                                           "--build", "py3.13.5t", "-s", "lock"])
    assert result.exit_code == 0, result.stderr
    text = "".join(ET.parse(out).getroot().itertext())
    assert "3.13.5t free-threaded" in text
    assert "threadlocal" not in text
    assert "3.13.5 (GIL)" not in text  # the GIL build's panel is gone


def test_plot_command_names_what_exists_for_an_unknown_selection(
    tmp_path: Path, results_file: Path
) -> None:
    pytest.importorskip("matplotlib")
    runner = CliRunner()
    out = str(tmp_path / "s.png")
    build = runner.invoke(cli.main, ["plot", str(results_file), "-o", out, "--build", "py2"])
    assert build.exit_code == 2
    assert "no build 'py2' in the results; builds: py3.13.5, py3.13.5t" in build.stderr
    strategy = runner.invoke(cli.main, ["plot", str(results_file), "-o", out, "-s", "nope"])
    assert strategy.exit_code == 2
    assert "strategies: threadlocal, lock, count" in strategy.stderr


def test_plot_command_as_a_real_subprocess(tmp_path: Path, results_file: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "scaling.svg"
    proc = subprocess.run(
        [sys.executable, "-m", "tlsbench", "plot", str(results_file), "-o", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert ET.parse(out).getroot().tag == SVG_ROOT


def test_run_plot_checks_the_suffix_before_measuring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "measure_all", _no_measuring)
    result = CliRunner().invoke(cli.main, ["run", "--threads", "2",
                                           "--plot", str(tmp_path / "s.jpg")])
    assert result.exit_code == 2
    assert ".png or .svg" in result.stderr


def test_run_plot_force_replaces_an_existing_plot_without_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--force covers --plot too, so it needs no -o; measuring is replaced by known results."""
    pytest.importorskip("matplotlib")
    benches = tuple(_benchmarks(two_builds=False))
    monkeypatch.setattr(cli, "measure_all",
                        lambda *args, **kwargs: RunOutcome(benches, ()))
    out = tmp_path / "s.png"
    out.write_bytes(b"old")
    runner = CliRunner()
    refused = runner.invoke(cli.main, ["run", "--threads", "1,2,4,8", "--plot", str(out)])
    assert refused.exit_code == 2
    assert out.read_bytes() == b"old"
    result = runner.invoke(cli.main, ["run", "--threads", "1,2,4,8", "--plot", str(out),
                                      "--force"])
    assert result.exit_code == 0, result.stderr
    assert f"plot written to {out}" in result.stderr
    _png_size(out.read_bytes())


@pytest.mark.slow
def test_run_plot_end_to_end(tmp_path: Path) -> None:
    """A real (tiny) measurement, saved and plotted in one command."""
    pytest.importorskip("matplotlib")
    out, data = tmp_path / "s.png", tmp_path / "r.json"
    result = CliRunner().invoke(cli.main, [
        "run", "--threads", "1,2", "-s", "lock", "--fast", "--processes", "1", "--values", "1",
        "--min-time", "0.01", "-o", str(data), "--plot", str(out), "-q",
    ])
    assert result.exit_code == 0, result.stderr
    width, height = _png_size(out.read_bytes())
    assert width > 300 and height > 300
    assert len(load_results([data])) == 2
