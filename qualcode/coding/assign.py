"""Matches assigned to the segments they fall in, with the codebook's guards and speakers applied.

The segments coded are all, or those of participants (:func:`_chosen`); in each, :func:`_assign` keeps the
evidence of each code once (no duplicate, no match nested in another of the same code), after an
``exclude``, ``unless``, ``context`` or ``speakers`` rule has had its say.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate

from qualcode.coding.matchers import _rule
from qualcode.model.results import Evidence
from qualcode.model.transcript import Segment

__all__ = ["SPEAKERS"]

SPEAKERS = ("participant", "all")


def _chosen(segments: list[Segment], speakers: str) -> list[Segment]:
    """The segments to code: all, or (``"participant"``) all but those of interviewer turns."""
    if speakers not in SPEAKERS:
        raise ValueError(f"The 'speakers' parameter of Coder must be one of {', '.join(SPEAKERS)}. "
                         f"Got {speakers!r} instead.")
    return segments if speakers == "all" else [s for s in segments if s.speaker_role != "interviewer"]


_GUARDS = frozenset(("exclude", "unless", "with"))  # kinds whose matches are never evidence themselves


def _assign(
    found: list[tuple[str, int, int]], segments: list[Segment], text: str,
    speakers: dict[str, frozenset[str]] | None = None, blocked: dict[int, set[str]] | None = None,
) -> dict[int, list[Evidence]]:
    """Group matches by segment, applying the guards and dropping duplicates and nested matches.

    In a segment: an ``exclude`` match cancels its code; an ``unless`` match cancels the matches of its code
    that it overlaps; a ``context`` match counts only beside a ``with`` match of the same rule; a code with
    ``speakers`` (per code, the roles allowed) is kept only in segments of those roles. ``blocked``, when
    given, receives per segment index the codes a guard cancelled or narrowed there.
    """
    starts = [s.start for s in segments]
    ends = [s.end for s in segments]
    per_segment: dict[int, set[tuple[int, int, str]]] = {}
    for rule_id, start, end in found:
        i = bisect_right(starts, start) - 1
        if i >= 0 and end <= ends[i]:
            per_segment.setdefault(i, set()).add((start, -end, rule_id))
    out: dict[int, list[Evidence]] = {}
    rule = _rule
    for i in sorted(per_segment):
        matches = sorted(per_segment[i])  # by start, longest first, then rule id
        infos = [rule(r) for _, _, r in matches]
        cancelled = {code for code, kind, _ in infos if kind == "exclude"}
        if speakers:
            role = getattr(segments[i], "speaker_role", None) or "unknown"
            cancelled |= {code for code, allowed in speakers.items() if role not in allowed}
        unless: dict[str, list[tuple[int, int]]] = {}
        contexts: set[tuple[str, str]] = set()
        for (start, neg_end, _), (code, kind, context) in zip(matches, infos, strict=True):
            if kind == "unless":
                unless.setdefault(code, []).append((start, -neg_end))
            elif kind == "with":
                contexts.add((code, context))
        if blocked is not None and (cancelled or unless):
            blocked[i] = cancelled | set(unless)
        # per code, the unless spans' starts (sorted: matches come by start) and the running maximum of their
        # ends, so that "does a span overlap this match" is one bisection, not a scan of every span
        unless_reach = {code: (
            [a for a, _ in spans], list(accumulate((b for _, b in spans), max)),
        ) for code, spans in unless.items()}
        kept: list[Evidence] = []
        reach: dict[str, int] = {}  # per code, the furthest end kept so far: matches come sorted by start
        for (start, neg_end, rule_id), (code, kind, context) in zip(matches, infos, strict=True):
            end = -neg_end
            if kind in _GUARDS or code in cancelled or end <= reach.get(code, -1):
                continue
            if kind == "context" and (code, context) not in contexts:
                continue
            if code in unless_reach:
                starts_, reach_ = unless_reach[code]
                before = bisect_left(starts_, end)  # the spans starting before this match ends
                if before and reach_[before - 1] > start:
                    continue
            reach[code] = end
            kept.append(Evidence(code, start, end, rule_id, text[start:end]))
        if kept:
            out[segments[i].segment_id] = kept
    return out
