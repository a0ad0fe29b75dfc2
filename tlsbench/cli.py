"""tlsbench's command line: a thin click layer over the library modules."""

from __future__ import annotations

import contextlib
import json
import math
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata as importlib_metadata
from typing import Any, NoReturn

import click
import pyperf

from tlsbench import __version__, catalog, environment
from tlsbench import compare as comparing
from tlsbench import plot as plotting
from tlsbench.console import Console
from tlsbench.errors import MeasurementError, TlsbenchError
from tlsbench.files import check_output_path
from tlsbench.interpreters import GIL_SETTINGS, Interpreter, probe, probe_all
from tlsbench.measure import (
    MAX_THREADS,
    BenchmarkSpec,
    MeasureOptions,
    Target,
    measure_all,
    plan,
)
from tlsbench.report import FORMATS, count_problems, format_count, format_time_pm, render
from tlsbench.results import (
    ResultSet,
    check_append,
    from_pyperf,
    load_results,
    load_suite,
    merge_suites,
    write_suite_atomically,
)
from tlsbench.strategies import (
    DEFAULT_STRATEGIES,
    all_strategies,
    plugin_problems,
)
from tlsbench.worker import (
    DEFAULT_MIN_TIME,
    DEFAULT_PROCESSES,
    DEFAULT_VALUES,
    FAST_MIN_TIME,
    FAST_PROCESSES,
    FAST_VALUES,
)

#: Every 2nd item fails by default: frequent enough that the counter's cost dominates
#: the loop, so the differences between strategies are plain to see.
DEFAULT_ERROR_RATE = 0.5

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports it

#: Longest --timeout, in seconds: far beyond it the OS's timers overflow.
MAX_TIMEOUT = 7 * 24 * 3600


class TlsbenchGroup(click.Group):
    """A click group whose errors are one line on stderr, never a traceback.

    Exit codes: 0 success, 1 a failure found (miscount, regression, crashed worker),
    2 bad input, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
    """

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        try:
            with _sigterm_as_interrupt():
                code = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            # Plain `tlsbench`: a request for orientation, not a mistake.
            click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
            code = EXIT_OK
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "tlsbench"
            _fail(f"{exc.format_message()} (see '{where} --help')", EXIT_USAGE)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except TlsbenchError as exc:
            _fail(str(exc), exc.exit_code)
        except (click.Abort, KeyboardInterrupt) as exc:
            if isinstance(exc, Terminated) or isinstance(exc.__cause__, Terminated):
                _fail("terminated; no results file was written or changed", EXIT_TERMINATED)
            _fail("interrupted; no results file was written or changed", EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI job cancelled, a kill): unwinds like Ctrl-C, so the workers are killed
    and nothing is half-written, instead of dying with the workers left running."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set signal handlers (e.g. under a test runner)
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        # None: a handler not set from Python; the default is the best we can restore.
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _fail(message: str, code: int) -> NoReturn:
    # One line whatever the user typed: control characters (a newline in an argument)
    # are shown escaped.
    Console().error("".join(c if c.isprintable() else repr(c)[1:-1] for c in message))
    sys.exit(code)


def parse_threads(ctx: click.Context, param: click.Parameter, value: str) -> list[int]:
    counts = []
    for part in str(value).split(","):
        part = part.strip()
        try:
            count = int(part)
        except ValueError:
            raise click.BadParameter(f"{part!r} is not a whole number of threads") from None
        if not 1 <= count <= MAX_THREADS:
            raise click.BadParameter(f"{count} is out of range: threads go from 1 to {MAX_THREADS}")
        counts.append(count)
    return counts


