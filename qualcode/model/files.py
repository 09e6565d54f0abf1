"""Writing a file atomically: through a temporary file beside it, then renamed over it in one step.

A reader never sees half a file, and a failure (a full disk, a bug, an interrupt) leaves the previous file
as it was. The new file gets the permissions of the file it replaces, or those any new file gets (the
umask's), not the owner-only ones of a temporary file: a report or an export is meant to be shared.

No output ever replaces a SQLite database (a qualcode project) or one of its journals: a report, a CSV or
an export given the project's own path is refused before anything is written.

Every output of qualcode goes through :func:`writing`: a failure to write (a full disk, a read-only folder,
no permission, a folder where a file is expected) becomes one :class:`~qualcode.model.errors.WriteError`
naming the path and saying what to do, whichever command wrote it. :func:`default_cache_dir` says where
qualcode's caches live.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from qualcode.model.errors import OutputError, WriteError

__all__ = ["default_cache_dir", "refuse_database", "write_atomic", "write_atomic_path", "writing"]

_SQLITE_HEADER = b"SQLite format 3\x00"
_JOURNALS = ("-wal", "-shm", "-journal")


def default_cache_dir() -> Path:
    """``$QUALCODE_CACHE_DIR``, else ``$XDG_CACHE_HOME/qualcode``, else ``~/.cache/qualcode``."""
    if os.environ.get("QUALCODE_CACHE_DIR"):
        return Path(os.environ["QUALCODE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qualcode"


@contextlib.contextmanager
def writing(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn an ``OSError`` raised while writing ``path`` into a :class:`~qualcode.model.errors.WriteError`
    that names ``path``, says why in words and what to do."""
    try:
        yield
    except WriteError:  # said already, by a writer inside (the report of an output folder)
        raise
    except OSError as exc:
        raise WriteError(path, os_reason(exc), exc.errno) from exc


def os_reason(exc: OSError) -> str:
    """What an OSError met while writing means for the person running the command, and what to do."""
    named = str(exc.filename or "")
    if ".partial" in named:  # a file being written beside: its own name, not the temporary path
        named = "" if ".partial" in Path(named).name else Path(named).name
    where = f" ({named})" if named else ""
    if exc.errno == errno.ENOSPC:
        return f"the disk is full{where}. Free some space and run again."
    if exc.errno == errno.EROFS:
        return f"the file system is read-only{where}. Choose a place you can write to."
    if exc.errno == errno.EISDIR:
        return "it is a folder, and a file is written there. Give a file name, e.g. inside that folder."
    if exc.errno == errno.EEXIST:
        return f"a file{where} stands where its folder should be. Choose another path, or move that file."
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "its folder does not exist or takes no new files. Create the folder first, or choose another path."
    if isinstance(exc, PermissionError):
        return f"permission denied{where}. Choose a place you can write to, or change its permissions."
    return f"{exc.strerror or exc}{where}. Check the path, its permissions and the free space."


def write_atomic_path(
    path: str | os.PathLike[str], write: Callable[[Path], None], *, sync: bool = False, parents: bool = False
) -> Path:
    """Call ``write`` with the path of a temporary file beside ``path``, then move that file onto ``path``.

    ``sync`` flushes it to disk before the move (for files that are hard to make again); ``parents`` creates
    the missing folders above ``path``. Returns ``path``. Raises
    :class:`~qualcode.model.errors.WriteError` (naming ``path``) when it cannot be written, and
    :class:`~qualcode.model.errors.OutputError` when ``path`` is a project database.
    """
    path = Path(path)
    refuse_database(path)
    with writing(path):
        if parents:
            path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():  # found before anything is written (os.replace would find it only at the end)
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
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
