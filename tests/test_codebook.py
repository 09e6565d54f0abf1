"""Codebook model, YAML/CSV formats and validation."""

from __future__ import annotations

import time

import pytest

import qualcode as qc
from qualcode.ingest.codebook_check import check_regex
from qualcode.ingest.codebook_io import codebook_from_dict, read_codebook, write_codebook
from qualcode.model.codebook import Code, Codebook, RegexRule, Rules
from qualcode.model.errors import CodebookError

VALID = """\
version: 2
name: mini
codes:
  - id: time
    name: {en: Time, fr: Temps}
    color: "#112233"
    definition: Time as a resource.
    rules:
      fr:
        terms: [manque de temps, chronophage]
        near:
          - {id: chg, words: [[changement, changer], [interlocuteur]], window: 3}
      en:
        terms: [lack of time]
        patterns:
          - id: no-longer
            pattern: [{LOWER: "no"}, {LOWER: longer}]
        regex:
          - {id: years, pattern: "\\\\b\\\\d+ years?\\\\b"}
        exclude: [time of day]
  - id: sub
    parent: time
    name: Sub
"""


def test_default_codebook_has_the_four_themes_in_both_languages():
    book = qc.default_codebook()
    assert book.ids == ["temporality", "trust", "family_engagement", "turnover"]
    for code in book:
        assert set(code.rules) == {"fr", "en"}
        assert code.label("fr") and code.label("en") and code.label("fr") != code.id
        assert code.describe("fr") and code.describe("en")
        assert code.inclusion and code.exclusion and len(code.examples) >= 2
        assert code.color and code.color.startswith("#")
        assert len(code.rules["fr"].terms) >= 20 and len(code.rules["en"].terms) >= 20
    assert len(book.hash) == 12


def test_yaml_round_trip_is_lossless(tmp_path):
    src = tmp_path / "mini.yml"
    src.write_text(VALID, encoding="utf-8")
    book = read_codebook(src)
    assert book.version == "2" and book.ids == ["time", "sub"]
    assert book["sub"].parent == "time" and book.ancestors("sub") == ["time"]
    assert book["time"].rules["en"].regex[0].pattern == r"\b\d+ years?\b"
    out = tmp_path / "copy.yml"
    write_codebook(book, out)
    again = read_codebook(out)
    assert again.to_dict() == book.to_dict()
    assert again.hash == book.hash
    assert out.read_text(encoding="utf-8").startswith("# mini")


def test_default_codebook_round_trips_through_yaml_and_csv(tmp_path):
    book = qc.default_codebook()
    write_codebook(book, tmp_path / "d.yml")
    assert read_codebook(tmp_path / "d.yml").hash == book.hash
    write_codebook(book, tmp_path / "d.csv")
    from_csv = read_codebook(tmp_path / "d.csv")
    assert from_csv.ids == book.ids
    for code in book:
        assert from_csv[code.id].rules == code.rules
        assert from_csv[code.id].label("fr") == code.label("fr")


def test_codebook_from_plain_data_round_trips():
    book = qc.default_codebook()
    assert codebook_from_dict(book.to_dict()).hash == book.hash


def test_hash_changes_when_a_rule_changes():
    book = codebook_from_dict(_load(VALID))
    data = _load(VALID)
    data["codes"][0]["rules"]["fr"]["terms"].append("pérennité")
    assert codebook_from_dict(data).hash != book.hash


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_as_french_excel_saves_it(tmp_path, delimiter):
    d = delimiter
    text = (f"code{d}parent{d}definition{d}terms\n"
            f'temps{d}{d}"Le temps, la durée"{d}pérennité | dans la durée|chronophage\n'
            f"durée{d}temps{d}Durée des actions{d}long terme\n")
    path = tmp_path / "codes.csv"
    path.write_bytes(text.encode("cp1252"))
    book = read_codebook(path)
    assert book.ids == ["temps", "durée"]
    assert book["temps"].rules["any"].terms == ("pérennité", "dans la durée", "chronophage")
    assert book["durée"].parent == "temps"
    assert book["temps"].describe() == "Le temps, la durée"


