"""Writing a file atomically: through a temporary file beside it, then renamed over it in one step.

A reader never sees half a file, and a failure (a full disk, a bug, an interrupt) leaves the previous file
as it was. The new file gets the permissions of the file it replaces, or those any new file gets (the
umask's), not the owner-only ones of a temporary file: a report or an export is meant to be shared.

No output ever replaces a SQLite database (a qualcode project) or one of its journals: a report, a CSV or
an export given the project's own path is refused before anything is written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from qualcode.model.errors import OutputError

__all__ = ["refuse_database", "write_atomic", "write_atomic_path"]

_SQLITE_HEADER = b"SQLite format 3\x00"
_JOURNALS = ("-wal", "-shm", "-journal")


def write_atomic_path(path: str | os.PathLike[str], write: Callable[[Path], None], *, sync: bool = False) -> Path:
    """Call ``write`` with the path of a temporary file beside ``path``, then move that file onto ``path``.

    ``sync`` flushes it to disk before the move (for files that are hard to make again). Returns ``path``.
    """
    path = Path(path)
    refuse_database(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(fd)
    temporary = Path(name)
    try:
        write(temporary)
        if sync:
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else _new_file_mode())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def write_atomic(path: str | os.PathLike[str], write: Callable[[IO[bytes]], object], *, sync: bool = False) -> Path:
    """Like :func:`write_atomic_path`, with ``write`` given the temporary file open for binary writing."""

    def to_file(temporary: Path) -> None:
        with open(temporary, "wb") as handle:
            write(handle)

    return write_atomic_path(path, to_file, sync=sync)


def refuse_database(path: str | os.PathLike[str]) -> None:
    """Raise :class:`~qualcode.model.errors.OutputError` if writing ``path`` would replace a SQLite database (a
    qualcode project: its human codings would be lost) or one of its ``-wal``/``-shm``/``-journal`` files."""
    path = Path(path)
    database = path
    for suffix in _JOURNALS:
        if path.name.endswith(suffix) and len(path.name) > len(suffix):
            database = path.with_name(path.name[: -len(suffix)])
            break
    if _is_database(database):
        what = "is a project database" if database == path else f"belongs to the project database {database}"
        raise OutputError(
            f"{path}: {what}; writing an output there would destroy the project and its human codings. "
            "Choose another output file name."
        )


def _is_database(path: Path) -> bool:
    """True for a SQLite database: its header, or (a database in WAL mode not yet checkpointed) its -wal."""
    try:
        with open(path, "rb") as handle:
            if handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER:
                return True
    except OSError:
        pass
    return path.with_name(path.name + "-wal").is_file()


def _new_file_mode() -> int:
    """The mode a new file gets here: 0o666 less the umask (read from /proc on Linux, else 0o644)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644
