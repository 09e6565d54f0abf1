"""Adversarial shapes run in time proportional to their size (issue 17): each bound is generous for a linear
version (which takes about a second here) and missed by far by the quadratic ones these replaced."""

from __future__ import annotations

import time

from qualcode.ingest.segments import segment
from qualcode.model.transcript import Span, Transcript
from qualcode.views.layout import _block_ranges

HEADINGS = 50_000


def _many_sections() -> Transcript:
    """A transcript of 50,000 interview-guide questions, each with one answer paragraph."""
    parts, spans, position = [], [], 0
    for i in range(HEADINGS):
        question, answer = f"Question {i} ?", f"Answer {i}."
        q0, a0 = position, position + len(question) + 1
        end = a0 + len(answer)
        spans += [Span(q0, q0 + len(question), "heading", question), Span(q0, end, "section", question),
                  Span(a0, end, "paragraph")]
        parts.append(f"{question}\n{answer}")
        position = end + 1
    return Transcript("many", "\n".join(parts), sorted(spans, key=lambda s: (s.start, -s.end)), {"language": "en"})


def test_segments_find_their_section_in_one_sweep():
    transcript = _many_sections()
    started = time.perf_counter()
    segments = segment(transcript, "paragraph")
    assert time.perf_counter() - started < 15  # the scan of every section per segment: about 80 s
    assert [s.section for s in segments[:2]] == ["Question 0 ?", "Question 1 ?"]
    assert segments[-1].section == f"Question {HEADINGS - 1} ?"


def test_report_blocks_of_many_headings_in_one_sweep():
    transcript = _many_sections()
    started = time.perf_counter()
    ranges = _block_ranges(transcript)
    assert time.perf_counter() - started < 15  # every paragraph per heading: about five minutes
    assert len(ranges) == 2 * HEADINGS  # each heading is a block of its own, beside its answer


def test_unless_guards_of_one_long_paragraph_are_checked_by_bisection():
    """A paragraph where one code has 40,000 matches and as many ``unless`` spans (a repeated sentence): each
    match looks up the spans before its end once, instead of scanning every span (about 70 s at this size)."""
    from qualcode.coding.assign import _assign
    from qualcode.model.transcript import Segment

    pairs = 40_000
    text = "ab " * (2 * pairs)
    found = []
    for i in range(pairs):
        guarded, free = 6 * i, 6 * i + 3  # every other word is inside an unless span
        found += [("trust:en:unless:0", guarded, guarded + 2), ("trust:en:term:0", guarded, guarded + 2),
                  ("trust:en:term:0", free, free + 2)]
    whole = Segment("doc", 1, "paragraph", 0, len(text), None, None, text, "unknown")
    started = time.perf_counter()
    evidence = _assign(found, [whole], text)[1]
    assert time.perf_counter() - started < 15
    assert [e.start for e in evidence] == [6 * i + 3 for i in range(pairs)]  # only the unguarded words


def test_one_long_paragraph_is_embedded_in_bounded_memory():
    """A 2.4 MB paragraph (400,000 words): embedded whole, WordLlama tokenized it as a single word and held
    two arrays of a vector per token (about 1.2 GB traced); in pieces, a few MB, with the same vector."""
    import tracemalloc

    import pytest

    from qualcode.coding import similarity

    try:
        similarity.require_embeddings()
    except similarity.EmbeddingUnavailable as exc:
        pytest.skip(str(exc))
    text = "les parents n'ont plus confiance, il faut attendre des mois " * 40_000
    tracemalloc.start()
    try:
        started = time.perf_counter()
        vector = similarity.embed([text])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 30
    assert peak < 150 * 2**20, f"{peak / 2**20:.0f} MB traced"
    assert vector.shape == (1, 256) and vector.any()


def test_a_run_of_punctuation_without_a_space_is_tokenized_in_linear_time():
    """100,000 brackets, quotes, emoji and commas in a row, shuffled so that no part repeats: spaCy's tokenizer
    splits each off the rest and searches the rest again (6.5 s for 10,000, so about 11 minutes at this size whole); in parts of
    64 characters, a few seconds. The coder still finds the words around it."""
    import random

    import qualcode as qc

    marks = list(")]}»\"'…,;!?*+#%😀«([{")
    run = "".join(random.Random(17).choice(marks) for _ in range(100_000))
    text = f"Les parents n'ont plus confiance {run} dans l'école."
    transcript = Transcript("run", text, [Span(0, len(text), "paragraph")], {"language": "fr"})
    started = time.perf_counter()
    result = qc.Coder(similarity=False).code([transcript])
    assert time.perf_counter() - started < 60
    assert "trust" in set(result.codings["code"])
