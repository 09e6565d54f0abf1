"""The semantic evidence layer: similarity to definitions and examples, scores, and its model file."""

from __future__ import annotations

import builtins
import json

import pytest

import qualcode as qc
from qualcode.coding import similarity
from qualcode.ingest.structure import build_transcript
from qualcode.model.codebook import Code, Codebook, Rules
from qualcode.model.transcript import Block, RawDocument


def test_the_semantic_layer_scores_every_coding_and_can_be_switched_off():
    raw = RawDocument([Block("Les changements d'interlocuteur sont fréquents."), Block("Rien à signaler.")], "txt")
    transcript = build_transcript(raw, "doc", language="fr")
    on = qc.Coder().code([transcript]).codings
    off = qc.Coder(similarity=False).code([transcript]).codings
    assert on["score"].between(0.5, 1).all() and off["score"].isna().all()
    assert on.drop(columns="score").equals(off.drop(columns="score"))  # the shipped thresholds keep every rule hit


def test_similarity_alone_codes_a_segment_with_its_nearest_example_as_the_rule():
    book = Codebook("mine", [Code("turnover", examples=("Les enseignants partent tous à la fin de l'année.",),
                                  rules={"fr": Rules(terms=("rotation",))})])
    raw = RawDocument([Block("Les enseignants partent tous à la fin de l'année."), Block("Il fait beau.")], "txt")
    result = qc.Coder(book).code([build_transcript(raw, "doc", language="fr")])
    assert result.codings["rule"].tolist() == ["turnover:fr:similar:ex1"]  # identical to the example: 1.0
    assert similarity.evidence_model(book) is similarity.FIXED_MODEL



def test_the_shipped_model_is_plain_numbers_over_the_documented_features():
    data = json.loads(similarity.DEFAULT_MODEL.read_text(encoding="utf-8"))
    assert data["features"] == list(similarity.FEATURES) and len(data["coef"]) == len(similarity.FEATURES)
    model = similarity.evidence_model(qc.default_codebook())
    assert model.trained_on.startswith("dev split") and 0 < model.threshold <= model.similar_threshold < 1
    with pytest.raises(ValueError, match="retrain"):
        similarity.EvidenceModel.from_json(json.dumps({**data, "features": ["rule"]}))


def test_a_missing_embedding_package_says_what_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_wordllama(name, *args, **kwargs):
        if name == "wordllama":
            raise ImportError("No module named 'wordllama'")
        return real_import(name, *args, **kwargs)

    similarity._embedder.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_wordllama)
    try:
        with pytest.raises(similarity.EmbeddingUnavailable, match="pip install wordllama"):
            similarity.require_embeddings()
    finally:
        monkeypatch.undo()
        similarity._embedder.cache_clear()


def test_loading_the_embeddings_leaves_the_root_logger_as_it_was():
    import logging
    import subprocess
    import sys

    code = ("import logging; from qualcode.coding.similarity import embedder; embedder(); "
            "root = logging.getLogger(); print(len(root.handlers), root.level)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", str(logging.WARNING)]  # wordllama's import calls basicConfig(level=INFO)


@pytest.mark.parametrize("text", [
    "les parents n'ont plus confiance, il faut attendre des mois " * 800,
    "a  b   c \u2581 d \u2581\u2581e\n\tf " * 2_000 + "  ",  # runs of spaces, '▁' itself, a trailing space
    "x" * 30_000,  # no space to cut at: one piece
])
def test_a_long_text_is_embedded_in_pieces_bit_for_bit_as_whole(text):
    """WordLlama's tokenizer has no pre-tokenizer: a 6 MB paragraph was one 'word' (8 s) and 1.5 GB of token
    vectors, twice. Cut at single spaces and added up in order, it gives the same float32 vector."""
    assert len(text) > similarity.LONG_TEXT
    pieces = similarity._pieces(text, 500)
    assert " ".join(pieces) == text and (len(pieces) > 1 or " " not in text)
    whole = similarity.embedder().embed([text])
    together = similarity.embed(["court", text, "un autre texte"])
    assert (together[1] == whole[0]).all()
    assert (together[[0, 2]] == similarity.embedder().embed(["court", "un autre texte"])).all()
