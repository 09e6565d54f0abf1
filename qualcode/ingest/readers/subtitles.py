"""WebVTT (.vtt) and SubRip (.srt) readers: captions from Zoom, Teams, Otter and the like.

Hand-parsed (both formats are simple): cues are blank-line-separated blocks with an optional id, a
``start --> end`` timing line and text lines. A cue's speaker comes from a WebVTT voice tag
(``<v Name>``, ``<v.loud Name>``; Teams) or a leading ``Name:`` (Zoom, Otter). Consecutive cues of one
speaker merge into one turn; without any speaker, cues merge into paragraphs that end with a sentence.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qualcode.ingest.readers.text import decode_bytes
from qualcode.model.errors import CorruptFileError
from qualcode.model.transcript import Block, RawDocument

__all__ = ["read_srt", "read_vtt"]

_TIMESTAMP = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}(?:\s+.*)?$")
_SKIPPED_BLOCKS = re.compile(r"^(?:NOTE|STYLE|REGION|WEBVTT)(?:[ \t]|$)")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+([^>]+)>")
_TAG = re.compile(r"</?[A-Za-z][^>]*>|<\d[\d:.]*>|</[^>]*>|\{\\[^}]*\}")
_NAME_WORD = r"(?:[A-ZÀ-ÖØ-Þ0-9][\w'’.-]*|de|du|des|da|di|do|dos|van|von|der|den|le|la|el|al|bin|ben|ibn)"
_LABEL = re.compile(rf"^([A-ZÀ-ÖØ-Þ][\w'’.-]*(?:[ \t]+{_NAME_WORD}){{0,3}})[ \t]*:[ \t]+(?=\S)")
_SENTENCE_END = re.compile(r"[.?!…][\"'”’»)\]]*$")


@dataclass(slots=True)  # a long recording has a million cues
class _Cue:
    start: float
    end: float
    text: str
    speaker: str | None


def read_vtt(path: Path) -> RawDocument:
    """Read a WebVTT caption file into speaker turns (or paragraphs when no cue names a speaker)."""
    return _read(Path(path), "vtt")


def read_srt(path: Path) -> RawDocument:
    """Read a SubRip caption file into speaker turns (or paragraphs when no cue names a speaker)."""
    return _read(Path(path), "srt")


def _read(path: Path, fmt: str) -> RawDocument:
    warnings: list[str] = []
    text, encoding = decode_bytes(path.read_bytes(), path, warnings)
    cues = list(_cues(text, path, fmt))
    blocks = _merge_turns(cues) if any(cue.speaker for cue in cues) else list(_merge_paragraphs(cues))
    return RawDocument(blocks=blocks, format=fmt, encoding=encoding, warnings=warnings)


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Blank-line-separated blocks of lines, with the 1-based number of their first line."""
    lines: list[str] = []
    first = 0
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):  # one line at a time, not a list of all
        if line.strip():
            if not lines:
                first = number
            lines.append(line.rstrip())
        elif lines:
            yield first, lines
            lines = []
    if lines:
        yield first, lines


def _cues(text: str, path: Path, fmt: str) -> Iterator[_Cue]:
    previous: _Cue | None = None
    for first, lines in _blocks(text):
        if fmt == "vtt" and _SKIPPED_BLOCKS.match(lines[0]):
            continue
        timing = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing is None:
            if previous is None:
                raise CorruptFileError(
                    path,
                    f"line {first}: expected a cue timing line 'start --> end', found {lines[0]!r}.",
                    _hint(fmt),
                )
            previous.text += " " + _clean(" ".join(lines))  # text run over a blank line: same cue
            continue
        start, end = _timing(lines[timing], first + timing, path, fmt)
        for speaker, said in _voices("\n".join(lines[timing + 1 :])):
            if said:
                previous = _Cue(start, end, said, speaker)
                yield previous


def _hint(fmt: str) -> str:
    example = "00:01:02.500 --> 00:01:04.000" if fmt == "vtt" else "00:01:02,500 --> 00:01:04,000"
    return f"Each cue needs a timing line such as '{example}'; fix the line or export the captions again."


def _timing(line: str, number: int, path: Path, fmt: str) -> tuple[float, float]:
    match = _TIMING.match(line)
    if not match:
        raise CorruptFileError(path, f"line {number}: malformed cue timing {line.strip()!r}.", _hint(fmt))
    groups = match.groups()
    return _seconds(groups[:4]), _seconds(groups[4:])


def _seconds(parts: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, fraction = parts
    value = int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0)
    return round(value + (int(fraction.ljust(3, "0")) / 1000 if fraction else 0.0), 3)


def _voices(text: str) -> Iterator[tuple[str | None, str]]:
    """(speaker, text) parts of a cue: one per ``<v Name>`` tag, or a leading ``Name:`` label."""
    matches = list(_VOICE.finditer(text))
    if not matches:
        cleaned = _clean(text)
        label = _LABEL.match(cleaned)
        if label:
            yield label.group(1).strip(), cleaned[label.end() :].strip()
        else:
            yield None, cleaned
        return
    before = _clean(text[: matches[0].start()])
    if before:
        yield None, before
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(text)
        yield _clean(match.group(1)), _clean(text[match.end() : end])


def _clean(text: str) -> str:
    """Cue text without tags, entities or line breaks."""
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _merge_turns(cues: list[_Cue]) -> list[Block]:
    """Consecutive cues of one speaker as one turn; cues without a speaker continue the current turn."""
    groups: list[tuple[str | None, list[_Cue]]] = []
    for cue in cues:
        speaker = cue.speaker or (groups[-1][0] if groups else None)
        if groups and groups[-1][0] == speaker:
            groups[-1][1].append(cue)
        else:
            groups.append((speaker, [cue]))
    blocks: list[Block] = []
    for speaker, group in groups:
        if speaker is None:
            blocks.extend(_merge_paragraphs(group))
        else:
            blocks.append(Block(_join(group), kind="turn", speaker=speaker, data=_data(group)))
    return blocks


def _merge_paragraphs(cues: list[_Cue]) -> Iterator[Block]:
    """Cues without speakers, merged until one ends a sentence."""
    group: list[_Cue] = []
    for cue in cues:
        group.append(cue)
        if _SENTENCE_END.search(cue.text):
            yield Block(_join(group), kind="paragraph", data=_data(group))
            group = []
    if group:
        yield Block(_join(group), kind="paragraph", data=_data(group))


def _join(cues: list[_Cue]) -> str:
    return " ".join(cue.text for cue in cues)


def _data(cues: list[_Cue]) -> dict[str, float | int]:
    return {"start": cues[0].start, "end": cues[-1].end, "cues": len(cues)}