def test_csv_without_code_column_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("theme,words\nx,y\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="'code' column"):
        read_codebook(path)


def test_csv_row_with_unquoted_delimiter_is_reported_with_its_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,definition\nok,fine\nbad,Le temps, la durée\n", encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        read_codebook(path)
    assert [(p.line, "more field(s) than the header" in p.message) for p in info.value.problems] == [(3, True)]


BAD = {
    "invalid-yaml": ("version: 1\ncodes: [\n  - id: a\n", "is not valid YAML", None),
    "no-version": ("codes:\n  - id: a\n", "no 'version' field", 1),
    "no-codes": ("version: 1\ncodes: []\n", "non-empty 'codes'", None),
    "huge-version": (f"version: {'9' * 5000}\ncodes:\n  - id: a\n", "a number of 5000 digits", 1),  # int() refuses
    "nan-version": ("version: .nan\ncodes:\n  - id: a\n", "version nan must be a number", 1),
    "duplicate": ("version: 1\ncodes:\n  - id: a\n  - id: b\n  - id: a\n", "duplicate id (first defined at line 3)", 5),
    "unknown-parent": ("version: 1\ncodes:\n  - id: a\n    parent: zz\n", "parent 'zz' is not a code", 3),
    "cycle": ("version: 1\ncodes:\n  - id: a\n    parent: b\n  - id: b\n    parent: a\n", "cycle", None),
    "bad-id": ("version: 1\ncodes:\n  - id: 'two words'\n", "invalid code id", 3),
    "bad-color": ("version: 1\ncodes:\n  - id: a\n    color: red\n", "'#RRGGBB'", 3),
    "unknown-field": ("version: 1\ncodes:\n  - id: a\n    colour: '#000000'\n", "unknown key 'colour' in a code; did you mean 'color'?", 4),
    "empty-rules": ("version: 1\ncodes:\n  - id: a\n    rules:\n      fr: {}\n", "are empty", None),
    "empty-terms": ("version: 1\ncodes:\n  - id: a\n    rules:\n      fr:\n        terms: []\n", "are empty", 6),
    "punct-term": ("version: 1\ncodes:\n  - id: a\n    rules:\n      fr:\n        terms: [ok, '...']\n",
                   "has no letter or digit", 6),
    "bad-language": ("version: 1\ncodes:\n  - id: a\n    rules:\n      French:\n        terms: [x]\n",
                     "is not one qualcode codes in; did you mean 'fr'?", 6),
    "bad-pattern": ("version: 1\ncodes:\n  - id: a\n    rules:\n      en:\n        patterns:\n"
                    "          - {id: p, pattern: [{LEMA: x}]}\n", "unknown attribute 'LEMA'; did you mean 'LEMMA'?", 6),
    "bad-op": ("version: 1\ncodes:\n  - id: a\n    rules:\n      en:\n        patterns:\n"
               "          - {id: p, pattern: [{LOWER: x, OP: '++'}]}\n", "has OP '++'", 6),
    "bad-regex": ("version: 1\ncodes:\n  - id: a\n    rules:\n      en:\n        regex: ['(unclosed']\n",
                  "does not compile", 6),
    "catastrophic-regex": ("version: 1\ncodes:\n  - id: a\n    rules:\n      en:\n        regex: ['^(a+)+$']\n",
                           "backtrack catastrophically", 6),
    "empty-regex-match": ("version: 1\ncodes:\n  - id: a\n    rules:\n      en:\n        regex: ['x*']\n",
                          "matches the empty string", 6),
    "boolean-in-pattern": ("version: 1\ncodes:\n  - id: a\n    rules:\n      en:\n        patterns:\n"
                           "          - {id: p, pattern: [{LOWER: {IN: [no, never]}}, {LOWER: more}]}\n",
                           "YAML reads as booleans", 6),
    "long-gap": ("version: 1\ncodes:\n  - id: a\n    rules:\n      en:\n        patterns:\n"
                 "          - {id: p, pattern: [{LOWER: a}, {OP: '{0,30}'}, {LOWER: b}]}\n", "exponentially slow", 6),
    "open-gap": ("version: 1\ncodes:\n  - id: a\n    rules:\n      en:\n        patterns:\n"
                 "          - {id: p, pattern: [{LOWER: a}, {OP: '*'}, {LOWER: b}]}\n", "exponentially slow", 6),
    "bad-near": ("version: 1\ncodes:\n  - id: a\n    rules:\n      en:\n        near: [{id: n, words: [[a]]}]\n",
                 "two or more non-empty lists", 6),
    "only-exclude": ("version: 1\ncodes:\n  - id: a\n    rules:\n      en:\n        exclude: [x]\n",
                     "have only guards", 6),
    "overlapping-alternatives": ("version: 1\ncodes:\n  - id: a\n    rules:\n      en:\n        regex: ['(a|aa)+$']\n",
                                 "ran too long", 6),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_invalid_codebook_gets_its_specific_message(tmp_path, name):
    text, expected, line = BAD[name]
    path = tmp_path / f"{name}.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        read_codebook(path)
    problems = info.value.problems
    match = [p for p in problems if expected in p.message]
    assert match, f"expected {expected!r} among {[str(p) for p in problems]}"
    assert all(p.path == str(path) for p in problems)
    if line is not None:
        assert match[0].line == line, str(match[0])
    assert str(path) in str(info.value)


def test_validation_reports_every_problem_at_once(tmp_path):
    text = ("version: 1\ncodes:\n  - id: a\n    parent: nowhere\n  - id: a\n    color: blue\n"
            "  - id: c\n    rules:\n      en:\n        regex: ['(']\n")
    path = tmp_path / "many.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        read_codebook(path)
    messages = " ".join(p.message for p in info.value.problems)
    for expected in ("parent 'nowhere'", "duplicate id", "'#RRGGBB'", "does not compile"):
        assert expected in messages
    assert str(info.value).startswith("The codebook has 4 problems:")


def test_unknown_codebook_suffix(tmp_path):
    path = tmp_path / "codes.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"unknown codebook format '\.json'"):
        read_codebook(path)


def test_check_regex_accepts_ordinary_patterns():
    assert check_regex(r"\bpar(ent|ents)\b") == []


def test_a_hostile_regex_cannot_hang_a_run():
    # Built directly, bypassing validation, as a codebook from an older qualcode might be.
    book = Codebook("hostile", [Code("a", rules={"en": Rules(regex=(RegexRule("evil", r"(\w+\s?)+$"),))})])
    text = "word " * 3000 + "!"
    transcript = qc.Transcript("t", text, [qc.Span(0, len(text), "paragraph")], {"language": "en"})
    coder = qc.Coder(book, regex_timeout=0.05)
    started = time.perf_counter()
    coded = coder.code_transcript(transcript)
    assert time.perf_counter() - started < 30
    assert coded.evidence == {}
    assert any("regex rule 'a:en:regex:evil'" in w for w in coded.warnings)


def test_tree_shows_the_hierarchy():
    book = codebook_from_dict(_load(VALID))
    tree = book.tree("fr")
    assert tree[0].startswith("time  Temps")
    assert tree[1].startswith("  sub  Sub")


def _load(text: str):
    import yaml

    return yaml.safe_load(text)


def test_a_code_id_with_a_trailing_newline_is_refused():
    """'trust\\n' and 'trust' were two codes ($ matches before a final newline): the project's own review
    sheet was then refused."""
    with pytest.raises(CodebookError, match="invalid code id"):
        codebook_from_dict({"version": 1, "codes": [{"id": "trust\n"}, {"id": "trust"}]})


TYPOS = """\
version: 1
nmae: Typos
codes:
  - id: trust
    defintion: confidence
    rules:
      fr:
        term: [confiance]
        near:
          - id: n1
            words: [[parent], [école]]
            widow: 25
      es:
        terms: [confianza]
"""


def test_every_unknown_key_is_named_with_its_line_and_the_key_it_likely_means(tmp_path):
    """A typo was accepted silently: 'widow: 25' left the window at 4, 'term:' was reported as empty rules,
    rules for 'es' were never used."""
    path = tmp_path / "typos.yml"
    path.write_text(TYPOS, encoding="utf-8")
    with pytest.raises(CodebookError) as caught:
        read_codebook(path)
    found = {(p.line, p.message.split(";")[0], p.message.split("? ")[0].split("; ")[-1]) for p in caught.value.problems}
    assert found == {
        (2, "unknown key 'nmae' in the codebook", "did you mean 'name'"),
        (5, "unknown key 'defintion' in a code", "did you mean 'definition'"),
        (8, "unknown key 'term' in the rules for 'fr'", "did you mean 'terms'"),
        (12, "unknown key 'widow' in near rule 'n1'", "did you mean 'window'"),
        (14, "rules language 'es' is not one qualcode codes in", "its rules would never be used, qualcode codes French "
         "and English only (allowed: fr, en, any: French, English, or any language)."),
    }


def test_every_unknown_column_of_a_csv_codebook_is_named_with_the_column_it_likely_means(tmp_path):
    path = tmp_path / "typos.csv"
    path.write_text("code,name,defintion,term_fr,exlude_en,terms_es,examples\n"
                    "trust,Trust,confidence,confiance,distrust,confianza,I trust her | we trust them\n", encoding="utf-8")
    with pytest.raises(CodebookError) as caught:
        read_codebook(path)
    found = {(p.line, p.message.split("? ")[0]) for p in caught.value.problems}
    assert found == {
        (1, "unknown key 'defintion' in the CSV header; did you mean 'definition'"),
        (1, "unknown key 'term' in column 'term_fr'; did you mean 'terms'"),
        (1, "unknown key 'exlude' in column 'exlude_en'; did you mean 'exclude'"),
        (2, "rules language 'es' is not one qualcode codes in; its rules would never be used, qualcode "
            "codes French and English only (allowed: fr, en, any: French, English, or any language)."),
    }


def test_examples_round_trip_through_csv(tmp_path):
    book = Codebook("b", [Code("trust", examples=("I trust her", "we trust them"),
                               rules={"en": Rules(terms=("trust",))})])
    write_codebook(book, tmp_path / "b.csv")
    assert read_codebook(tmp_path / "b.csv")["trust"].examples == ("I trust her", "we trust them")
