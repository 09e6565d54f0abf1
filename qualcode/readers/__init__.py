"""Readers: one per format family, chosen by suffix. Each turns a file's bytes into a RawDocument.

Readers know nothing of codebooks or structure detection: they decode, extract text and the structure the
format states (headings, speaker turns, timings), and raise a :class:`qualcode.errors.ReadError` subclass
naming the file and the problem.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qualcode.errors import UnsupportedFormatError
from qualcode.readers.office import read_docx, read_odt, read_rtf
from qualcode.readers.pdf import read_pdf
from qualcode.readers.subtitles import read_srt, read_vtt
from qualcode.readers.text import read_md, read_txt
from qualcode.readers.textgrid import read_textgrid
from qualcode.transcript import RawDocument

__all__ = ["READERS", "read_raw", "supported_suffixes"]

Reader = Callable[[Path], RawDocument]

READERS: dict[str, Reader] = {
    ".txt": read_txt,
    ".text": read_txt,
    ".md": read_md,
    ".markdown": read_md,
    ".docx": read_docx,
    ".odt": read_odt,
    ".rtf": read_rtf,
    ".pdf": read_pdf,
    ".vtt": read_vtt,
    ".srt": read_srt,
    ".textgrid": read_textgrid,
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
