"""Readers: one per format family, chosen by suffix. Each turns a file's bytes into a RawDocument.

Readers know nothing of codebooks or structure detection: they decode, extract text and the structure the
format states (headings, speaker turns, timings), and raise a :class:`qualcode.errors.ReadError` subclass
naming the file and the problem.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from qualcode.errors import UnsupportedFormatError
from qualcode.transcript import RawDocument

__all__ = ["READERS", "read_raw", "supported_suffixes"]

Reader = Callable[[Path], RawDocument]


def _lazy(module: str, name: str) -> Reader:
    """A reader whose module (and its libraries: python-docx, pdfplumber...) is imported on first use."""

    def reader(path: Path) -> RawDocument:
        return getattr(importlib.import_module(f"qualcode.readers.{module}"), name)(path)

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
    """Read one file with the reader for its suffix (case-insensitive)."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFormatError(
            path,
            f"no reader for files ending in {path.suffix or '(no suffix)'!r}.",
            f"Supported suffixes: {', '.join(supported_suffixes())}. Convert the file to one of them.",
        )
    return reader(path)
