"""From a reader's RawDocument to a Transcript: layout, paragraphs, speaker turns, sections and quotes.

The blocks are normalised and laid out as lines joined by ``\\n`` (one paragraph a line, at most one blank
line in a row), then spans are found on the lines: paragraphs, speaker turns and their labels, sections
(headings and interview-guide questions) and verbatim quotations.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal, NamedTuple

from qualcode.ingest.language import detect_language, language_code
from qualcode.ingest.normalize import clean_text, describe_repairs, is_hard_wrapped, join_lines
from qualcode.ingest.speakers import (
    PARTICIPANT,
    SpeakerLabel,
    accepted_speakers,
    assign_roles,
    is_sparse,
    parse_label,
    speaker_role,
)
from qualcode.model.transcript import Block, RawDocument, Span, Transcript

__all__ = ["SpeakerLabel", "build_transcript", "find_quotes", "parse_label", "speaker_role", "text_spans"]


QUESTION_LEVEL = 99  # sections from interview-guide questions nest below every heading
MAX_QUESTION_WORDS = 25
MAX_QUOTE_CHARS = 3000

_SPACES = re.compile(r"\s+")
_GUILLEMETS = re.compile(rf"«[^«»]{{0,{MAX_QUOTE_CHARS}}}»")
_CURLY = re.compile(r"“[^“”\n]*”")


@dataclass
class _Line:
    """One line of the laid-out text: a free line (labels and questions are looked for), a heading, a
    turn stated by the reader, or a blank line."""

    text: str
    kind: Literal["free", "heading", "turn", "blank"]
    block: Block | None = None
    label: SpeakerLabel | None = None


def _free_lines(text: str) -> list[_Line]:
    return [_Line(line, "free" if line.strip() else "blank") for line in text.split("\n")]


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.split("\n") if part.strip())


def _text_lines(text: str, wrapped: bool | None) -> list[_Line]:
    if not text:
        return []
    if not (is_hard_wrapped(text) if wrapped is None else wrapped):
        return _free_lines(text)
    lines: list[_Line] = []
    for chunk in re.split(r"\n[ \t]*\n", text):
        if paragraph := join_lines(chunk.split("\n")):
            lines += [_Line("", "blank"), _Line(paragraph, "free")]
    return lines[1:]


def _block_lines(block: Block, text: str, wrapped: bool | None) -> list[_Line]:
    """Lay one normalised block out as lines."""
    if block.kind == "text":
        return _text_lines(text, wrapped)
    speaker = _one_line(clean_text(block.speaker)[0]) if block.speaker else ""
    if block.kind == "turn" and speaker:
        body = _one_line(text)
        label = SpeakerLabel(speaker, 0, len(speaker) + 1, len(speaker) + 2, True)
        return [_Line(f"{speaker}: {body}", "turn", block, label)] if body else []
    if block.kind == "heading":
        heading = _one_line(text)
        return [_Line(heading, "heading", block)] if heading else []
    return _free_lines(text)


def _squeeze(lines: list[_Line]) -> list[_Line]:
    """Drop leading and trailing blank lines and keep at most one blank line in a row."""
    out: list[_Line] = []
    for line in lines:
        if line.kind != "blank" or (out and out[-1].kind != "blank"):
            out.append(line)
    while out and out[-1].kind == "blank":
        out.pop()
    return out


def _layout(raw: RawDocument) -> tuple[list[_Line], Counter[str]]:
    """Normalise every block and lay the document out as lines."""
    lines: list[_Line] = []
    repairs: Counter[str] = Counter()
    for block in raw.blocks:
        text, counts = clean_text(block.text)
        repairs += counts
        lines += _block_lines(block, text, raw.wrapped)
    return _squeeze(lines), repairs


def _find_labels(lines: list[_Line]) -> None:
    """Attach speaker labels to the free lines that have one, keeping only the document's real speakers."""
    found = [(line, label) for line in lines if line.kind == "free" and (label := parse_label(line.text))]
    speakers = accepted_speakers([label for _, label in found])
    for line, label in found:
        if label.speaker in speakers:
            line.label = label


def _is_question(line: str) -> bool:
    stripped = line.strip()
    return stripped.endswith("?") and len(stripped.split()) <= MAX_QUESTION_WORDS


