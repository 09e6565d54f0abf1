"""A transcript laid out for display: blocks cut into runs at the edges of coded segments and matches.

A transcript becomes a list of blocks (headings, interview-guide questions, paragraphs with their speaker)
whose text is cut into runs at the edges of coded segments, each run into pieces at the edges of the
matches (the evidence). The codes become themes: a CSS key, a name, a colour and its light tint. The HTML
is made from these views in :mod:`qualcode.views.display`, the report and the coding widget.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.model.codebook import Codebook
    from qualcode.model.transcript import Transcript

__all__ = ["Block", "Coded", "DocumentView", "Hit", "Run", "Theme", "coded_spans", "document_view", "themes_for"]

_TINT = 0.24  # share of the code's colour in the light tint behind coded text (the rest is white)


@dataclass(frozen=True)
class Theme:
    """A code as displayed: its CSS key (``c0``, ``c1``...), name, colour and light tint."""

    key: str
    id: str
    label: str
    color: str
    tint: str
    definition: str = ""


@dataclass(frozen=True)
class Coded:
    """A coded segment: offsets, the keys of its codes, and per key what fired (for the margin's hover)."""

    start: int
    end: int
    keys: tuple[str, ...]
    notes: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Hit:
    """One match of one rule (evidence): offsets, the code's key and the hover text."""

    start: int
    end: int
    key: str
    title: str


@dataclass
class Run:
    """Text coded with the same codes: ``pieces`` are (text, keys of the matches there, hover text)."""

    keys: tuple[str, ...]
    pieces: list[tuple[str, tuple[str, ...], str]]

    @property
    def background(self) -> str:
        """The CSS value of ``--bg``: the code's tint, or horizontal bands of each code's tint."""
        if len(self.keys) == 1:
            return f"var(--qc-t-{self.keys[0]})"
        step = 100 / len(self.keys)
        bands = [f"var(--qc-t-{k}) {i * step:.4g}% {(i + 1) * step:.4g}%" for i, k in enumerate(self.keys)]
        return f"linear-gradient({', '.join(bands)})"


@dataclass
class Block:
    """A heading, guide question or paragraph, with its speaker turn and the codes in it."""

    kind: str  # "heading", "question" or "paragraph"
    runs: list[Run]
    level: int = 2
    speaker: str | None = None
    role: str | None = None
    first_in_turn: bool = False
    time: str | None = None
    chips: list[tuple[str, str]] = field(default_factory=list)  # (key, hover text) per code
    start: int = 0  # offsets of the block in the transcript's text
    end: int = 0

    @property
    def keys(self) -> list[str]:
        return [k for k, _ in self.chips]


@dataclass
class DocumentView:
    """A transcript ready to render."""

    id: str
    anchor: str
    language: str | None
    blocks: list[Block]
    counts: dict[str, int] = field(default_factory=dict)  # coded segments per code key
    attributes: dict[str, Any] = field(default_factory=dict)
    words: int = 0
    paragraphs: int = 0
    notes: list[str] = field(default_factory=list)
    body: Any = None  # the transcript's HTML when already rendered (report.Body), else made from blocks


def themes_for(codebook: Codebook, extra: Iterable[str] = (), language: str | None = "en") -> list[Theme]:
    """The codebook's codes, then any other code of ``extra``, with colours (the charts' palette) and tints."""
    from qualcode.views.plots import _fallback

    ids = [*codebook.ids, *(c for c in dict.fromkeys(extra) if c not in codebook)]
    codes = {c.id: c for c in codebook}
    themes = []
    for i, code_id in enumerate(ids):
        code = codes.get(code_id)
        color = _hex(code.color if code and code.color else _fallback(i))
        label = code.label(language) if code else str(code_id)
        definition = code.describe(language) if code else ""
        themes.append(Theme(f"c{i}", str(code_id), label, color, _tint(color), definition))
    return themes


def coded_spans(
    codings: pd.DataFrame | Sequence[Any], evidence: pd.DataFrame | Sequence[Any] | None, themes: Sequence[Theme]
) -> tuple[list[Coded], list[Hit]]:
    """The coded segments and the matches of one document's codings and evidence tables (DataFrames, or
    their rows as named tuples)."""
    by_id = {t.id: t for t in themes}
    hits: list[Hit] = []
    fired: dict[tuple[int, str], list[str]] = {}
    if evidence is not None and len(evidence):
        for row in _rows(evidence):
            theme = by_id[row.code]
            hits.append(
                Hit(
                    int(row.start),
                    int(row.end),
                    theme.key,
                    f"{theme.label}: rule {row.rule} matched “{row.matched}”",
                )
            )
            fired.setdefault((int(row.segment_id), row.code), []).append(f"{row.rule} → “{row.matched}”")
    segments: dict[tuple[int, int], dict[str, str]] = {}
    for row in _rows(codings):
        theme = by_id[row.code]
        found = fired.get((int(getattr(row, "segment_id", -1)), row.code))
        if not found and isinstance(getattr(row, "rule", None), str) and row.rule:
            found = [f"{row.rule} → “{getattr(row, 'matched', '')}”"]
        lines = [theme.label, *(f"• {line}" for line in dict.fromkeys(found or []))]
        segments.setdefault((int(row.start), int(row.end)), {})[theme.key] = "\n".join(lines)
    order = {t.key: i for i, t in enumerate(themes)}
    coded = [
        Coded(start, end, tuple(sorted(notes, key=order.__getitem__)), notes)
        for (start, end), notes in sorted(segments.items())
    ]
    return coded, sorted(hits, key=lambda h: (h.start, h.end))


MAX_HITS_SHOWN = 1_000  # matches underlined per paragraph; beyond (a 50 MB paragraph), the tint alone shows


def _rows(table: pd.DataFrame | Sequence[Any]) -> Iterable[Any]:
    return table.itertuples(index=False) if hasattr(table, "itertuples") else table


def document_view(
    transcript: Transcript, coded: Sequence[Coded], hits: Sequence[Hit], *, anchor: str
) -> DocumentView:
    """Cut ``transcript`` into blocks and runs around its coded segments and matches."""
    text = transcript.text
    turns = sorted(transcript.turns, key=lambda s: s.start)
    turn_starts = [s.start for s in turns]
    headings = {s.start: s for s in transcript.spans if s.kind == "heading"}
    questions = {s.start for s in transcript.sections if s.start not in headings}
    blocks = []
    coded_at, hits_at = _Window(coded), _Window(hits)
    for start, end in _block_ranges(transcript):
        here, found = coded_at.over(start, end), hits_at.over(start, end)[:MAX_HITS_SHOWN]
        block = Block("paragraph", _runs(text, start, end, here, found), start=start, end=end)
        if start in headings:
            block.kind, block.level = "heading", min(max(int(headings[start].data.get("level") or 2), 1), 4)
        elif start in questions:
            block.kind = "question"
        i = bisect_right(turn_starts, start) - 1
        if i >= 0 and start < turns[i].end:
            turn = turns[i]
            block.speaker, block.role = turn.label, turn.data.get("role")
            block.first_in_turn = start == turn.start
            if block.first_in_turn and isinstance(turn.data.get("start"), int | float):
                block.time = _clock(turn.data["start"])
        notes: dict[str, list[str]] = {}
        for c in here:
            for key in c.keys:
                notes.setdefault(key, []).append(c.notes.get(key, ""))
        block.chips = [
            (k, "\n".join(dict.fromkeys(n for n in notes[k] if n))) for k in sorted(notes, key=_rank)
        ]
        blocks.append(block)
    counts: dict[str, int] = {}
    for c in coded:
        for key in c.keys:
            counts[key] = counts.get(key, 0) + 1
    return DocumentView(
        transcript.id,
        anchor,
        transcript.language,
        blocks,
        counts,
        dict(transcript.metadata.get("attributes") or {}),
        len(text.split()),
        len(transcript.paragraphs),
    )


def _block_ranges(transcript: Transcript) -> list[tuple[int, int]]:
    """Paragraphs and headings, plus any text that no paragraph, heading or speaker label covers."""
    ranges = {(s.start, s.end) for s in transcript.spans if s.kind == "paragraph"}
    covered = sorted(ranges | {(s.start, s.end) for s in transcript.spans if s.kind in ("heading", "label")})
    paragraphs = sorted(ranges)
    starts = [a for a, _ in paragraphs]
    reach = list(accumulate((b for _, b in paragraphs), max))  # the furthest paragraph end so far
    for s in transcript.spans:
        before = bisect_left(starts, s.end)  # paragraphs starting before the heading ends
        if s.kind == "heading" and not (before and reach[before - 1] > s.start):  # none of them overlaps it
            ranges.add((s.start, s.end))
    position, text = 0, transcript.text
    for start, end in [*covered, (len(text), len(text))]:
        if start > position and text[position:start].strip():
            gap = text[position:start]
            lead = len(gap) - len(gap.lstrip())
            ranges.add((position + lead, position + len(gap.rstrip())))
        position = max(position, end)
    return sorted(ranges)


class _Window:
    """Spans sorted by start, asked in order for those overlapping [start, end): a sweep, not a scan of
    every span for every paragraph."""

    def __init__(self, spans: Sequence[Any]) -> None:
        self.spans = sorted(spans, key=lambda s: (s.start, s.end))
        self.starts = [s.start for s in self.spans]
        self.reach = list(accumulate((s.end for s in self.spans), max))  # the furthest end so far

    def over(self, start: int, end: int) -> list[Any]:
        first = bisect_right(self.reach, start)  # spans before it all end at or before ``start``
        last = bisect_left(self.starts, end, lo=first)
        return [s for s in self.spans[first:last] if s.end > start]


def _runs(text: str, start: int, end: int, here: Sequence[Coded], found: Sequence[Hit]) -> list[Run]:
    """The text of [start, end) cut where coded segments and matches (those overlapping it) begin and end.

    A sweep over the cuts with the spans open at each one: a paragraph of 50 MB with a million matches
    costs a million steps, not a million squared.
    """
    if not here and not found:
        return [Run((), [(text[start:end], (), "")])]
    opens: dict[int, list[tuple[int, Any]]] = {}
    closes: dict[int, list[tuple[int, Any]]] = {}
    both: tuple[Sequence[Coded | Hit], ...] = (here, found)
    for kind, spans in enumerate(both):
        for span in spans:
            a, b = max(span.start, start), min(span.end, end)
            if a < b:
                opens.setdefault(a, []).append((kind, span))
                closes.setdefault(b, []).append((kind, span))
    cuts = sorted({start, end, *opens, *closes})
    active: tuple[dict[int, Any], dict[int, Any]] = ({}, {})  # by id, in order of opening
    runs: list[Run] = []
    for a, b in pairwise(cuts):
        for kind, span in closes.get(a, ()):
            del active[kind][id(span)]
        for kind, span in opens.get(a, ()):
            active[kind][id(span)] = span
        coded = {k for c in active[0].values() for k in c.keys}
        keys = tuple(sorted(coded, key=_rank) if len(coded) > 1 else coded)
        over = active[1].values()
        piece = (text[a:b], tuple(dict.fromkeys(h.key for h in over)), "\n".join(h.title for h in over))
        if runs and runs[-1].keys == keys:
            runs[-1].pieces.append(piece)
        else:
            runs.append(Run(keys, [piece]))
    return runs


def _rank(key: str) -> int:
    """The position of a code key (``c3`` -> 3): codes are shown in codebook order."""
    return int(key[1:])


def _hex(color: str) -> str:
    """``color`` as ``#rrggbb`` (any matplotlib colour; never raw user text inside a style attribute)."""
    from matplotlib.colors import to_hex

    try:
        return to_hex(color)
    except ValueError:
        return "#8c8c8c"


def _tint(color: str) -> str:
    """A light tint of ``color``: ``_TINT`` of it over white."""
    from matplotlib.colors import to_hex, to_rgb

    red, green, blue = (_TINT * c + (1 - _TINT) for c in to_rgb(color))
    return to_hex((red, green, blue))


def _clock(seconds: float) -> str:
    minutes, second = divmod(int(seconds), 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minute}:{second:02d}"
