"""``tlsbench list``: every strategy, what it shows, whether it is safe and can run.

Availability is per interpreter: optional strategies need their package installed in the
interpreter that runs the benchmark, so the listing says which interpreter it describes.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

from tabulate import tabulate

from tlsbench.strategies import DEFAULT_STRATEGIES, all_strategies, is_plugin

#: Width of the description column of the text table.
SUMMARY_WIDTH = 62
#: Width of the notes under it.
NOTE_WIDTH = 100


@dataclass(frozen=True)
class Entry:
    """One strategy as ``tlsbench list`` describes it."""

    name: str
    summary: str
    safe: bool
    default: bool
    plugin: bool
    available: bool
    unavailable_reason: str | None


def entries(unavailable: Callable[[str], str | None]) -> list[Entry]:
    """Every known strategy, in registration order; ``unavailable(name)`` says why one
    cannot run in the interpreter described (None: it can)."""
    out = []
    for name, cls in all_strategies().items():
        reason = unavailable(name)
        out.append(Entry(name, cls.summary, cls.safe, name in DEFAULT_STRATEGIES,
                         is_plugin(name), reason is None, reason))
    return out


def render_json(listing: Sequence[Entry], python: str, executable: str,
                skipped_plugins: Mapping[str, str]) -> str:
    document = {
        "python": python,
        "executable": executable,
        "default": list(DEFAULT_STRATEGIES),
        "strategies": [asdict(entry) for entry in listing],
        "skipped_plugins": dict(skipped_plugins),
    }
    return json.dumps(document, indent=2) + "\n"


def render_table(listing: Sequence[Entry], python: str, executable: str) -> str:
    rows = [
        [entry.name + ("*" if entry.default else "") + (" (plugin)" if entry.plugin else ""),
         "yes" if entry.safe else "NO",
         "yes" if entry.available else "no",
         entry.summary]
        for entry in listing
    ]
    table = tabulate(rows, headers=["strategy", "safe", "available", "what it does: what it shows"],
                     tablefmt="simple", disable_numparse=True,
                     maxcolwidths=[None, None, None, SUMMARY_WIDTH])
    notes = [
        "* run by default; 'tlsbench run -s all' runs every available one.",
        "safe: must count exactly, and a miscount fails the run. NO: the updates it loses are "
        "the result, reported as a count and a percentage.",
        f"available: in Python {python} ({executable}). A benchmark in another interpreter "
        "(run --python EXE) uses what is installed there: see 'tlsbench list --python EXE'.",
    ]
    missing = [entry for entry in listing if not entry.available]
    if missing:
        notes.append("Not available:")
        notes += [f"  {entry.name}: {entry.unavailable_reason}" for entry in missing]
    wrapped = [textwrap.fill(note, NOTE_WIDTH, subsequent_indent="    ") for note in notes]
    return table + "\n\n" + "\n".join(wrapped) + "\n"
