"""The transcript model: what readers produce, and what every later stage reads.

Data flows one way::

    file --reader--> RawDocument (blocks) --structure.build_transcript--> Transcript (text + spans)
    Transcript --segments()--> Segment units that the coder codes

All offsets are 0-based indices of Unicode code points into ``Transcript.text``, end exclusive, so that
``transcript.text[span.start:span.end]`` is always exactly the span's text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

__all__ = ["Block", "RawDocument", "Segment", "Span", "Transcript"]

BlockKind = Literal["text", "paragraph", "heading", "turn"]
UNITS = ("paragraph", "sentence", "turn")


@dataclass(frozen=True)
class Block:
    """A piece of a document as a reader sees it, before normalisation.

    ``kind`` says how much structure the reader already knows:

    - ``"text"``: free text of any length (a whole .txt file); paragraphs, speaker labels and question
      lines are detected from it.
    - ``"paragraph"``: exactly one paragraph (a Word paragraph, a table row); speaker labels at its start
      and question lines are still detected.
    - ``"heading"``: a heading (Markdown ``#``, Word "Heading N"), with its ``level`` (1 = top).
    - ``"turn"``: one speaker turn whose ``speaker`` the format states (subtitles, Praat tiers); ``data``
      holds timing such as ``{"start": 12.5, "end": 15.0}`` in seconds.
    """

    text: str
    kind: BlockKind = "text"
    level: int | None = None
    speaker: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class RawDocument:
    """What a reader returns: the file's content as blocks, plus what it learnt about the file.

    ``wrapped`` is True for hard-wrapped text (PDF extractions, e-mails): paragraphs are then
    blank-line-separated blocks whose lines are re-joined. None lets the structure step decide.
    """

    blocks: list[Block]
    format: str
    encoding: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    wrapped: bool | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Span:
    """A stretch of a transcript's text.

    ``kind`` is one of ``"paragraph"``, ``"turn"`` (a speaker's turn, without its label), ``"label"`` (the
    speaker label itself, such as ``"I:"``), ``"section"`` (from a heading or an interview-guide question to
    the next one), ``"heading"`` (the heading line itself) or ``"quote"`` (a verbatim quotation).
    ``label`` is the speaker's name for turns and labels, the heading text for sections and headings.
    ``data`` holds the rest: ``role`` (``"interviewer"``/``"participant"``/``"unknown"``) for turns and
    labels (and ``implicit`` for the turns of a document's unlabelled party), ``level`` for sections
    and headings, timestamps from subtitles.
    """

    start: int
    end: int
    kind: str
    label: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


class Segment(NamedTuple):
    """One unit of coding: a paragraph, a sentence or a speaker turn of one document.

    ``segment_id`` counts from 1 within the document and unit. ``text`` is ``transcript.text[start:end]``.
    ``speaker_role`` is the role of the turn around it: ``"interviewer"``, ``"participant"``, or
    ``"unknown"`` (no turn, or a document without an interviewer).

    A named tuple: made in a fraction of a frozen dataclass's time (a 1M-word archive has 51,000), which
    pays for keeping them for the next coding in one process (:func:`qualcode.coding.memory.segments`).
    """

    document: str
    segment_id: int
    unit: str
    start: int
    end: int
    speaker: str | None
    section: str | None
    text: str
    speaker_role: str = "unknown"


@dataclass
class Transcript:
    """A loaded transcript: normalised text, metadata and structure spans.

    Parameters
    ----------
    id : the file's path relative to the folder it was loaded from, without suffix (``site1/interview03``).
    text : the normalised text (NFC, ``\\n`` line endings, no trailing spaces, no conversion artefacts).
    spans : structure spans, sorted by start offset.
    metadata : ``source``, ``format``, ``encoding``, ``language``, ``front_matter``, ``attributes``,
        ``warnings`` and whatever else the reader found.
    """

    id: str
    text: str
    spans: list[Span]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def language(self) -> str | None:
        return self.metadata.get("language")

    @property
    def attributes(self) -> dict[str, Any]:
        return self.metadata.setdefault("attributes", {})

    @property
    def words(self) -> int:
        """The number of words of the text (``len(text.split())``), counted once for the same text."""
        counted = self.__dict__.get("_words")
        if counted is None or counted[0] is not self.text:  # a string is immutable: the same one, the same count
            counted = self.__dict__["_words"] = (self.text, len(self.text.split()))
        return counted[1]

    def spans_of(self, kind: str) -> list[Span]:
        """The spans of one kind, in text order."""
        return [s for s in self.spans if s.kind == kind]

    @property
    def paragraphs(self) -> list[Span]:
        return self.spans_of("paragraph")

    @property
    def turns(self) -> list[Span]:
        return self.spans_of("turn")

    @property
    def sections(self) -> list[Span]:
        return self.spans_of("section")

    @property
    def quotes(self) -> list[Span]:
        return self.spans_of("quote")

    @property
    def speakers(self) -> list[str]:
        """Distinct speakers in order of first appearance."""
        return list(dict.fromkeys(s.label for s in self.turns if s.label))

    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def segments(self, unit: str = "paragraph", *, nlp: Any = None) -> list[Segment]:
        """Split the transcript into coding units; see :func:`qualcode.ingest.segments.segment`."""
        from qualcode.ingest.segments import segment

        return segment(self, unit, nlp=nlp)

    def _repr_html_(self) -> str:
        from qualcode.views.display import transcript_html

        return transcript_html(self)

    def __repr__(self) -> str:
        return (
            f"Transcript(id={self.id!r}, chars={len(self.text)}, paragraphs={len(self.paragraphs)}, "
            f"turns={len(self.turns)}, language={self.language!r})"
        )