def parse_error_rate(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not 0 < value <= 1:
        raise click.BadParameter(f"{value:g} is not in (0, 1]")
    # Compared as floats: 1/value overflows to inf for a subnormal rate, and is refused.
    if 1 / value > 2**62:
        raise click.BadParameter(f"{value:g} is too small: the smallest rate is 1/2^62")
    return value


def reject_nan(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    # click's FloatRange lets NaN through: every comparison with NaN is false.
    if value is not None and math.isnan(value):
        raise click.BadParameter("nan is not a number of seconds")
    return value


Unavailable = Callable[[str], str | None]


def _unavailable_reason(name: str) -> str | None:
    return all_strategies()[name].unavailable_reason()


def _unavailable_here(name: str) -> str | None:
    reason = _unavailable_reason(name)
    return f"{reason} (here: {sys.executable})" if reason else None


def _unavailable_in(interpreters: Sequence[Interpreter]) -> Unavailable:
    """Why a strategy cannot run in one of ``interpreters`` (each was probed for it)."""
    def reason(name: str) -> str | None:
        for interpreter in interpreters:
            why = interpreter.unavailable_reason(name)
            if why:
                return f"{why} (in {interpreter.executable})"
        return None
    return reason


def _strategy_names(requested: Sequence[str],
                    unavailable: Unavailable = _unavailable_here) -> list[str]:
    """The strategies to run: names checked, 'all' expanded to every available one."""
    known = all_strategies()
    names: list[str] = []
    for entry in requested or DEFAULT_STRATEGIES:
        for name in (part.strip() for part in entry.split(",")):
            if name == "all":
                names.extend(n for n in known if unavailable(n) is None)
                continue
            if name not in known:
                broken = plugin_problems().get(name)
                raise click.BadParameter(
                    broken or f"unknown strategy {name!r}; choose from {', '.join(known)} "
                              "or 'all' (see 'tlsbench list')",
                    param_hint="'--strategy'",
                )
            reason = unavailable(name)
            if reason:
                raise click.BadParameter(f"{name} is not available: {reason}",
                                         param_hint="'--strategy'")
            names.append(name)
    return list(dict.fromkeys(names))


def _warn_about_strategies(console: Console, requested: Sequence[str], names: Sequence[str],
                           unavailable: Unavailable) -> None:
    """Say which plugins were skipped, and what 'all' left out and why."""
    for problem in plugin_problems().values():
        console.warn(problem)
    if any(part.strip() == "all" for entry in requested for part in entry.split(",")):
        for name in all_strategies():
            reason = None if name in names else unavailable(name)
            if reason:
                console.progress(f"'all' leaves out {name}: {reason}")


def _check_output(output: str | None, force: bool, append: bool) -> pyperf.BenchmarkSuite | None:
    """Refuse an output path that would fail or clobber, before spending time measuring.

    Returns the existing suite when appending to it.
    """
    if output is None:
        if force or append:
            raise click.UsageError("--force and --append go with -o/--output")
        return None
    if force and append:
        raise click.UsageError("--force replaces the file and --append adds to it: choose one")
    path = check_output_path(output, force=force or append,
                             hint="use --force to replace it or --append to add to it")
    # Whether its benchmarks are tlsbench results that this run fits is check_append's.
    return load_suite(path) if append and path.exists() else None


class _RunProgress:
    """Prints each benchmark's progress and figure on stderr."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def started(self, number: int, total: int, spec: BenchmarkSpec) -> None:
        self.console.progress(f"[{number}/{total}] {spec.description} ... ", nl=False)

    def finished(self, spec: BenchmarkSpec, bench: pyperf.Benchmark, seconds: float) -> None:
        result = from_pyperf(bench)
        check = format_count(result)
        check = self.console.bad(check) if result.failed else check
        self.console.progress(
            f"{format_time_pm(result.mean, result.stdev)} per item, {check} ({seconds:.1f} s)"
        )
        build = result.build
        if build.free_threaded and build.gil_enabled and ("PYTHON_GIL", "1") not in spec.target.env:
            self.console.warn(
                f"{spec.name}: the GIL was enabled at run time on free-threaded "
                f"{build.python_version}t without --gil on: an extension module that is not "
                "free-threading-ready re-enables it (PYTHON_GIL=0, i.e. --gil off, forces it off)"
            )

    def failed(self, spec: BenchmarkSpec, error: MeasurementError) -> None:
        # The error line itself comes once, with any others, when the run ends.
        self.console.progress(self.console.bad(f"failed: {error.message}"))


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=TlsbenchGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="tlsbench")
def main() -> None:
    """What does counting across threads really cost on this interpreter?

    tlsbench runs a batch job in which N threads count failing items, keeping the count
    several ways (thread-local counters, a lock-guarded int, a shared itertools.count,
    and more: see 'tlsbench list'), and measures each with pyperf as threads are added.

    \b
    Examples:
      tlsbench run --threads 8
      tlsbench run --threads 1,2,4,8 --strategy lock --strategy threadlocal -o results.json
      tlsbench run --threads 4 --strategy all
      tlsbench list
      tlsbench info
    """


@main.command()
@click.option("-t", "--threads", default="8", show_default=True, callback=parse_threads,
              help="Thread count N (measured at 1 and N), or a list to sweep: 1,2,4,8. "
                   f"At most {MAX_THREADS}; more threads than CPUs is allowed.")
@click.option("-s", "--strategy", "strategies", multiple=True, metavar="NAME",
              help=f"Strategy to measure; repeat or comma-separate. 'all' runs every one "
                   f"available. Default: {', '.join(DEFAULT_STRATEGIES)}. "
                   "'tlsbench list' explains them.")
@click.option("--error-rate", type=float, default=DEFAULT_ERROR_RATE, show_default=True,
              callback=parse_error_rate,
              help="Fraction of items that fail, in (0, 1]. Item i fails when i % k == 0, "
                   "k = round(1/RATE), so the rate used is 1/k; the smallest is 1/2^62.")
@click.option("--work", type=click.IntRange(0, 100_000), default=0, show_default=True,
              help="Extra pure-Python loop iterations per item: watch contention fade as "
                   "real work grows.")
@click.option("--fast", is_flag=True,
              help=f"Rough answers in seconds: {FAST_PROCESSES} processes x {FAST_VALUES} "
                   f"values of at least {FAST_MIN_TIME:g} s (unless set below).")
@click.option("--rigorous", is_flag=True,
              help="Longer, steadier runs: twice the processes (pyperf --rigorous).")
@click.option("--processes", type=click.IntRange(1, 1000), default=None,
              help=f"pyperf worker processes per benchmark [default: {DEFAULT_PROCESSES}].")
@click.option("--values", type=click.IntRange(1, 1000), default=None,
              help=f"Values per worker process [default: {DEFAULT_VALUES}].")
@click.option("--min-time", type=click.FloatRange(min=0.001, max=60), default=None,
              callback=reject_nan,
              help="Seconds one value must last, at least 10 ms per thread; sets the "
                   f"calibrated batch size [default: {DEFAULT_MIN_TIME:g}].")
@click.option("--timeout", type=click.FloatRange(min=1, max=MAX_TIMEOUT), default=600,
              show_default=True, callback=reject_nan,
              help="Seconds one benchmark may take before it is stopped and reported "
                   f"(at most {MAX_TIMEOUT:,}: a week).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write pyperf JSON results here (readable by 'python -m pyperf show').")
@click.option("--force", is_flag=True, help="Replace an existing --output (or --plot) file.")
@click.option("--append", is_flag=True, help="Add to an existing --output file.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None,
              help="Also draw the scaling plot here (.png or .svg; needs matplotlib). "
                   "With --append, it shows the whole file.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="Format of the results on stdout.")
@click.option("--python", "pythons", multiple=True, metavar="EXE",
              help="Measure in this interpreter (path or name on PATH); repeat to compare "
                   "builds side by side. Nothing needs installing there. Default: this one.")
@click.option("--gil", "gil_settings", multiple=True, type=click.Choice(sorted(GIL_SETTINGS)),
              help="Free-threaded builds only: run with PYTHON_GIL=1 (on) or 0 (off); "
                   "repeat for both.")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@click.option("-v", "--verbose", is_flag=True,
              help="More detail on stderr, and fairness in the table.")
def run(threads: list[int], strategies: tuple[str, ...], error_rate: float, work: int,
        fast: bool, rigorous: bool, processes: int | None, values: int | None,
        min_time: float | None, timeout: float, output: str | None, force: bool,
        append: bool, fmt: str, pythons: tuple[str, ...], gil_settings: tuple[str, ...],
        quiet: bool, verbose: bool, plot_path: str | None) -> int:
    """Measure the counting strategies and print the contention table.

    Results go to stdout, progress to stderr. Exits 1 if a safe strategy miscounted or a
    benchmark failed (what was measured is still printed and saved), 2 on bad input.

    \b
    Examples:
      tlsbench run --threads 8
      tlsbench run --threads 1,2,4,8 -s lock -s threadlocal -o results.json
      tlsbench run --threads 8 --fast --format markdown
      tlsbench run --threads 8 --work 100       # contention fades as work grows
      tlsbench run --threads 8 --python python3.13 --python python3.13t
      tlsbench run --threads 8 --python python3.13t --gil on --gil off
      tlsbench run --threads 1,2,4,8 --plot scaling.png
    """
    if fast and rigorous:
        raise click.UsageError("--fast and --rigorous are opposites: choose one")
    # Availability is checked where the benchmarks run: here, or in each --python below.
    unavailable: Unavailable = _unavailable_here
    elsewhere = bool(pythons or gil_settings)
    names = _strategy_names(strategies, (lambda name: None) if elsewhere else unavailable)
    if plot_path is not None:
        plotting.check_output(plot_path, force)  # before measuring: never waste a long run
    # --force also covers --plot, so with --plot it is no mistake without -o.
    existing = _check_output(output, force and (output is not None or plot_path is None),
                             append)
    period = max(1, round(1 / error_rate))
    options = MeasureOptions(fast=fast, rigorous=rigorous, processes=processes, values=values,
                             min_time=min_time, timeout=timeout)
    console = Console(quiet=quiet, verbose=verbose)
    if pythons or gil_settings:
        interpreters = probe_all(pythons or [sys.executable], gil_settings)
        unavailable = _unavailable_in(interpreters)
        names = _strategy_names(strategies, unavailable)
        targets = [i.target(tagged=len(interpreters) > 1) for i in interpreters]
        builds = [i.build for i in interpreters]
    else:
        targets, builds = [Target()], [environment.collect()]
    specs = plan(names, threads, period, work, targets)
    if existing is not None and output is not None:  # refuse a mismatch before measuring
        build_of = dict(zip(targets, builds, strict=True))
        check_append(existing, output, period, work,
                     {spec.name: build_of[spec.target] for spec in specs})
    console.progress(
        f"tlsbench {__version__}: {len(specs)} benchmarks on Python "
        f"{' and '.join(b.label for b in builds)} ({builds[0].cpu_count} CPUs), "
        f"1 item in {period} fails"
    )
    _warn_about_strategies(console, strategies, names, unavailable)

    outcome = measure_all(specs, options, _RunProgress(console))
    measured = list(outcome.benchmarks)
    failures = [str(failure) for failure in outcome.failures]

    if measured:
        results = ResultSet(tuple(from_pyperf(b) for b in measured))
        click.echo(render(results, fmt, verbose), nl=False)
        miscounts, lost_updates = count_problems(results)
        failures += miscounts
        for note in lost_updates:
            console.progress(note)
        if output:
            try:
                # Never clobber a file that appeared during the run; --force/--append may.
                write_suite_atomically(merge_suites(measured, existing), output,
                                       replace=force or existing is not None)
            except (OSError, ValueError) as exc:
                raise TlsbenchError(f"cannot write {output}: {exc}") from None
            written = f"results written to {output}"
            if outcome.failures:
                written += f" (all but the {len(outcome.failures)} that failed)"
            console.progress(written)
        if plot_path is not None:
            try:
                plotting.write(load_results([output]) if output else results, plot_path)
            except (OSError, ValueError, TlsbenchError) as exc:
                failures.append(f"cannot write the plot {plot_path}: {exc}")
            else:
                console.progress(f"plot written to {plot_path}")
    for failure in failures:
        console.error(failure)
    return EXIT_FAILED if failures else EXIT_OK


def _versions() -> dict[str, str]:
    versions = {"tlsbench": __version__}
    for package in ("pyperf", "click", "tabulate"):
        try:
            versions[package] = importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _describe(build: environment.BuildInfo) -> list[str]:
    gil = "enabled" if build.gil_enabled else "disabled"
    return [
        f"python:          {build.python_version} ({build.implementation})",
        f"executable:      {build.executable}",
        f"build:           {build.build_name} (Py_GIL_DISABLED={int(build.free_threaded)})",
        f"GIL at run time: {gil}",
        f"CPUs usable:     {build.cpu_count}",
        f"switch interval: {build.switch_interval * 1000:g} ms",
        f"platform:        {build.platform}",
    ]


@main.command()
@click.option("--python", "pythons", multiple=True, metavar="EXE",
              help="Describe this interpreter instead (path or name on PATH); repeatable.")
@click.option("--gil", type=click.Choice(sorted(GIL_SETTINGS)), default=None,
              help="Free-threaded builds only: describe it as run with PYTHON_GIL=1 or 0.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def info(pythons: tuple[str, ...], gil: str | None, fmt: str) -> None:
    """Describe an interpreter: version, build (GIL or free-threaded), GIL state, CPUs.

    The facts are read from inside the interpreter, as tlsbench's workers would see them.

    \b
    Examples:
      tlsbench info
      tlsbench info --python python3.13t
      tlsbench info --python python3.13t --gil on --format json
    """
    if pythons or gil:
        builds = [probe(name, gil).build for name in (pythons or [sys.executable])]
    else:
        builds = [environment.collect()]
    if fmt == "json":
        facts = [b.to_dict() | {"label": b.label, "tag": b.tag} for b in builds]
        document = {"versions": _versions(), "interpreters": facts}
        click.echo(json.dumps(document, indent=2))
        return
    blocks = ["\n".join(_describe(build)) for build in builds]
    versions = "versions:        " + ", ".join(f"{k} {v}" for k, v in _versions().items())
    click.echo("\n\n".join(blocks) + "\n" + versions)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="Output format.")
@click.option("-v", "--verbose", is_flag=True,
              help="Add how evenly the threads progressed (fairness) to the table.")
def show(files: tuple[str, ...], fmt: str, verbose: bool) -> None:
    """Print saved results (one or more files) as the table that 'run' prints.

    \b
    Examples:
      tlsbench show results.json
      tlsbench show gil.json free-threaded.json --format markdown
    """
    click.echo(render(load_results(files), fmt, verbose), nl=False)


def parse_max_regression(ctx: click.Context, param: click.Parameter, value: str) -> float:
    try:
        return comparing.parse_threshold(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command("compare")
@click.argument("baseline", type=click.Path())
@click.argument("current", type=click.Path())
@click.option("--max-regression", default="10%", show_default=True, metavar="PERCENT",
              callback=parse_max_regression,
              help="Fail only when a benchmark is significantly slower than this: 10% and 10 "
                   "both mean ten percent.")
@click.option("--allow-mismatch", is_flag=True,
              help="Compare results of different builds or parameters (Python version, GIL, "
                   "error rate, work) instead of refusing; the output says what differs.")
@click.option("-f", "--format", "fmt", type=click.Choice(comparing.FORMATS), default="table",
              show_default=True, help="Output format; markdown suits a PR comment or job summary.")
@click.option("--export-github-benchmark", "export", type=click.Path(dir_okay=False),
              default=None, metavar="FILE",
              help="Also write the current results for github-action-benchmark "
                   "(tool: customSmallerIsBetter).")
def compare_command(baseline: str, current: str, max_regression: float, allow_mismatch: bool,
                    fmt: str, export: str | None) -> int:
    """Compare two results files; exit 1 if CURRENT regressed from BASELINE.

    Benchmarks are matched by strategy and thread count. A change is significant by Welch's
    t-test at 95%; it is a regression when significant and slower than --max-regression.
    Exits 0 with no regression, 1 with at least one (named in the last lines), 2 on bad
    input: an unreadable file, not tlsbench results, nothing in common, or a mismatch.

    \b
    Examples:
      tlsbench compare baseline.json current.json
      tlsbench compare baseline.json current.json --max-regression 5%
      tlsbench compare baseline.json current.json --format markdown >> "$GITHUB_STEP_SUMMARY"
    """
    report = comparing.compare(load_results([baseline]), load_results([current]),
                               max_regression=max_regression,
                               baseline_source=baseline, current_source=current)
    console = Console()
    if allow_mismatch:
        for mismatch in report.mismatches:
            console.warn(f"comparing different measurements: {mismatch}")
    else:
        comparing.refuse_mismatch(report)
    click.echo(comparing.render(report, fmt), nl=False)
    if export:
        comparing.write_github_benchmark(report, export)
    regressions = report.regressions
    if regressions:
        console.error(f"{len(regressions)} regression(s): " + ", ".join(
            f"{c.name} {comparing.format_change(c.change)}" for c in regressions))
        return EXIT_FAILED
    return EXIT_OK


@main.command("plot")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The image to write: .png or .svg, chosen by the suffix.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@click.option("-b", "--build", "tags", multiple=True, metavar="TAG",
              help="Plot only this build, by its tag (py3.13.5, py3.13.5t, py3.13.5t-gil); "
                   "repeatable. Default: every build, one panel each.")
@click.option("-s", "--strategy", "strategies", multiple=True, metavar="NAME",
              help="Plot only this strategy; repeatable. Default: every one in the files.")
def plot_command(files: tuple[str, ...], output: str, force: bool, tags: tuple[str, ...],
                 strategies: tuple[str, ...]) -> None:
    """Draw throughput against thread count from results files.

    One line per strategy with ± std dev error bars, a log2 thread axis, an ideal-scaling
    reference (best safe 1-thread throughput times threads, flat past the CPU count) and one
    panel per build on a shared scale. Needs matplotlib: pip install 'tlsbench[plot]'.

    \b
    Examples:
      tlsbench run --threads 1,2,4,8 -o results.json
      tlsbench plot results.json -o scaling.png
      tlsbench plot gil.json free-threaded.json -o scaling.svg
      tlsbench plot results.json -o lock.png --strategy lock --build py3.13.5t
    """
    plotting.check_output(output, force)
    results = load_results(files)
    if tags:
        known = [build.tag for build in results.builds()]
        unknown = [tag for tag in tags if tag not in known]
        if unknown:
            raise TlsbenchError(f"no build {unknown[0]!r} in the results; builds: "
                                + ", ".join(known))
        results = ResultSet(tuple(r for r in results if r.build.tag in tags), results.sources)
    if strategies:
        known = results.strategies()
        unknown = [name for name in strategies if name not in known]
        if unknown:
            raise TlsbenchError(f"no strategy {unknown[0]!r} in the results; strategies: "
                                + ", ".join(known))
        results = ResultSet(tuple(r for r in results if r.strategy in strategies),
                            results.sources)
    try:
        plotting.write(results, output)
    except (OSError, ValueError) as exc:
        raise TlsbenchError(f"cannot write {output}: {exc}") from None
    Console().progress(f"plot written to {output}")


@main.command("list")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@click.option("--python", "python", metavar="EXE", default=None,
              help="Say what can run in that interpreter (as 'run --python EXE' will find "
                   "it) instead of this one.")
def list_command(fmt: str, python: str | None) -> None:
    """List the counting strategies: what each does and shows, whether it is safe, and
    whether it can run here.

    A safe strategy must count exactly: a miscount fails the run. An unsafe one ('unsafe',
    'unsafe-call') is there to show what a race loses, reported as lost updates. Optional
    strategies need a package in the interpreter that runs the benchmark ('atomic':
    pip install 'tlsbench[atomics]'). Plugins come from the 'tlsbench.strategies'
    entry-point group.

    \b
    Examples:
      tlsbench list
      tlsbench list --python python3.13t
      tlsbench list --format json
    """
    if python:
        interpreter = probe(python)
        label, executable = interpreter.build.label, interpreter.executable
        unavailable: Unavailable = interpreter.unavailable_reason
    else:
        label, executable = environment.collect().label, sys.executable
        unavailable = _unavailable_reason
    listing = catalog.entries(unavailable)
    skipped = plugin_problems()
    for problem in skipped.values():
        Console().warn(problem)
    if fmt == "json":
        click.echo(catalog.render_json(listing, label, executable, skipped), nl=False)
    else:
        click.echo(catalog.render_table(listing, label, executable), nl=False)
