"""Memory that must not grow with a transcript's or a run's size: what one process holds while coding."""

from __future__ import annotations

import random
import tracemalloc

import pytest

import qualcode as qc
from qualcode.coding import coder as coder_module
from qualcode.ingest.structure import build_transcript
from qualcode.model.transcript import Block, RawDocument

WORDS = ["parents", "école", "confiance", "attendre", "temps", "équipe", "départ", "famille", "réunion", "enseignant", "directeur", "quartier", "semaine", "toujours", "jamais", "vraiment"]


def long_turns(paragraphs: int, words: int) -> qc.Transcript:
    """Paragraphs of ``words`` words, each with a default-codebook term, so every one is embedded."""
    rng = random.Random(7)
    blocks = [Block(" ".join(rng.choice(WORDS) for _ in range(words)) + " on n'a pas confiance.")
              for _ in range(paragraphs)]
    return build_transcript(RawDocument(blocks, "txt"), "long", language="fr")


def test_embedding_long_segments_holds_a_bounded_array():
    # The embedder pads each batch of 64 texts to the longest: one call over 80 paragraphs of 1,500
    # words held about 200 MB of token vectors at once; parts of bounded size hold a few MB.
    pytest.importorskip("wordllama")
    coder = qc.Coder(qc.default_codebook())
    transcript = long_turns(80, 1_500)
    coder.code_transcript(transcript, remember=False)  # models loaded, matchers compiled: not counted
    tracemalloc.start()
    try:
        coded = coder.code_transcript(transcript, remember=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert coded.scores, "the paragraphs were coded and scored"
    assert peak < 60 * 2**20, f"coding held {peak / 2**20:.0f} MB at its peak"


def test_embedding_in_parts_gives_the_same_scores(monkeypatch):
    pytest.importorskip("wordllama")
    transcript = long_turns(30, 400)
    parts = qc.Coder(qc.default_codebook()).code_transcript(transcript, remember=False).scores
    monkeypatch.setattr(coder_module, "_EMBED_CHARS", 10**12)
    whole = qc.Coder(qc.default_codebook()).code_transcript(transcript, remember=False).scores
    assert parts.keys() == whole.keys()
    assert all(abs(parts[k] - whole[k]) < 1e-6 for k in whole)


@pytest.mark.parametrize("lengths, budget, runs", [
    ([], 10, []),
    ([3, 3, 3], 10, [[0, 1, 2]]),
    ([3, 3, 3, 3], 10, [[0, 1, 2], [3]]),
    ([1, 20, 1], 10, [[0], [1], [2]]),  # a text longer than the budget is a run of its own
    ([5, 1, 1, 1], 10, [[0, 1], [2, 3]]),
])
def test_runs_of_texts_stay_within_the_budget(lengths, budget, runs):
    assert coder_module._by_size(["x" * n for n in lengths], budget) == runs
