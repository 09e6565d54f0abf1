"""spaCy pipelines (qualcode.ingest.nlp): the tokenizer is given no run of characters without a space longer
than RUN_CHARS, and gives the same Doc text, offsets and norms as spaCy's own."""

from __future__ import annotations

import pytest

from qualcode.ingest.nlp import RUN_CHARS, BoundedTokenizer, get_pipeline


@pytest.fixture(scope="module")
def nlp():
    return get_pipeline("fr")


def test_the_pipeline_tokenizes_through_the_bound(nlp):
    assert isinstance(nlp.tokenizer, BoundedTokenizer)
    nlp.tokenizer.max_cache_size = nlp.tokenizer.max_cache_size  # the cache setting reaches spaCy's tokenizer
    assert nlp.tokenizer.max_cache_size == nlp.tokenizer.tokenizer.max_cache_size


def test_texts_without_a_long_run_are_spacys_own_tokens(nlp):
    text = "Aujourd'hui, l'école « Jean-Jaurès » ; t'as vu  peut-être ? https://exemple.fr/a-b"
    ours, theirs = nlp.tokenizer(text), nlp.tokenizer.tokenizer(text)
    assert [(t.text, t.idx, t.norm_, t.whitespace_) for t in ours] == [
        (t.text, t.idx, t.norm_, t.whitespace_) for t in theirs]


@pytest.mark.parametrize("run", [")" * 1000, "😀" * 300, "l'" * 400, "x" * 200, "«»" * 150 + "confiance"])
def test_a_long_run_keeps_the_text_and_offsets_and_ends_a_token_at_each_cut(nlp, run):
    text = f"Aujourd'hui l'école {run} t'as vu  peut-être."
    doc = nlp.tokenizer(text)
    assert doc.text == text
    assert all(text[t.idx : t.idx + len(t.text)] == t.text for t in doc)
    assert max(len(t.text) for t in doc) <= RUN_CHARS
    head = nlp.tokenizer.tokenizer("Aujourd'hui l'école")
    assert [(t.text, t.norm_) for t in doc[: len(head)]] == [(t.text, t.norm_) for t in head]  # exceptions' norms
    assert [t.text for t in doc[-6:]] == ["t'", "as", "vu", " ", "peut-être", "."]