class _Mark(NamedTuple):
    """Where a section starts: ``rank`` is the heading level, or QUESTION_LEVEL for a question line."""

    start: int
    rank: int
    label: str
    level: int | None


@dataclass
class _Turn:
    speaker: str
    data: dict[str, Any]
    start: int | None = None
    end: int | None = None


@dataclass
class _Builder:
    """Collects spans while walking the lines; one speaker turn is open at a time.

    With ``sparse`` labels (:func:`qualcode.ingest.speakers.is_sparse`), a labelled turn holds its own line
    (or, for a label alone on its line, the paragraph that follows), and every later unlabelled paragraph
    goes to the unlabelled party, :data:`~qualcode.ingest.speakers.PARTICIPANT`.
    """

    spans: list[Span] = field(default_factory=list)
    sections: list[_Mark] = field(default_factory=list)
    turn: _Turn | None = None
    sparse: bool = False
    labelled: bool = False  # a label was met: from there on, sparse documents give paragraphs to the participant

    def paragraph(self, start: int, text: str) -> tuple[int, int] | None:
        """Add a paragraph span over ``text`` (found at ``start``) without its surrounding whitespace."""
        stripped = text.strip()
        if not stripped:
            return None
        begin = start + len(text) - len(text.lstrip())
        self.spans.append(Span(begin, begin + len(stripped), "paragraph"))
        return begin, begin + len(stripped)

    def open_turn(self, pos: int, line: _Line, label: SpeakerLabel) -> None:
        self.close_turn()
        data: dict[str, Any] = {}
        if line.block is not None:
            data.update({k: line.block.data[k] for k in ("start", "end") if k in line.block.data})
        elif label.time is not None:
            data["start"] = label.time
        role = line.block.data.get("role") if line.block is not None else None
        data["role"] = role or speaker_role(label.speaker)
        self.spans.append(Span(pos + label.start, pos + label.end, "label", label.speaker, dict(data)))
        self.turn, self.labelled = _Turn(label.speaker, data), True
        self.extend_turn(self.paragraph(pos + label.content, line.text[label.content :]))

    def extend_turn(self, bounds: tuple[int, int] | None) -> None:
        if self.turn is not None and bounds is not None:
            self.turn.start = bounds[0] if self.turn.start is None else self.turn.start
            self.turn.end = bounds[1]

    def close_turn(self) -> None:
        turn, self.turn = self.turn, None
        if turn is not None and turn.start is not None and turn.end is not None:
            self.spans.append(Span(turn.start, turn.end, "turn", turn.speaker, turn.data))

    def heading(self, pos: int, line: _Line) -> None:
        self.close_turn()
        level = line.block.level if line.block is not None and line.block.level else 1
        self.paragraph(pos, line.text)
        self.spans.append(Span(pos, pos + len(line.text), "heading", line.text, {"level": level}))
        self.sections.append(_Mark(pos, level, line.text, level))

    def free(self, pos: int, line: _Line) -> None:
        bounds = self.paragraph(pos, line.text)
        if self.sparse and self.labelled and bounds is not None:
            turn = self.turn
            if turn is None or (not turn.data.get("implicit") and turn.start is not None):
                self.close_turn()
                self.turn = _Turn(PARTICIPANT, {"role": "participant", "implicit": True})
            self.extend_turn(bounds)
        elif self.turn is not None:
            self.extend_turn(bounds)
        elif bounds is not None and _is_question(line.text):
            self.sections.append(_Mark(bounds[0], QUESTION_LEVEL, line.text.strip(), None))


def _text_end(text: str, boundary: int) -> int:
    """The end of the text before ``boundary``, trailing whitespace excluded."""
    while boundary > 0 and text[boundary - 1].isspace():
        boundary -= 1
    return boundary


def _section_spans(text: str, marks: list[_Mark]) -> list[Span]:
    """Sections run from their heading or question to the next one of the same or a higher level."""
    spans: list[Span] = []
    stack: list[_Mark] = []

    def close(boundary: int) -> None:
        mark = stack.pop()
        end = max(mark.start, _text_end(text, boundary))
        spans.append(Span(mark.start, end, "section", mark.label, {"level": mark.level}))

    for mark in marks:
        while stack and stack[-1].rank >= mark.rank:
            close(mark.start)
        stack.append(mark)
    while stack:
        close(len(text))
    return spans


