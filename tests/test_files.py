"""Output files: refused early, written whole, with an ordinary mode."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tlsbench.errors import TlsbenchError
from tlsbench.files import check_output_path, write_atomically


def test_a_new_file_gets_the_mode_open_would_give_not_0600(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        target = tmp_path / "r.json"
        write_atomically(target, lambda handle: handle.write("{}"))
    finally:
        os.umask(umask)
    assert target.read_text() == "{}"
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")
    target.chmod(0o640)
    write_atomically(target, lambda handle: handle.write(b"new"), binary=True)
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")

    def fail(handle: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_atomically(target, fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_no_clobber_refuses_a_file_that_appeared(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("someone else's")
    with pytest.raises(TlsbenchError, match="appeared while tlsbench was measuring"):
        write_atomically(target, lambda handle: handle.write("mine"), replace=False)
    assert target.read_text() == "someone else's"


def test_check_output_path(tmp_path: Path) -> None:
    assert check_output_path(tmp_path / "new.png", force=False) == tmp_path / "new.png"
    with pytest.raises(TlsbenchError, match="is a directory"):
        check_output_path(tmp_path, force=True)
    with pytest.raises(TlsbenchError, match="does not exist"):
        check_output_path(tmp_path / "missing" / "x.json", force=True)
    (tmp_path / "old.json").write_text("x")
    with pytest.raises(TlsbenchError, match="exists; use --force"):
        check_output_path(tmp_path / "old.json", force=False)
    assert check_output_path(tmp_path / "old.json", force=True).name == "old.json"
