"""Readers: one per format family, chosen by suffix. Each turns a file's bytes into a RawDocument.

Readers know nothing of codebooks or structure detection: they decode, extract text and the structure the
format states (headings, speaker turns, timings), and raise a :class:`qualcode.model.errors.ReadError` subclass
naming the file and the problem.
"""

from __future__ import annotations

import errno
import importlib
import stat
from collections.abc import Callable
from pathlib import Path

from qualcode.model.errors import ReadError, TooLargeError, UnsupportedFormatError
from qualcode.model.transcript import RawDocument

__all__ = ["MAX_FILE", "READERS", "file_bytes", "read_raw", "supported_suffixes"]

Reader = Callable[[Path], RawDocument]


def _lazy(module: str, name: str) -> Reader:
    """A reader whose module (and its libraries: python-docx, pdfplumber...) is imported on first use."""

    def reader(path: Path) -> RawDocument:
        return getattr(importlib.import_module(f"qualcode.ingest.readers.{module}"), name)(path)

    reader.__name__ = reader.__qualname__ = name
    return reader


READERS: dict[str, Reader] = {
    ".txt": _lazy("text", "read_txt"),
    ".text": _lazy("text", "read_txt"),
    ".md": _lazy("text", "read_md"),
    ".markdown": _lazy("text", "read_md"),
    ".docx": _lazy("office", "read_docx"),
    ".odt": _lazy("office", "read_odt"),
    ".rtf": _lazy("office", "read_rtf"),
    ".pdf": _lazy("pdf", "read_pdf"),
    ".vtt": _lazy("subtitles", "read_vtt"),
    ".srt": _lazy("subtitles", "read_srt"),
    ".textgrid": _lazy("textgrid", "read_textgrid"),
}


def supported_suffixes() -> list[str]:
    """The file suffixes qualcode can read, lower-case, with their dot."""
    return sorted(READERS)


def read_raw(path: str | Path) -> RawDocument:
    """Read one file with the reader for its suffix (case-insensitive).

    Raises a :class:`ReadError` for every problem with the file, including those the operating system
    reports (missing, a broken or looping link, permission denied, a folder, a pipe that would block).
    """
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFormatError(
            path,
            f"no reader for files ending in {path.suffix or '(no suffix)'!r}.",
            f"Supported suffixes: {', '.join(supported_suffixes())}. Convert the file to one of them.",
        )
    try:
        _check_regular_file(path)
        return reader(path)
    except OSError as exc:
        raise os_read_error(path, exc) from exc


def file_bytes(path: str | Path) -> bytes:
    """The bytes of ``path``, with the checks and errors of :func:`read_raw` (a pipe is refused, never
    waited on)."""
    path = Path(path)
    try:
        _check_regular_file(path)
        return path.read_bytes()
    except OSError as exc:
        raise os_read_error(path, exc) from exc


MAX_FILE = 256 * 2**20  # bytes of one transcript file: a million spoken words are about 6 MB of text


def _check_regular_file(path: Path) -> None:
    info = path.stat()
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise ReadError(path, "is a folder, not a file.", "Give the folder itself to read every transcript in it.")
    if not stat.S_ISREG(mode):
        raise ReadError(
            path,
            "is not a regular file (a pipe, socket or device): reading it could wait forever.",
            "Give the transcript file itself.",
        )
    if info.st_size > MAX_FILE:
        raise TooLargeError(
            path,
            f"is {info.st_size / 2**30:.1f} GB; qualcode reads transcript files of up to {MAX_FILE // 2**20} MB (a "
            "transcript of a million words is about 6 MB of text).",
            "Check that this is a transcript (not a recording or a disk image), or split it into several files.",
        )


def os_read_error(path: Path, exc: OSError) -> ReadError:
    """The :class:`ReadError` for an error the operating system raised while reading ``path``."""
    if exc.errno == errno.ELOOP:
        return ReadError(path, "is a symbolic link that loops back on itself.", "Fix or remove the link.")
    if isinstance(exc, FileNotFoundError) and path.is_symlink():
        return ReadError(
            path, "is a broken symbolic link: what it points to does not exist.", "Fix or remove the link."
        )
    if isinstance(exc, FileNotFoundError):
        return ReadError(
            path,
            "no longer exists: it was deleted or moved while qualcode was reading the folder.",
            "Check that the folder is fully synced and that no other program moves files in it, then run again.",
        )
    if isinstance(exc, PermissionError):
        return ReadError(
            path,
            "cannot be read: Permission denied.",
            "Check the file's permissions, or close the program that has locked it, then run again.",
        )
    return ReadError(path, f"cannot be read ({exc.strerror or exc}).", "Check that it exists and is readable.")