def _straight_quotes(line: str, pos: int) -> list[Span]:
    """Balanced straight double quotes of at least two words within one line."""
    marks = [i for i, ch in enumerate(line) if ch == '"']
    if len(marks) % 2:
        return []
    pairs = zip(marks[::2], marks[1::2], strict=True)
    return [Span(pos + a, pos + b + 1, "quote") for a, b in pairs if len(line[a + 1 : b].split()) >= 2]


def find_quotes(text: str) -> list[Span]:
    """Verbatim quotations, quote marks included: « » (which may run over several lines), “ ” and
    balanced straight double quotes of at least two words within one line. Apostrophes are not quotes.
    """
    spans = [
        Span(m.start(), m.end(), "quote")
        for regex in (_GUILLEMETS, _CURLY)
        for m in regex.finditer(text)
        if m.group()[1:-1].strip()
    ]
    pos = 0
    for line in text.split("\n"):
        if '"' in line:
            spans += _straight_quotes(line, pos)
        pos += len(line) + 1
    return spans


def _spans(text: str, lines: list[_Line]) -> list[Span]:
    free = [line for line in lines if line.kind in ("free", "turn")]
    sparse = is_sparse([line.label.speaker if line.label else None for line in free]) and all(
        line.kind == "free" for line in free
    )
    builder = _Builder(sparse=sparse)
    pos = 0
    for line in lines:
        if line.kind == "heading":
            builder.heading(pos, line)
        elif line.label is not None:
            builder.open_turn(pos, line, line.label)
            if line.kind == "turn":
                builder.close_turn()
        elif line.kind == "free":
            builder.free(pos, line)
        pos += len(line.text) + 1
    builder.close_turn()
    spans = assign_roles(builder.spans) + _section_spans(text, builder.sections) + find_quotes(text)
    return sorted(spans, key=lambda s: (s.start, -s.end, s.kind))


def text_spans(text: str) -> list[Span]:
    """The structure spans of a text kept exactly as it is (each line a paragraph; speaker labels, sections
    and quotes found as usual): for imported text whose positions must not move (REFI-QDA)."""
    lines = _free_lines(text)
    _find_labels(lines)
    return _spans(text, lines)


def build_transcript(
    raw: RawDocument, doc_id: str, *, source: str | None = None, language: str | None = None
) -> Transcript:
    """Normalise a reader's blocks into one text and find its structure.

    Parameters
    ----------
    raw : what a reader returned.
    doc_id : the transcript's id.
    source : the file it came from.
    language : ``"fr"``, ``"en"``...; detected from the text when not given (nor in the front matter).

    Returns
    -------
    The Transcript, with paragraph, turn, label, section, heading and quote spans.
    """
    lines, repairs = _layout(raw)
    _find_labels(lines)
    text = "\n".join(line.text for line in lines)
    front_matter = dict(raw.metadata.get("front_matter") or {})
    warnings = [*raw.warnings, *describe_repairs(repairs, file=PurePath(source).name if source else None)]
    if language is None:
        language, warning = _front_matter_language(front_matter)
        warnings += [warning] if warning else []
    language = language or detect_language(text)
    metadata = {
        **raw.metadata,
        "source": source,
        "format": raw.format,
        "encoding": raw.encoding,
        "language": language,
        "front_matter": front_matter,
        "warnings": warnings,
    }
    return Transcript(doc_id, text, _spans(text, lines), metadata)


def _front_matter_language(front_matter: dict[str, Any]) -> tuple[str | None, str | None]:
    """The language the front matter gives (``lang: fr-FR``, ``language: French``), normalised, and a warning
    when it gives one that names no known language (the language is then detected from the text)."""
    given = front_matter.get("language", front_matter.get("lang"))
    if given is None:
        return None, None
    code = language_code(given)
    if code is None:
        return None, (f"the front matter's language {str(given)[:40]!r} names no language qualcode knows "
                      "(use a code such as fr or en-GB); the language was detected from the text instead.")
    return code, None
