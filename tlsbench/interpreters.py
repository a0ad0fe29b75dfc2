"""Other interpreters: finding them, checking they can run tlsbench, and naming their builds.

tlsbench measures inside the interpreter under test without installing anything there:
its workers run with a PYTHONPATH holding only tlsbench and pyperf (both pure Python,
see ``measure.worker_path``). So any CPython 3.11+ works as it is, free-threaded or not.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from tlsbench.environment import BuildInfo
from tlsbench.errors import TlsbenchError
from tlsbench.measure import Target, worker_env, worker_path

MIN_VERSION = (3, 11)

# Run in the candidate interpreter: the version check comes before any import that
# an old interpreter could choke on.
_PROBE = f"""\
import json, sys
if sys.version_info < {MIN_VERSION!r}:
    print(json.dumps({{"too_old": "%d.%d" % sys.version_info[:2]}}))
    raise SystemExit(0)
import pyperf
from tlsbench.environment import collect
facts = collect().to_dict()
# After collect(): a plugin's extension module could re-enable the GIL on import.
from tlsbench.strategies import availability
facts["strategies"] = availability()
print(json.dumps(facts))
"""

#: --gil choices and the PYTHON_GIL value each sets.
GIL_SETTINGS = {"on": "1", "off": "0"}


#: Each strategy known in an interpreter, with why it cannot run there (None: it can).
StrategyAvailability = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Interpreter:
    """An interpreter as asked for on the command line, resolved and probed."""

    requested: str
    executable: str
    build: BuildInfo
    gil: str | None = None
    """'on' or 'off' when --gil set PYTHON_GIL for it, else None."""
    strategies: StrategyAvailability | None = None
    """Every strategy known there, with why it cannot run there (None: it can)."""

    def unavailable_reason(self, strategy: str) -> str | None:
        """Why ``strategy`` cannot run in this interpreter, or None."""
        if self.strategies is None:
            return None
        known = dict(self.strategies)
        if strategy not in known:
            return "unknown there (a plugin installed only in this interpreter?)"
        return known[strategy]

    def target(self, tagged: bool) -> Target:
        env = (("PYTHON_GIL", GIL_SETTINGS[self.gil]),) if self.gil else ()
        return Target(self.executable, env, self.build.tag if tagged else None)


def resolve(name: str) -> str:
    """An interpreter's absolute path, from a path or a name on PATH."""
    found = shutil.which(name)
    if found is None:
        hint = "give its path or put it on PATH"
        if name.endswith("t"):
            hint += "; build a free-threaded one with ../shared/tools/build-python 3.13t"
        raise TlsbenchError(f"--python {name}: interpreter not found ({hint})")
    return os.path.abspath(found)


def _read_build(name: str, executable: str, gil: str | None,
                timeout: float) -> tuple[BuildInfo, StrategyAvailability | None]:
    env_pairs = (("PYTHON_GIL", GIL_SETTINGS[gil]),) if gil else ()
    with worker_path() as pythonpath:
        env = worker_env(Target(executable, env_pairs), pythonpath)
        try:
            proc = subprocess.run([executable, "-c", _PROBE], env=env, capture_output=True,
                                  text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TlsbenchError(f"--python {name}: cannot run it: {exc}") from None
    if proc.returncode != 0:
        lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
        if any("pyenv" in line for line in lines):
            # pyenv's shims only run the versions selected with `pyenv global/local`.
            raise TlsbenchError(
                f"--python {name}: pyenv's shim refused ({lines[0]}); give the interpreter's "
                "own path, e.g. $(pyenv root)/versions/3.12.1/bin/python3.12"
            )
        message = lines[-1] if lines else f"exit status {proc.returncode}"
        raise TlsbenchError(f"--python {name}: failed to start tlsbench there: {message}")
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise TlsbenchError(f"--python {name}: unexpected answer from the interpreter") from None
    if "too_old" in data:
        raise TlsbenchError(
            f"--python {name}: Python {data['too_old']} is too old; tlsbench needs "
            f"{MIN_VERSION[0]}.{MIN_VERSION[1]} or newer"
        )
    known = data.get("strategies")
    strategies = tuple(known.items()) if isinstance(known, dict) else None
    return BuildInfo.from_dict(data), strategies


def probe(name: str, gil: str | None = None, timeout: float = 60.0) -> Interpreter:
    """Check that ``name`` can run tlsbench's workers, and read its build from inside it.

    With ``gil``, the build is read as it runs with PYTHON_GIL set. --gil only means
    something on a free-threaded build, and PYTHON_GIL=0 is a fatal error on a default
    one, so the build is checked first, without it.
    """
    executable = resolve(name)
    build, strategies = _read_build(name, executable, None, timeout)
    if gil:
        if not build.free_threaded:
            raise TlsbenchError(
                f"--gil {gil}: {name} ({build.label}) is not a free-threaded build; --gil "
                "applies only to free-threaded interpreters (3.13t and later)"
            )
        build, strategies = _read_build(name, executable, gil, timeout)
    return Interpreter(name, executable, build, gil, strategies)


def probe_all(names: Sequence[str], gil_settings: Sequence[str]) -> list[Interpreter]:
    """Every (interpreter, --gil setting) pair, probed; duplicates refused."""
    settings: Sequence[str | None] = list(gil_settings) or [None]
    interpreters = []
    seen: dict[str, str] = {}
    for name in names:
        for gil in settings:
            interpreter = probe(name, gil)
            tag = interpreter.build.tag
            if tag in seen:
                raise TlsbenchError(
                    f"--python {name} and --python {seen[tag]} are the same build "
                    f"({interpreter.build.label}); give each build once"
                )
            seen[tag] = name
            interpreters.append(interpreter)
    return interpreters
