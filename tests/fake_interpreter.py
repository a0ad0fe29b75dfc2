"""A fake "interpreter under test" for fault tests: a script that behaves like
``python -m tlsbench.worker ...`` would when things go wrong (or right, quickly).

``tlsbench.measure`` starts ``<executable> -m tlsbench.worker --name N ... --output F``.
Pointing a :class:`tlsbench.measure.Target` at the script written by
:func:`write_fake_interpreter` lets a test make any one benchmark crash, hang or die
without touching the real worker. Behaviours, chosen per benchmark name:

* ``ok``: writes a valid tlsbench result (built with ``tests.factory``) and exits 0;
* ``fail``: prints an error and exits 1;
* ``hang``: starts a child process, records both pids in ``<name>.pids``, sleeps forever;
* ``kill``: kills itself with SIGKILL (an interpreter that dies);
* ``garbage``: writes half a JSON file and exits 0;
* ``alien``: writes a valid pyperf file that is not a tlsbench result, exits 0.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_SCRIPT = r'''#!{python}
import json, os, signal, subprocess, sys, time
sys.path.insert(0, {repo!r})
MODES = json.loads({modes!r})
PIDS_DIR = {pids_dir!r}
args = sys.argv[1:]
def option(flag, default=None):
    return args[args.index(flag) + 1] if flag in args else default
name = option("--name")
mode = MODES.get(name, MODES.get("*", "ok"))
if mode == "ok":
    from tests.factory import make_benchmark, write_suite
    strategy, _, tag = name.partition("@")
    bench = make_benchmark(
        option("--strategy"), int(option("--threads")), period=int(option("--period")),
        work=int(option("--work", "0")), tag=tag or None,
    )
    write_suite(option("--output"), [bench])
elif mode == "fail":
    print("Traceback (most recent call last):", file=sys.stderr)
    print("RuntimeError: the fake worker failed on purpose", file=sys.stderr)
    sys.exit(1)
elif mode == "hang":
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    with open(os.path.join(PIDS_DIR, name + ".pids"), "w") as handle:
        handle.write(f"{{os.getpid()}} {{child.pid}}")
    time.sleep(3600)
elif mode == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
elif mode == "alien":
    import pyperf
    run = pyperf.Run([1e-7], warmups=[(1, 1e-7)], metadata={{"name": name, "loops": 1}},
                     collect_metadata=False)
    pyperf.BenchmarkSuite([pyperf.Benchmark([run])]).dump(option("--output"))
elif mode == "garbage":
    with open(option("--output"), "w") as handle:
        handle.write('{{"version": "1.0", "benchmarks": [{{"runs": [')
'''


def write_fake_interpreter(directory: Path, modes: Mapping[str, str]) -> Path:
    """Write the fake interpreter into ``directory``; ``modes`` maps benchmark names
    (or ``"*"`` for the rest) to a behaviour. Returns the executable's path."""
    script = directory / "fake-python"
    script.write_text(_SCRIPT.format(
        python=sys.executable, repo=str(REPO), modes=json.dumps(dict(modes)),
        pids_dir=str(directory),
    ))
    script.chmod(0o755)
    return script


def hung_pids(directory: Path, name: str) -> list[int]:
    """The pids a ``hang`` benchmark recorded: the fake worker and its child."""
    return [int(pid) for pid in (directory / f"{name}.pids").read_text().split()]


def is_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie awaiting its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    # The state follows the parenthesised command name.
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def dump_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path
