"""Splitting a transcript into coding units: paragraphs, sentences or speaker turns."""

from __future__ import annotations

import heapq
from bisect import bisect_right
from typing import Any

from qualcode.model.transcript import UNITS, Segment, Span, Transcript

__all__ = ["segment"]


def segment(transcript: Transcript, unit: str = "paragraph", *, nlp: Any = None) -> list[Segment]:
    """Split ``transcript`` into segments of one unit.

    Parameters
    ----------
    unit : ``"paragraph"`` (default), ``"sentence"`` (sentences within each paragraph, found by spaCy) or
        ``"turn"`` (speaker turns; paragraphs outside any turn are units of their own).
    nlp : the spaCy pipeline used for sentences; by default qualcode's fast pipeline for the transcript's
        language.

    Every segment knows its speaker and the speaker's role (from the turn around it) and section (the innermost section around
    it), and ``transcript.text[segment.start:segment.end] == segment.text``.
    """
    if unit not in UNITS:
        raise ValueError(f"The 'unit' parameter must be one of {', '.join(UNITS)}. Got {unit!r} instead.")
    if unit == "paragraph":
        spans = [(p.start, p.end) for p in transcript.paragraphs]
    elif unit == "turn":
        spans = _turn_units(transcript)
    else:
        spans = _sentences(transcript, nlp)
    locate = _Locator(transcript)
    out = []
    for i, (start, end) in enumerate(spans, start=1):
        turn = locate.turn(start)
        out.append(Segment(
            document=transcript.id,
            segment_id=i,
            unit=unit,
            start=start,
            end=end,
            speaker=turn.label if turn is not None else None,
            section=locate.section(start),
            text=transcript.text[start:end],
            speaker_role=(turn.data.get("role") or "unknown") if turn is not None else "unknown",
        ))
    return out


def _turn_units(transcript: Transcript) -> list[tuple[int, int]]:
    turns = [(t.start, t.end) for t in transcript.turns]
    starts = [s for s, _ in turns]
    units = list(turns)
    for p in transcript.paragraphs:
        i = bisect_right(starts, p.start) - 1
        if i < 0 or p.start >= turns[i][1]:
            units.append((p.start, p.end))
    return sorted(units)


def _sentences(transcript: Transcript, nlp: Any) -> list[tuple[int, int]]:
    if nlp is None:
        from qualcode.ingest.nlp import get_pipeline

        nlp = get_pipeline(transcript.language or "en")
    paragraphs = transcript.paragraphs
    out: list[tuple[int, int]] = []
    texts = (transcript.text[p.start : p.end] for p in paragraphs)
    for p, doc in zip(paragraphs, nlp.pipe(texts), strict=True):
        for sent in doc.sents:
            text = sent.text
            lead = len(text) - len(text.lstrip())
            trail = len(text.rstrip())
            if trail > lead:
                out.append((p.start + sent.start_char + lead, p.start + sent.start_char + trail))
    return out


class _Locator:
    """Finds the speaker and the innermost section at offsets asked in increasing order: a sweep.

    The innermost section at an offset is the one that holds it and comes last in (start, -end) order. Sections
    are pushed on a heap as the offsets pass their start, and dropped once an offset passes their end, so the
    sections are each handled once, not scanned for every segment (8,000 question lines took 2 s).
    """

    _open: list[int]  # a heap of negated indices into _sections

    def __init__(self, transcript: Transcript) -> None:
        self._turns: list[Span] = transcript.turns
        self._turn_starts = [t.start for t in self._turns]
        self._sections: list[Span] = sorted(transcript.sections, key=lambda s: (s.start, -s.end))
        self._next, self._open, self._last = 0, [], -1

    def turn(self, offset: int) -> Span | None:
        i = bisect_right(self._turn_starts, offset) - 1
        if i >= 0 and offset < self._turns[i].end:
            return self._turns[i]
        return None

    def section(self, offset: int) -> str | None:
        if offset < self._last:  # asked out of order: start the sweep again
            self._next, self._open = 0, []
        self._last = offset
        sections, open_ = self._sections, self._open
        while self._next < len(sections) and sections[self._next].start <= offset:
            heapq.heappush(open_, -self._next)  # the latest in sort order on top
            self._next += 1
        while open_ and sections[-open_[0]].end <= offset:
            heapq.heappop(open_)  # ended before this offset: ended for every later one too
        return sections[-open_[0]].label if open_ else None
