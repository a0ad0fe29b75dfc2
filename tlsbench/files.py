"""Output files: checked before any work starts, then written atomically.

Shared by the results file (``run -o``) and the plots, so that both refuse the same bad
paths with the same words and neither can leave half a file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from tlsbench.errors import TlsbenchError


def check_output_path(
    path: str | os.PathLike[str], *, force: bool, hint: str = "use --force to replace it"
) -> Path:
    """Refuse a path that would fail or clobber, before a long run is spent on it."""
    target = Path(path)
    if target.is_dir():
        raise TlsbenchError(f"{path}: is a directory")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise TlsbenchError(f"{path}: directory {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK):
        raise TlsbenchError(f"{path}: directory {str(parent)!r} is not writable")
    if target.exists() and not force:
        raise TlsbenchError(f"{path} exists; {hint}")
    return target


def write_atomically(
    path: str | os.PathLike[str],
    write: Callable[[IO[Any]], object],
    *,
    binary: bool = False,
    replace: bool = True,
) -> None:
    """Write a file through ``write(handle)`` into a temporary file beside ``path``, then
    rename it into place.

    A crash, a full disk or Ctrl-C leaves either the old file or the new one, never half
    of either, and no temporary file. The file gets the mode a plain ``open()`` would give
    it (or keeps the mode of the file it replaces), not mkstemp's 0600. With
    ``replace=False`` an existing file is never clobbered, even one created meanwhile.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    mode = _file_mode(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        handle: IO[Any]
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8")) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if replace:
            os.replace(tmp, target)
        else:
            _link_no_clobber(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _file_mode(target: Path) -> int:
    """The replaced file's mode, or what a plain open() would give (mkstemp gives 0600)."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _link_no_clobber(tmp: str, target: Path) -> None:
    # link() fails if the target exists, atomically; rename() would overwrite it.
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise TlsbenchError(
            f"{target}: the file appeared while tlsbench was measuring; not replaced"
        ) from None
    except OSError:  # a file system without hard links: check, then rename
        if target.exists():
            raise TlsbenchError(
                f"{target}: the file appeared while tlsbench was measuring; not replaced"
            ) from None
        os.replace(tmp, target)
