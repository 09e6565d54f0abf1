"""Following human codings when a document's text changes.

A coding is a span (``start``, ``end``) and the text it covered. When the document's text is edited
(a transcription fixed, a name anonymised, a passage added), each coding is placed again in the new text:

1. the same text at the same offsets: **kept**;
2. the same text elsewhere: **moved** to the occurrence nearest the old position, where "old position" is
   the old start offset carried through a word-level alignment of the old and new texts (so text inserted
   before the coding does not make an earlier occurrence look nearer);
3. else the aligned stretch of the new text, if similar enough (``difflib.SequenceMatcher.ratio`` at least
   ``threshold``, 0.8 by default): **fuzzy**, with its score;
4. else **unplaced**: the caller keeps the coding with its old offsets and text, and reports it.

Only the standard library is used (``difflib``): no extra dependency for a step that runs on edited
documents only.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import NamedTuple

__all__ = ["FUZZY_THRESHOLD", "Placement", "relocate"]

FUZZY_THRESHOLD = 0.8
_TOKEN = re.compile(r"\w+|\S")


class Placement(NamedTuple):
    """Where a span lands in the new text. ``status`` is ``kept``, ``moved``, ``fuzzy`` or ``unplaced``
    (then ``start``, ``end`` and ``text`` are the old ones); ``score`` is the similarity of fuzzy ones."""

    status: str
    start: int
    end: int
    text: str
    score: float | None = None


class _Alignment:
    """A word-level alignment of two texts, mapping offsets of the old one into the new one."""

    def __init__(self, old: str, new: str) -> None:
        old_tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(old)]
        new_tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(new)]
        self.old_starts = [s for s, _ in old_tokens]
        self.old_ends = [e for _, e in old_tokens]
        self.new_starts = [s for s, _ in new_tokens]
        self.new_ends = [e for _, e in new_tokens]
        self.new_length = len(new)
        matcher = SequenceMatcher(None, [old[s:e] for s, e in old_tokens], [new[s:e] for s, e in new_tokens])
        self.ops = [op for op in matcher.get_opcodes() if op[0] != "insert"]
        self.op_starts = [op[1] for op in self.ops]

    def _op(self, i: int) -> tuple[str, int, int, int, int]:
        return self.ops[bisect_right(self.op_starts, i) - 1]

    def start(self, offset: int) -> int:
        """The new offset of an old start offset (snapped to the start of a token when it was rewritten)."""
        i = bisect_right(self.old_ends, offset)  # the first token ending after the offset
        if i == len(self.old_ends):
            return self.new_length
        tag, i1, _, j1, _ = self._op(i)
        if tag == "equal":
            j = j1 + i - i1
            return self.new_starts[j] + max(0, offset - self.old_starts[i])
        return self.new_starts[j1] if j1 < len(self.new_starts) else self.new_length

    def end(self, offset: int) -> int:
        """The new offset of an old end offset (snapped to the end of a token when it was rewritten)."""
        i = bisect_left(self.old_starts, offset) - 1  # the last token starting before the offset
        if i < 0:
            return 0
        tag, i1, _, j1, j2 = self._op(i)
        if tag == "equal":
            j = j1 + i - i1
            return self.new_ends[j] - max(0, self.old_ends[i] - offset)
        if j2 > j1:
            return self.new_ends[j2 - 1]
        return self.new_ends[j1 - 1] if j1 > 0 else 0


def relocate(
    old: str, new: str, spans: Iterable[tuple[int, int, str, bool]], *, threshold: float = FUZZY_THRESHOLD
) -> list[Placement]:
    """Place spans of ``old`` in ``new``.

    Parameters
    ----------
    old, new : the document's text before and after the edit.
    spans : ``(start, end, text, placed)``; ``placed`` is False for a span already unplaced by an earlier
        edit, whose offsets refer to an older text: it is only looked for exactly.
    threshold : the lowest ``SequenceMatcher.ratio`` accepted for a fuzzy placement.

    Returns
    -------
    One :class:`Placement` per span, in order; every placed one satisfies ``new[start:end] == text``.
    """
    alignment: _Alignment | None = None
    out = []
    for start, end, text, placed in spans:
        if new[start:end] == text:
            out.append(Placement("kept", start, end, text))
            continue
        if placed and alignment is None:
            alignment = _Alignment(old, new)
        hint = alignment.start(start) if placed and alignment else start
        found = _nearest(new, text, hint)
        if found is not None:
            out.append(Placement("moved", found, found + len(text), text))
        elif placed and alignment:
            out.append(_fuzzy(new, start, end, text, alignment, threshold))
        else:
            out.append(Placement("unplaced", start, end, text))
    return out


def _nearest(text: str, needle: str, hint: int) -> int | None:
    """The start of the occurrence of ``needle`` in ``text`` nearest ``hint`` (the earlier one on a tie)."""
    best: int | None = None
    pos = text.find(needle)
    while pos != -1:
        if best is None or abs(pos - hint) < abs(best - hint):
            best = pos
        pos = text.find(needle, pos + 1)
    return best


def _fuzzy(new: str, start: int, end: int, text: str, alignment: _Alignment, threshold: float) -> Placement:
    a, b = alignment.start(start), alignment.end(end)
    candidate = new[a:b] if b > a else ""
    stripped = candidate.strip()
    if stripped:
        a += len(candidate) - len(candidate.lstrip())
        b = a + len(stripped)
        score = round(SequenceMatcher(None, text, stripped, autojunk=False).ratio(), 3)
        if score >= threshold:
            return Placement("fuzzy", a, b, stripped, score)
    return Placement("unplaced", start, end, text)
