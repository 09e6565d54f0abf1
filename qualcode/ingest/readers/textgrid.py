"""Praat TextGrid reader: one interval tier per speaker, merged into speaker turns in time order.

Both text formats (long, with ``key = value`` lines, and short, values only) hold the same values in the
same order, so the file is read as a stream of numbers, quoted strings and ``<exists>`` flags, skipping
labels and ``[n]`` indices, as Praat itself does. Point tiers (TextTier) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qualcode.ingest.readers.text import decode_bytes
from qualcode.model.errors import CorruptFileError
from qualcode.model.transcript import Block, RawDocument

__all__ = ["read_textgrid"]

_TOKEN = re.compile(
    r'"((?:[^"]|"")*)"'  # a string, with "" for a quote
    r"|(\[[^\]\n]*\])"  # an index such as [1], skipped
    r"|(<exists>|<absent>)"
    r"|(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(![^\n]*)"  # a comment, skipped
    r'|[^"\[<!\-.\d]+|.'  # anything else (labels such as 'xmin =', spaces): skipped in one step, never a
)  # failed match at every character, which made the search slower than the rest of reading
_MARKER = re.compile(
    r"[(\[]?\b(?:ENQ|interviewer|intervieweur|intervieweuse|enquêteur|enquêtrice|enquêteur/enquêtrice"
    r"|enquêteur\.rice|moderator|modérateur|modératrice)\b[)\]]?",
    re.IGNORECASE,
)
_HINT = "Save it from Praat as a text file (Save as text file... or Save as short text file...)."


@dataclass(frozen=True)
class _Interval:
    start: float
    end: float
    text: str
    tier: int


def read_textgrid(path: Path) -> RawDocument:
    """Read a Praat TextGrid: each interval tier is a speaker; non-empty intervals become turns."""
    path = Path(path)
    data = path.read_bytes()
    if data.lstrip().startswith(b"ooBinaryFile"):
        raise CorruptFileError(path, "is a binary Praat file, not a text TextGrid.", _HINT)
    warnings: list[str] = []
    text, encoding = decode_bytes(data, path, warnings)
    tokens = list(_tokens(text))
    if tokens[:2] != ["ooTextFile", "TextGrid"] and tokens[:2] != ["ooTextFile short", "TextGrid"]:
        raise CorruptFileError(
            path,
            "is not a Praat TextGrid (no 'File type = \"ooTextFile\"' / 'Object class = \"TextGrid\"').",
            _HINT,
        )
    try:
        tiers, intervals = _parse(tokens[2:])
    except (StopIteration, TypeError, ValueError) as exc:
        raise CorruptFileError(
            path, "is a damaged TextGrid (a tier or interval is incomplete).", _HINT
        ) from exc
    return RawDocument(blocks=_turns(tiers, intervals), format="textgrid", encoding=encoding, warnings=warnings)


def _tokens(text: str) -> Iterator[str | float]:
    for match in _TOKEN.finditer(text):
        string, _index, flag, number, _comment = match.groups()
        if string is not None:
            yield string.replace('""', '"')
        elif flag is not None:
            yield flag
        elif number is not None:
            yield float(number)


def _parse(tokens: list[str | float]) -> tuple[list[str], list[_Interval]]:
    """Tier names and non-empty intervals of interval tiers, from the values after the header."""
    stream = iter(tokens)
    _number(stream), _number(stream)  # xmin, xmax of the whole grid
    if next(stream) != "<exists>":
        return [], []
    names: list[str] = []
    intervals: list[_Interval] = []
    for _ in range(int(_number(stream))):
        kind, name = str(next(stream)), str(next(stream))
        _number(stream), _number(stream)
        count = int(_number(stream))
        if kind == "IntervalTier":
            names.append(name)
            intervals.extend(_intervals(stream, count, len(names) - 1))
        elif kind == "TextTier":
            for _ in range(count):
                _number(stream), next(stream)
        else:
            raise ValueError(f"unknown tier class {kind!r}")
    return names, intervals


def _number(stream: Iterator[str | float]) -> float:
    value = next(stream)
    if not isinstance(value, float):
        raise ValueError(f"expected a number, found {value!r}")
    return value


def _intervals(stream: Iterator[str | float], count: int, tier: int) -> Iterator[_Interval]:
    for _ in range(count):
        start, end, text = _number(stream), _number(stream), next(stream)
        if not isinstance(text, str):
            raise ValueError(f"expected an interval text, found {text!r}")
        if text.strip():
            yield _Interval(start, end, " ".join(text.split()), tier)


def _turns(tiers: list[str], intervals: list[_Interval]) -> list[Block]:
    """Intervals in time order; consecutive intervals of one tier merge into one turn."""
    groups: list[list[_Interval]] = []
    for interval in sorted(intervals, key=lambda i: (i.start, i.tier)):
        if groups and groups[-1][-1].tier == interval.tier:
            groups[-1].append(interval)
        else:
            groups.append([interval])
    return [_turn(tiers[group[0].tier], group) for group in groups]


def _turn(tier: str, group: list[_Interval]) -> Block:
    speaker, role = _speaker(tier)
    data = {"start": group[0].start, "end": group[-1].end, "tier": tier, "role": role}
    return Block(" ".join(i.text for i in group), kind="turn", speaker=speaker, data=data)


def _speaker(tier: str) -> tuple[str, str]:
    """The speaker's name (tier name without an interviewer marker) and role."""
    if not _MARKER.search(tier):
        return tier.strip(), "participant"
    name = _MARKER.sub("", tier).strip(" \t-_:,;/")
    return (name or tier.strip()), "interviewer"
