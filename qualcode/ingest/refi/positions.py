"""Character positions between REFI-QDA files and qualcode documents.

The REFI-QDA specification counts a text selection in Unicode code points of the source file's text, from
0, end excluded. NVivo counts UTF-16 code units instead: a character outside the Basic Multilingual Plane
(most emoji) counts twice. Both count the text exactly as the file holds it, so a Windows line ending
(``\\r\\n``) counts as two characters, while a qualcode document keeps ``\\n`` only.

:class:`Offsets` converts in both directions for one text; :func:`on_word_boundaries` scores a reading of
the positions, which is how ``positions="auto"`` tells NVivo's units from code points.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["POSITIONS", "Offsets", "Reading", "exporter", "file_text", "on_word_boundaries"]

Reading = Literal["codepoints", "nvivo"]
POSITIONS: tuple[Reading, ...] = ("codepoints", "nvivo")


def file_text(text: str) -> tuple[str, list[int]]:
    """The text as qualcode stores it (``\\r\\n`` and lone ``\\r`` become ``\\n``), and the positions of
    the removed ``\\r`` characters in the original text, sorted."""
    removed = []
    at = text.find("\r\n")
    while at != -1:
        removed.append(at)
        at = text.find("\r\n", at + 2)
    return text.replace("\r\n", "\n").replace("\r", "\n"), removed


@dataclass
class Offsets:
    """Position conversions for one text (``text`` as in the source file, with its ``\\r\\n`` if any).

    ``stored`` is the text qualcode keeps. Positions in the file text convert to positions in ``stored``;
    :func:`exporter` does the reverse for an export.
    """

    text: str
    stored: str = field(init=False)
    _removed: list[int] = field(init=False, repr=False)
    _astral: list[int] = field(init=False, repr=False)  # UTF-16 index of each astral character of text

    def __post_init__(self) -> None:
        self.stored, self._removed = file_text(self.text)
        astral = [i for i, ch in enumerate(self.text) if ord(ch) > 0xFFFF] if _has_astral(self.text) else []
        self._astral = [i + k for k, i in enumerate(astral)]

    @property
    def astral(self) -> bool:
        """Whether the text has characters that NVivo counts twice (code points and UTF-16 differ)."""
        return bool(self._astral)

    def length(self, reading: Reading) -> int:
        return len(self.text) + (len(self._astral) if reading == "nvivo" else 0)

    def to_codepoint(self, position: int, reading: Reading) -> int | None:
        """The code point index in the file text of ``position`` read as ``reading``; None when it lies
        outside the text or inside a UTF-16 surrogate pair."""
        if not 0 <= position <= self.length(reading):
            return None
        if reading == "codepoints" or not self._astral:
            return position
        before = bisect_left(self._astral, position)  # astral characters starting before the position
        if before and self._astral[before - 1] + 1 == position:
            return None
        return position - before

    def to_stored(self, codepoint: int) -> int:
        """The index in :attr:`stored` of a code point index of the file text."""
        return codepoint - bisect_left(self._removed, codepoint)



def exporter(text: str, reading: Reading) -> Callable[[int], int]:
    """The function that turns an index into ``text`` into the position an export writes for it."""
    astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF] if _has_astral(text) else []
    if reading == "codepoints" or not astral:
        return lambda position: position
    return lambda position: position + bisect_left(astral, position)


def _has_astral(text: str) -> bool:
    return any(ord(ch) > 0xFFFF for ch in text) if not text.isascii() else False


def _boundary(text: str, at: int) -> bool:
    return at <= 0 or at >= len(text) or not (text[at - 1].isalnum() and text[at].isalnum())


def on_word_boundaries(offsets: Offsets, spans: Iterable[tuple[int, int]], reading: Reading) -> int:
    """How many of the ``(start, end)`` spans, read as ``reading``, start and end on a word boundary (not
    between two letters or digits) of the file text. A span outside the text counts as not on one."""
    count = 0
    for start, end in spans:
        a, b = offsets.to_codepoint(start, reading), offsets.to_codepoint(end, reading)
        if a is not None and b is not None and _boundary(offsets.text, a) and _boundary(offsets.text, b):
            count += 1
    return count
