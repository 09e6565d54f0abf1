"""Anchoring hand labels in a transcript without storing its text, so that they survive re-segmentation.

A labelled unit is stored as a span of the document's *canonical text*: every character of the transcript
text, NFKC-normalised and casefolded, keeping only alphanumeric characters (spaces, punctuation, line
breaks and markup drop out). That text does not change when a reader or the structure splits or joins
paragraphs differently, moves a speaker label, or changes whitespace; ``doc_key`` (its hash) is stored with
each label and checked, so a change of the words themselves is caught instead of silently shifting labels.

A segment of any unit (paragraph, sentence, turn) gets the themes of every labelled unit it overlaps by
more than half of the shorter of the two; segments that overlap no labelled unit are not judged.
"""

from __future__ import annotations

import hashlib
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def _canon(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", ch).casefold() if c.isalnum())


@dataclass(frozen=True)
class Projection:
    """The canonical text of a transcript and, for every text offset, the canonical offset before it."""

    canonical: str
    before: Sequence[int]  # before[i] = number of canonical characters in text[:i]; len(text) + 1 values

    @classmethod
    def of(cls, text: str) -> Projection:
        parts, before, count = [], [0], 0
        for ch in text:
            c = _canon(ch)
            parts.append(c)
            count += len(c)
            before.append(count)
        return cls("".join(parts), before)

    @property
    def doc_key(self) -> str:
        return hashlib.sha1(self.canonical.encode("utf-8")).hexdigest()[:16]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The canonical span of text[start:end]."""
        return self.before[start], self.before[end]

    def key(self, cstart: int, cend: int) -> str:
        """The key of a canonical span: the first 16 hex characters of its SHA-1 (as tests/labels/keys.py)."""
        return hashlib.sha1(self.canonical[cstart:cend].encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Anchored:
    """One labelled unit: its canonical span, themes and whatever else its row holds."""

    cstart: int
    cend: int
    themes: frozenset[str]
    row: dict[str, str]


def check(projection: Projection, rows: Iterable[dict[str, str]], source: str) -> None:
    """Raise AssertionError when the document's words changed since the rows were labelled."""
    for row in rows:
        if row["doc_key"] != projection.doc_key:
            raise AssertionError(
                f"{source}: the transcript's words changed since it was labelled (doc_key {row['doc_key']} "
                f"!= {projection.doc_key}); re-anchor the labels before scoring."
            )
        cstart, cend = int(row["cstart"]), int(row["cend"])
        if projection.key(cstart, cend) != row["key"]:
            raise AssertionError(f"{source}: unit {row['unit']} no longer holds the labelled words")


def gold_for(
    segments: Sequence[tuple[int, int]], units: Sequence[Anchored], projection: Projection
) -> list[tuple[frozenset[str], list[Anchored]] | None]:
    """For each segment (text offsets), the themes of the labelled units it overlaps and those units; None
    for a segment that overlaps no labelled unit. Units must be sorted by ``cstart``; linear in both."""
    starts = [u.cstart for u in units]
    out: list[tuple[frozenset[str], list[Anchored]] | None] = []
    for start, end in segments:
        a, b = projection.span(start, end)
        i = max(0, bisect_left(starts, a) - 1)
        hits: list[Anchored] = []
        while i < len(units) and units[i].cstart < b:
            u = units[i]
            overlap = min(b, u.cend) - max(a, u.cstart)
            if overlap > 0 and 2 * overlap > min(b - a, u.cend - u.cstart):
                hits.append(u)
            i += 1
        if hits:
            out.append((frozenset().union(*(u.themes for u in hits)), hits))
        else:
            out.append(None)
    return out
