"""Corpora of a given size for benchmarks: transcripts repeated under new ids until enough words."""

from __future__ import annotations

import qualcode as qc


def replicate(base: list[qc.Transcript], words: int) -> list[qc.Transcript]:
    """Copies of ``base`` (ids suffixed ``#n``) until they hold at least ``words`` words."""
    if not base:
        raise ValueError("No transcripts to replicate: check the input folder.")
    out, total, copy = [], 0, 0
    while total < words:
        for t in base:
            out.append(qc.Transcript(f"{t.id}#{copy}", t.text, t.spans, dict(t.metadata)))
            total += len(t.text.split())
        copy += 1
    return out
