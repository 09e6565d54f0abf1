"""The automatic coder: matching rules, evidence, units, determinism."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualcode as qc
from qualcode.coding.coder import Coder
from qualcode.ingest.structure import build_transcript
from qualcode.model.codebook import Code, Codebook, NearRule, Rules, TokenRule
from qualcode.model.transcript import Block, RawDocument


def transcript(text: str, language: str = "fr", doc_id: str = "doc") -> qc.Transcript:
    return build_transcript(RawDocument([Block(text)], "txt"), doc_id, language=language)


TURNOVER = Codebook("t", [Code("turnover", rules={"fr": Rules(
    terms=("interlocuteur",),
    near=(NearRule("chg", (("changement", "changer"), ("interlocuteur",)), 4),),
)})])


def evidence_of(coder: qc.Coder, t: qc.Transcript) -> list:
    coded = coder.code_transcript(t)
    return [e for found in coded.evidence.values() for e in found]


@pytest.mark.parametrize("text, matched", [
    ("Il y a des changements d’interlocuteur fréquents.", "changements d’interlocuteur"),
    ("Les interlocuteurs changent tout le temps.", "interlocuteurs changent"),
    ("Interlocuteur absent.", "Interlocuteur"),
])
def test_one_entry_matches_lemmas_word_order_and_case(text, matched):
    found = evidence_of(qc.Coder(TURNOVER), transcript(text))
    assert matched in [e.matched for e in found]


def test_accent_insensitive_and_lemma_terms():
    book = Codebook("b", [Code("temps", rules={"fr": Rules(terms=("pérennité", "dans la durée"))})])
    t = transcript("Perennite des actions.\nLes PÉRENNITÉS.\nInscrire les actions dans la DURÉE.\nRien ici.")
    coded = qc.Coder(book).code_transcript(t)
    assert sorted(coded.evidence) == [1, 2, 3]
    for found in coded.evidence.values():
        for e in found:
            assert t.text[e.start:e.end] == e.matched
            assert e.rule.startswith("temps:fr:term:")


def test_token_pattern_rule_for_not_anymore():
    pattern = (
        {"LOWER": "ne"}, {"LEMMA": "venir"}, {"OP": "{0,1}"}, {"LEMMA": "plus"},
    )
    book = Codebook("b", [Code("absence", rules={"fr": Rules(patterns=(TokenRule("ne-plus", pattern),))})])
    found = evidence_of(qc.Coder(book), transcript("Ils ne viennent plus.\nIls viennent plus tard.\nIls ne viennent presque plus."))
    assert [e.rule for e in found] == ["absence:fr:pattern:ne-plus"] * 2


def test_regex_rules_code_segments():
    from qualcode.model.codebook import RegexRule

    book = Codebook("b", [Code("years", rules={"fr": Rules(regex=(RegexRule("ans", r"\b\d+ ans\b"),))})])
    found = evidence_of(qc.Coder(book), transcript("Elle est là depuis 12 ans.\nRien ici."))
    assert [(e.matched, e.rule) for e in found] == [("12 ans", "years:fr:regex:ans")]


def test_exact_form_terms_do_not_match_other_forms_of_the_lemma():
    book = Codebook("b", [Code("mums", rules={"en": Rules(terms=("=mums",))})])
    found = evidence_of(qc.Coder(book), transcript("Mums came.\nMy mum came.\nThe MUMS.", "en"))
    assert [e.matched for e in found] == ["Mums", "MUMS"]


def test_pattern_with_nested_values_from_yaml(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text("version: 1\ncodes:\n  - id: gone\n    rules:\n      en:\n        patterns:\n"
                    "          - {id: p, pattern: [{LOWER: {IN: ['no', never]}}, {LEMMA: {IN: [long, more]}}]}\n",
                    encoding="utf-8")
    found = evidence_of(qc.Coder(qc.read_codebook(path)), transcript("They no longer come.", "en"))
    assert [e.matched for e in found] == ["no longer"]


def test_exclusion_cancels_the_code_in_the_segment_only():
    book = Codebook("b", [Code("family", rules={"fr": Rules(terms=("parents",), exclude=("mes parents",))})])
    t = transcript("Mes parents étaient commerçants.\nLes parents viennent aux réunions.")
    coded = qc.Coder(book).code_transcript(t)
    assert list(coded.evidence) == [2]


def test_rules_for_any_language_apply_to_every_transcript():
    book = Codebook("b", [Code("x", rules={"any": Rules(terms=("CLAS",))})])
    for lang in ("fr", "en"):
        assert evidence_of(qc.Coder(book), transcript("Le CLAS du quartier.", lang))


def test_result_tables_follow_the_documented_columns():
    corpus = [transcript("Manque de pérennité : changements d’interlocuteur.\nRien.", doc_id="a"),
              transcript("Les parents viennent.", doc_id="b")]
    result = qc.Coder(qc.default_codebook()).code(corpus)
    assert list(result.codings.columns) == ["document", "segment_id", "unit", "start", "end", "code", "matched",
                                            "rule", "coder", "codebook_hash", "text", "score", "speaker_role"]
    assert result.codings["score"].between(0, 1).all()  # every coding has the evidence model's score
    assert list(result.segments.columns) == ["document", "segment_id", "unit", "start", "end", "speaker", "section",
                                             "text", "speaker_role"]
    assert list(result.evidence.columns) == ["document", "segment_id", "code", "start", "end", "matched", "rule"]
    assert result.documents == ["a", "b"]
    assert set(result.codings["coder"]) == {"auto:qualcode-default"}
    assert set(result.codings["codebook_hash"]) == {qc.default_codebook().hash}
    first = result.codings[result.codings["document"] == "a"]
    assert {"temporality", "turnover"} <= set(first["code"])
    text = corpus[0].text
    for row in result.evidence[result.evidence["document"] == "a"].itertuples():
        assert text[row.start:row.end] == row.matched
    for row in first.itertuples():
        assert text[row.start:row.end] == row.text
    frequency = qc.theme_frequency(result)
    assert len(frequency) == 2 * 4
    assert frequency["segments"].sum() == len(result.codings)


@pytest.mark.parametrize("unit", ["paragraph", "sentence", "turn"])
def test_units_and_speakers(unit):
    text = ("ENQ : Vous avez le temps de venir aux réunions ?\n"
            "Mme L. : Non, manque de temps. Les parents ne viennent jamais.\n"
            "ENQ : Et les interlocuteurs ?\n"
            "Mme L. : Ils changent tout le temps. Changement d’interlocuteur chaque année.\n")
    t = transcript(text)
    result = qc.Coder(qc.default_codebook(), unit=unit, speakers="all").code([t])
    segments = result.segments
    assert (segments["unit"] == unit).all()
    assert set(zip(segments["speaker"], segments["speaker_role"], strict=True)) == {
        ("ENQ", "interviewer"), ("Mme L.", "participant")}
    for row in segments.itertuples():
        assert t.text[row.start:row.end] == row.text
        assert "ENQ" not in row.text and "Mme L." not in row.text
    assert set(segments["speaker"]) == {"ENQ", "Mme L."}
    for row in result.evidence.itertuples():
        seg = segments[segments["segment_id"] == row.segment_id].iloc[0]
        assert seg.start <= row.start < row.end <= seg.end
    if unit == "sentence":
        assert len(segments) > 4
    participant = qc.Coder(qc.default_codebook(), unit=unit).code([t])  # the default: interviewers left out
    assert set(participant.segments["speaker"]) == {"Mme L."}
    assert set(participant.codings["speaker_role"]) == {"participant"}
    kept = segments[segments["speaker"] == "Mme L."]
    assert participant.segments["segment_id"].tolist() == kept["segment_id"].tolist()  # ids are not renumbered


def test_coding_is_deterministic():
    texts = [transcript("Changements d’interlocuteur, manque de temps et confiance des parents.", doc_id=str(i))
             for i in range(3)]
    a = qc.Coder(qc.default_codebook()).code(texts)
    b = qc.Coder(qc.default_codebook()).code(texts)
    assert a.codings.equals(b.codings) and a.evidence.equals(b.evidence)


def test_unknown_unit_is_a_clear_error():
    with pytest.raises(ValueError, match="'unit' parameter of Coder must be one of paragraph, sentence, turn"):
        qc.Coder(unit="page").code_transcript(transcript("x"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([
    "Les parents", "viennent", "pérennité", "manque de temps", "confiance", "😀", "مرحبا", "é", "\n", " ",
    "changements d’interlocuteur", "«", "»", "Trust", "staff left", "\u00a0", "I:", "R:",
]), min_size=1, max_size=30))
def test_every_evidence_span_slices_back_to_its_text(parts):
    text = " ".join(parts)
    t = transcript(text, "fr")
    result = qc.Coder(qc.default_codebook()).code([t])
    for row in result.evidence.itertuples():
        assert t.text[row.start:row.end] == row.matched
    for row in result.codings.itertuples():
        assert t.text[row.start:row.end] == row.text


def _near_by_scanning(hits, groups, window):
    """The definition of a proximity match, written plainly (quadratic): the reference for _near."""
    out = []
    for i, (first, group) in enumerate(hits):
        seen, last = {group}, first
        for token, other in hits[i + 1 :]:
            if token - last - 1 > window:
                break
            seen.add(other)
            last = token
            if len(seen) == groups:
                out.append((first, last))
                break
    return out


@given(tokens=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 2)), max_size=40),
       groups=st.integers(2, 3), window=st.integers(0, 5))
def test_near_finds_what_the_plain_definition_finds(tokens, groups, window):
    from qualcode.coding.matchers import _near

    hits = sorted(set(tokens))
    assert _near(hits, groups, window) == _near_by_scanning(hits, groups, window)


def test_near_is_linear_in_the_hits_of_a_paragraph():
    """One word repeated a million times, and the other word of the rule never: it used to scan every later
    hit from every hit (a 6 MB paragraph did not finish in 5 minutes)."""
    import time

    from qualcode.coding.matchers import _near

    hits = [(i, 0) for i in range(1_000_000)]
    started = time.perf_counter()
    assert _near(hits, 2, 4) == []
    assert time.perf_counter() - started < 20  # linear: about 0.3 s; the scan would take hours


def test_a_slow_regex_is_skipped_in_its_document_then_switched_off(caplog):
    """(e|ee)+z backtracks exponentially on a run of e's: it used to time out on every paragraph of every
    document, with warnings only at the end. It is now dropped for the rest of a document at its first
    timeout, switched off for the run after three documents, and each time logged at once."""
    import logging
    import time

    from qualcode.coding.coder import MAX_TIMEOUTS
    from qualcode.model.codebook import RegexRule

    slow = Codebook("b", [Code("slow", rules={"en": Rules(regex=(RegexRule("ees", "(e|ee)+z"),))})])
    paragraphs = ["e" * 40 + "!"] * 20
    transcripts = [build_transcript(RawDocument([Block("\n\n".join(paragraphs))], "txt"), f"d{i}", language="en")
                   for i in range(6)]
    coder = Coder(slow, regex_timeout=0.05)
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="qualcode"):
        warnings = [w for t in transcripts for w in coder.code_transcript(t).warnings]
    assert time.perf_counter() - started < 20 * MAX_TIMEOUTS * 0.05  # not one timeout per paragraph
    assert len(warnings) == MAX_TIMEOUTS and "rest of this document" in warnings[0]
    assert "switched off for the rest of the run" in warnings[-1]
    assert [r.getMessage() for r in caplog.records] == warnings


def test_a_coder_given_another_codebook_codes_with_its_rules():
    """coder.codebook = book2 used to return book1's codings under book2's hash: matchers were kept per
    language and code ids, not per rules."""
    one = Codebook("b", [Code("theme", rules={"fr": Rules(terms=("parent",))})])
    two = Codebook("b", [Code("theme", rules={"fr": Rules(terms=("école",))})])
    corpus = [transcript("Les parents viennent.\n\nL'école est fermée.")]
    coder = Coder(one)
    first = coder.code(corpus).codings["matched"].tolist()
    coder.codebook = two
    assert first == ["parents"] and coder.code(corpus).codings["matched"].tolist() == ["école"]


def test_after_an_edit_only_the_changed_code_is_matched_and_nothing_is_tokenized_or_embedded_again(monkeypatch):
    from qualcode.coding import coder as coder_module
    from qualcode.coding import memory

    memory.MATCHES.clear(), memory.TOKENS.clear(), memory.COMPILED.clear(), memory.EMBEDDINGS.clear()
    book = qc.default_codebook()
    corpus = [transcript(f"Les parents viennent peu, faute de temps ({i}).\n\nTout se construit ensemble.")
              for i in range(3)]
    first = Coder(book).code(corpus)
    compiled, tokenized = [], []
    real_init = coder_module._Compiled.__init__

    def init(self, codes, language, model):
        compiled.append(sorted(c.id for c in codes))
        real_init(self, codes, language, model)

    monkeypatch.setattr(coder_module._Compiled, "__init__", init)
    edited = book.to_dict()
    trust = next(c for c in edited["codes"] if c["id"] == "trust")
    trust["rules"]["fr"]["terms"] = [*trust["rules"]["fr"]["terms"], "construit"]
    from qualcode.ingest.codebook_io import codebook_from_dict

    changed = codebook_from_dict(edited)
    nlp = coder_module.get_pipeline("fr")
    real_pipe = nlp.pipe
    def pipe(texts, *args, **kwargs):
        texts = list(texts)
        tokenized.extend(texts)
        return real_pipe(texts, *args, **kwargs)

    monkeypatch.setattr(nlp, "pipe", pipe)
    from qualcode.coding import similarity

    embedded, real_embed = [], similarity.embed
    monkeypatch.setattr(similarity, "embed", lambda texts: embedded.extend(texts) or real_embed(texts))
    again = Coder(changed).code(corpus)  # a new Coder, as a notebook cell would make
    assert compiled == [["trust"]]  # only the edited code is compiled...
    assert not [t for t in tokenized if "viennent" in t]  # ...and the transcripts are not tokenized again
    assert embedded and not [t for t in embedded if "faute de temps" in t]  # ...nor their segments embedded again
    fresh_memory = Coder(changed)
    memory.MATCHES.clear(), memory.TOKENS.clear(), memory.COMPILED.clear(), memory.EMBEDDINGS.clear()
    monkeypatch.setattr(coder_module._Compiled, "__init__", real_init)
    assert again.codings.equals(fresh_memory.code(corpus).codings)  # the same as coding afresh
    assert "construit" in set(again.codings["matched"]) and "construit" not in set(first.codings["matched"])


def _clear_memory() -> None:
    from qualcode.coding import memory

    for kept in (memory.MATCHES, memory.TOKENS, memory.COMPILED, memory.EMBEDDINGS, memory.SEGMENTS):
        kept.clear()


def _edit(book: Codebook, code_id: str, change) -> Codebook:
    from qualcode.ingest.codebook_io import codebook_from_dict

    data = book.to_dict()
    change(next(c for c in data["codes"] if c["id"] == code_id)["rules"]["fr"])
    return codebook_from_dict(data)


EDITS = {
    "a rare term": ("trust", lambda r: r["terms"].append("bonne foi")),
    "a frequent term": ("temporality", lambda r: r["terms"].append("dire")),
    "an exact form": ("turnover", lambda r: r["terms"].append("=Parti")),
    "terms removed": ("family_engagement", lambda r: r.update(terms=r["terms"][:3])),
    "an exclusion of stop words and a verb": ("trust", lambda r: r.setdefault("exclude", []).append("il y en a")),
    "a pattern": ("trust", lambda r: r.setdefault("patterns", []).append(
        {"id": "t9", "pattern": [{"LEMMA": "faire"}, {"OP": "?"}, {"LEMMA": "confiance"}]})),
    "a pattern no value tells": ("trust", lambda r: r.setdefault("patterns", []).append(
        {"id": "t8", "pattern": [{"LIKE_NUM": True}, {"LOWER": "ans"}]})),
    "a proximity rule": ("turnover", lambda r: r.setdefault("near", []).append(
        {"id": "n9", "words": [["équipe", "personnel"], ["changer", "partir"]], "window": 6})),
    "a context rule": ("family_engagement", lambda r: r.setdefault("context", []).append(
        {"id": "k9", "terms": ["mère"], "context": ["école", "enseignant"]})),
}


@pytest.fixture(scope="module")
def french_samples():
    corpus = qc.read_corpus("data/samples")
    return [t for t in corpus.transcripts if t.language == "fr"]


@pytest.mark.parametrize("edit", EDITS)
def test_re_coding_after_an_edit_in_process_gives_what_coding_afresh_gives(edit, french_samples, monkeypatch):
    """After a codebook edit, the changed code is matched again over Docs rebuilt from the kept tokens of
    only the paragraphs where its rules can match (qualcode.coding.anchors): the codings are exactly those
    of coding afresh, whichever kind of rule changed."""
    from qualcode.coding import memory

    _clear_memory()
    book = qc.default_codebook()
    Coder(book).code(french_samples)
    changed = _edit(book, *EDITS[edit])
    rebuilt, real_docs = [], memory.Tokens.docs

    def docs(self, vocab, text, pieces=None):
        out = real_docs(self, vocab, text, pieces)
        rebuilt.append((sum(len(doc) for _, doc in out), self.count))
        return out

    monkeypatch.setattr(memory.Tokens, "docs", docs)
    again = Coder(changed).code(french_samples)
    monkeypatch.undo()
    _clear_memory()
    fresh = Coder(changed).code(french_samples)
    columns = list(fresh.codings.columns)
    assert again.codings.sort_values(columns).reset_index(drop=True).equals(
        fresh.codings.sort_values(columns).reset_index(drop=True))
    assert len(rebuilt) == len(french_samples)  # every transcript matched from its kept tokens
    tokens, kept = map(sum, zip(*rebuilt, strict=True))
    if edit == "a pattern no value tells":
        assert tokens == kept  # every paragraph may match: all are rebuilt
    else:  # the paragraphs that cannot match the changed code are not rebuilt (these samples are about it)
        assert tokens < kept * (0.5 if edit in ("a rare term", "a pattern") else 0.8)


def test_kept_segments_follow_a_change_of_speaker_roles():
    """Segments are kept per text, paragraphs, turns and roles: a transcript whose turns change roles (same
    text, same paragraphs) is segmented again, not given the segments kept for the first one."""
    from dataclasses import replace

    _clear_memory()
    t = transcript("ENQ : Le temps vous manque ?\nMme L. : Oui, faute de temps.\n")
    first = Coder(qc.default_codebook(), speakers="all").code([t])
    assert set(first.segments["speaker_role"]) == {"interviewer", "participant"}
    spans = [replace(s, data={**s.data, "role": "participant"}) if s.kind == "turn" else s for s in t.spans]
    swapped = qc.Transcript(t.id, t.text, spans, dict(t.metadata))
    again = Coder(qc.default_codebook(), speakers="all").code([swapped])
    assert set(again.segments["speaker_role"]) == {"participant"}
    assert len(Coder(qc.default_codebook()).code([swapped]).segments) == 2  # no interviewer left to leave out
