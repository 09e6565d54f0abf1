"""Which paragraphs a re-code matches again: every paragraph where the rules can match, and few others."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.coding import memory
from qualcode.coding.anchors import Anchors, _required
from qualcode.coding.coder import _SEPARATOR, _batches, _starts, _unjoin
from qualcode.coding.matchers import _Compiled
from qualcode.model.codebook import Code, ContextRule, NearRule, Rules, TokenRule


def columns(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tokens given as (unit, value, value, value) rows, as Tokens.columns gives them."""
    array = np.array(rows, dtype=np.uint64)
    hashes = array[:, 1:]
    return hashes, (hashes & np.uint64(0xFFFF)).astype(np.uint16), array[:, 0].astype(np.int32)


def test_a_rule_passes_the_units_holding_one_of_its_alternatives_wholly():
    anchors = Anchors()
    anchors.all_of([[[1, 2], [3]]])  # (1 and 2) or 3
    tokens = columns([[0, 1, 1, 1], [0, 9, 9, 9], [1, 1, 1, 1], [1, 2, 2, 2], [2, 9, 3, 9], [3, 2, 2, 2]])
    assert anchors.units(*tokens) == {1, 2}


def test_every_clause_is_needed():
    anchors = Anchors()
    anchors.all_of([[[1]], [[2], [3]]])  # 1 and (2 or 3)
    tokens = columns([[0, 1, 1, 1], [1, 1, 1, 1], [1, 3, 3, 3], [2, 2, 2, 2], [2, 3, 3, 3]])
    assert anchors.units(*tokens) == {1}


def test_common_values_are_looked_for_after_the_others():
    """A phrase of stop words and one verb is found by the verb, then kept only where its stop words are."""
    anchors = Anchors(common=frozenset({10, 11}))
    anchors.all_of([[[10, 11, 5]]])
    anchors.all_of([[[10, 11]]])  # nothing but common values: looked for by them
    tokens = columns([[0, 5, 5, 5], [0, 10, 10, 10], [1, 5, 5, 5], [1, 10, 10, 10], [1, 11, 11, 11],
                      [2, 10, 10, 10], [2, 11, 11, 11], [3, 11, 11, 11]])
    assert anchors.units(*tokens) == {1, 2}


@pytest.mark.parametrize("op, required", [(None, True), ("+", True), ("{2}", True), ("{1,3}", True),
                                          ("?", False), ("*", False), ("!", False), ("{0,3}", False),
                                          ("{,3}", False)])
def test_which_tokens_a_pattern_needs(op, required):
    assert _required(op) is required


def test_a_pattern_that_the_values_cannot_tell_lets_every_unit_through():
    anchors = Anchors()
    anchors.pattern([{"LIKE_NUM": True}, {"LOWER": "ans"}], hash)
    assert anchors.always and anchors.units(*columns([[0, 1, 1, 1]])) is None
    anchors = Anchors()
    anchors.pattern([{"LEMMA": {"IN": ["a", "b"]}, "OP": "?"}, {"LIKE_NUM": True}], hash)
    assert anchors.always  # its only value is optional


def test_an_optional_token_is_not_needed():
    from qualcode.ingest.nlp import get_pipeline

    strings = get_pipeline("fr").vocab.strings
    anchors = Anchors()
    anchors.pattern([{"LEMMA": "plus"}, {"LEMMA": "de", "OP": "?"}, {"LEMMA": "temps"}], strings.__getitem__)
    plus, de, temps = (strings[w] for w in ("plus", "de", "temps"))
    tokens = columns([[0, plus, plus, plus], [0, temps, temps, temps], [1, plus, plus, plus], [1, de, de, de]])
    assert anchors.units(*tokens) == {0}


def test_no_rule_no_unit():
    assert Anchors().units(*columns([[0, 1, 1, 1]])) == set()


# Few words, stop words among them, forms of one lemma, a number: rules then match often, and in many ways
WORDS = ["parents", "parent", "école", "de", "la", "confiance", "plus", "change", "changer", "ils", "en", "Parti",
         "3", "ans"]


def paragraphs_strategy() -> st.SearchStrategy[list[str]]:
    return st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join),
                    min_size=1, max_size=12)


def rules_strategy() -> st.SearchStrategy[Rules]:
    phrase = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
    token = st.fixed_dictionaries({"LEMMA": st.sampled_from(WORDS)}, optional={"OP": st.sampled_from(["?", "+", "*"])})
    pattern = st.lists(st.one_of(token, st.just({"IS_PUNCT": False}), st.just({"LIKE_NUM": True})),
                       min_size=1, max_size=3)
    groups = st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(tuple), min_size=2, max_size=3)
    context = st.tuples(st.lists(phrase, min_size=1, max_size=2), st.lists(phrase, min_size=1, max_size=2))
    return st.builds(
        lambda terms, exact, exclude, unless, patterns, near, contexts: Rules(
            terms=tuple(terms) + tuple("=" + e for e in exact), exclude=tuple(exclude), unless=tuple(unless),
            patterns=tuple(TokenRule(f"p{i}", tuple(p)) for i, p in enumerate(patterns)),
            near=tuple(NearRule(f"n{i}", tuple(g), 3) for i, g in enumerate(near)),
            context=tuple(ContextRule(f"k{i}", tuple(t), tuple(w)) for i, (t, w) in enumerate(contexts))),
        st.lists(phrase, max_size=4), st.lists(st.sampled_from(WORDS), max_size=2), st.lists(phrase, max_size=2),
        st.lists(phrase, max_size=2), st.lists(pattern, max_size=2), st.lists(groups, max_size=2),
        st.lists(context, max_size=2))


@given(paragraphs_strategy(), rules_strategy())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_docs_rebuilt_find_every_match_of_matching_everything(paragraphs, rules):
    """Matching the Docs rebuilt from kept tokens for the units that pass finds exactly what matching every
    paragraph's Doc finds: no unit that can match is left out, and a part of a batch matches as in the whole."""
    compiled = _Compiled([Code("c", rules={"fr": rules})], "fr", None)
    texts, offset = [], 0
    for text in paragraphs:
        texts.append((offset, text))
        offset += len(text) + 1
    batches = _batches(texts, limit=60)  # several paragraphs per batch, several batches
    docs = list(compiled.nlp.pipe(_SEPARATOR.join(t for _, t in batch) for batch in batches))
    everything = sorted(m for batch, doc in zip(batches, docs, strict=True) for m in _unjoin(compiled.match(doc, 0), batch))
    kept = memory.Tokens.of(docs, batches, [_starts(batch) for batch in batches])
    whole = "\n".join(paragraphs)
    units = compiled.anchors.units(*kept.columns())
    again = sorted(m for batch, doc in kept.docs(compiled.nlp.vocab, whole, units)
                   for m in _unjoin(compiled.match(doc, 0), batch))
    assert again == everything
    if units is not None:  # and the units passed hold every match
        starts = [o for o, _ in texts]
        assert {max(i for i, s in enumerate(starts) if s <= m[1]) for m in everything} <= units
