"""Rule guards: context rules, ``unless`` phrases, ``exclude`` and ``speakers`` (issue 18, item 1)."""

from __future__ import annotations

import pytest

import qualcode as qc
from qualcode.ingest.codebook_check import codebook_from_dict, validate_codebook
from qualcode.ingest.structure import build_transcript
from qualcode.model.codebook import Code, Codebook, ContextRule, Rules
from qualcode.model.transcript import Block, RawDocument


def coded(book: Codebook, *paragraphs: str, language: str = "fr") -> list[set[str]]:
    raw = RawDocument([Block(p, kind="paragraph") for p in paragraphs], "txt")
    result = qc.Coder(book).code_transcript(build_transcript(raw, "doc", language=language))
    return [{e.code for e in result.evidence.get(s.segment_id, [])} for s in result.segments]


FAMILY = Codebook("f", [Code("family", rules={"fr": Rules(
    context=(ContextRule("parents-ecole", ("parents", "mère"), ("école", "enseignant", "réunion")),),
    unless=("mes parents", "ma mère"),
)})])


def test_a_context_term_counts_only_with_a_context_word_in_the_segment():
    assert coded(FAMILY, "Les parents viennent à la réunion.", "Les parents de mon mari habitent loin.",
                 "La mère est venue voir l'enseignant.") == [{"family"}, set(), {"family"}]


def test_unless_cancels_only_the_match_it_overlaps():
    assert coded(FAMILY, "Mes parents viennent à la réunion.",
                 "Mes parents m'en parlaient, et les parents d'élèves viennent à la réunion.") == [set(), {"family"}]


def test_unless_keeps_an_idiom_from_counting():
    book = Codebook("t", [Code("turnover", rules={"fr": Rules(terms=("partir",), unless=("à partir de", "faire partie"))})])
    assert coded(book, "À partir de septembre, on change.", "Le directeur va partir.",
                 "Ça fait partie du travail.") == [set(), {"turnover"}, set()]


def test_exclude_still_cancels_the_code_in_the_whole_segment():
    book = Codebook("t", [Code("trust", rules={"en": Rules(terms=("trust",), exclude=("trust the data",))})],
                    )
    assert coded(book, "We trust them, and we trust the data.", "We trust them.", language="en") == [set(), {"trust"}]


def test_speakers_keeps_a_code_to_the_roles_it_names():
    book = Codebook("t", [Code("turnover", rules={"fr": Rules(terms=("départ",), speakers=("participant",))})])
    raw = RawDocument([Block("ENQ: Et le départ du directeur ?"), Block("P1: Son départ nous a fait mal.")], "txt")
    transcript = build_transcript(raw, "doc", language="fr")
    result = qc.Coder(book, unit="turn", speakers="all").code_transcript(transcript)  # the guard, not the option
    by_speaker = {s.speaker: {e.code for e in result.evidence.get(s.segment_id, [])} for s in result.segments}
    assert by_speaker == {"ENQ": set(), "P1": {"turnover"}}


def test_guards_round_trip_through_yaml_and_csv(tmp_path):
    for name in ("book.yml", "book.csv"):
        qc.write_codebook(FAMILY, tmp_path / name)
        again = qc.read_codebook(tmp_path / name)
        assert again.codes[0].rules["fr"] == FAMILY.codes[0].rules["fr"], name


@pytest.mark.parametrize("rules, wanted", [
    ({"context": [{"id": "x", "terms": ["parents"]}]}, "'context' must be a non-empty list"),
    ({"context": [{"id": "x", "terms": ["parents"], "context": ["école"], "contxt": 1}]}, "contxt"),
    ({"context": ["parents"]}, "a context rule is a mapping"),
    ({"terms": ["parents"], "speakers": ["moderator"]}, "is not a speaker role"),
    ({"terms": ["parents"], "unless": ["!!"]}, "has no letter or digit"),
    ({"unless": ["mes parents"]}, "a guard needs terms"),
])
def test_codebook_check_names_every_malformed_guard(rules, wanted):
    data = {"version": 1, "name": "b", "codes": [{"id": "family", "rules": {"fr": rules}}]}
    problems = [str(p) for p in validate_codebook(data, source="b.yml")]
    assert any(wanted in p for p in problems), problems


def test_a_codebook_with_guards_loads_from_plain_data():
    book = codebook_from_dict({"version": 1, "name": "b", "codes": [{"id": "family", "rules": {"fr": {
        "context": [{"id": "pe", "terms": ["parents"], "context": ["école"]}], "unless": ["mes parents"],
        "speakers": ["participant", "unknown"]}}}]})
    rules = book.codes[0].rules["fr"]
    assert rules.context == (ContextRule("pe", ("parents",), ("école",)),)
    assert rules.unless == ("mes parents",) and rules.speakers == ("participant", "unknown")

