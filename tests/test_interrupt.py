"""Ctrl-C during a real run: exit 130 promptly, one line, no traceback, no results file
written or changed, and no worker process left behind.

These start ``python -m tlsbench run`` as a real subprocess (with real pyperf workers) and
send it SIGINT, as a terminal's Ctrl-C would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from .factory import make_benchmark, write_suite

pytestmark = pytest.mark.slow

MARKER = "TLSBENCH_TEST_MARKER"


def _stat(pid: str) -> tuple[str, int]:
    """A process's state and session id, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return fields[0], int(fields[3])


def _run_processes(marker: str) -> list[int]:
    """Live processes of the run tagged with ``marker``: the run, each benchmark's worker
    (tagged: it inherits the run's environment) and, in the worker's session, the processes
    pyperf spawned (which get a trimmed environment, so are found by session)."""
    tagged, sessions = [], {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, session = _stat(entry.name)
            environ = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, IndexError):
            continue
        if state in ("Z", "X"):
            continue
        sessions[int(entry.name)] = session
        if f"{MARKER}={marker}".encode() in environ:
            tagged.append(int(entry.name))
    # Each worker leads its own session (measure starts it with start_new_session).
    leaders = {pid for pid in tagged if sessions[pid] == pid}
    return sorted(set(tagged) | {pid for pid, sid in sessions.items() if sid in leaders})


def _interrupt_run(directory: Path, *extra: str, signum: int = signal.SIGINT
                   ) -> tuple[subprocess.CompletedProcess[str], str]:
    marker = uuid.uuid4().hex
    env = dict(os.environ, **{MARKER: marker}, NO_COLOR="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tlsbench", "run", "--threads", "2", "-s", "lock",
         "-o", "out.json", *extra],
        cwd=directory, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    # Wait until pyperf workers are measuring, then interrupt mid-benchmark.
    deadline = time.monotonic() + 30
    while len(_run_processes(marker)) < 3 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    assert len(_run_processes(marker)) >= 3, "the run never started its workers"
    time.sleep(0.5)
    proc.send_signal(signum)
    t0 = time.monotonic()
    try:
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    elapsed = time.monotonic() - t0
    assert elapsed < 5, f"took {elapsed:.1f} s to stop"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), marker


def _assert_clean_interrupt(result: subprocess.CompletedProcess[str], marker: str,
                            code: int = 130, word: str = "interrupted") -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {word}; no results file was written or changed")
    assert result.stdout == ""
    deadline = time.monotonic() + 5
    while _run_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _run_processes(marker) == [], "worker processes were left running"


def test_ctrl_c_writes_nothing(tmp_path: Path) -> None:
    result, marker = _interrupt_run(tmp_path)
    _assert_clean_interrupt(result, marker)
    assert list(tmp_path.iterdir()) == []  # neither out.json nor a temporary file


@pytest.mark.parametrize("mode", ["--force", "--append"])
def test_ctrl_c_leaves_an_existing_file_byte_identical(tmp_path: Path, mode: str) -> None:
    # Same workload (period 2, no work), another strategy: a file --append accepts.
    existing = write_suite(tmp_path / "out.json", [make_benchmark("count", 1, period=2)])
    before = existing.read_bytes()
    result, marker = _interrupt_run(tmp_path, mode)
    _assert_clean_interrupt(result, marker)
    assert existing.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_sigterm_is_handled_like_ctrl_c(tmp_path: Path) -> None:
    # A cancelled CI job: the workers must not be left running, nor a file half-written.
    existing = write_suite(tmp_path / "out.json", [make_benchmark("count", 1, period=2)])
    before = existing.read_bytes()
    result, marker = _interrupt_run(tmp_path, "--force", signum=signal.SIGTERM)
    _assert_clean_interrupt(result, marker, code=143, word="terminated")
    assert existing.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
