"""Tests for qualcode.ingest.normalize: transcript text normalisation and hard-wrap detection."""

from __future__ import annotations

import sys
import textwrap

import pytest
from conftest import require_shared
from hypothesis import given
from hypothesis import strategies as st

from qualcode.ingest.normalize import (
    clean_text,
    describe_repairs,
    is_hard_wrapped,
    join_lines,
    normalize_text,
    remove_artefacts,
)

SEED = "seeds/000_c0c839df2532a9e7.txt"

# Snippets that stress the normaliser: every kind of line break and space, invisible characters,
# surrogates, combining accents, emoji, right-to-left text, converter artefacts and quote marks.
PIECES = [
    "a", "Z", "é", "e\u0301", "\u0301", "😀", "👨\u200d👩\u200d👧", "שלום", "مرحبا", "中文",
    " ", "  ", "\t", "\n", "\n\n\n", "\r\n", "\r", "\u2028", "\u2029", "\x0b", "\x0c", "\x85", "\x1c", "\x1f",
    "\xa0", "\u202f", "\u2007", "\u2000", "\u3000", "\u200b", "\ufeff", "\xad", "\ufffc", "\x00", "\x07",
    "\ud800", "\udfff", "[bookmark: _GoBack]", "[book", "mark: x]", "[image: photo]", "[pic]",
    "[]{#_GoBack .anchor}", "«", "»", "“", "”", '"', "'", "’", ":", "?",
]  # fmt: skip
texts = st.one_of(st.lists(st.sampled_from(PIECES), max_size=40).map("".join), st.text(max_size=80))
WHITESPACE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\nb"),
        ("a\u2028b\u2029c\x0bd\x0ce\x85f", "a\nb\nc\nd\ne\nf"),
        ("a  \t\nb \t", "a\nb"),
        ("\tindented\n    too", "\tindented\n    too"),
        ("a\xa0:\u202f»\u2007b\u3000c", "a : » b c"),
        ("\ufeffa\u200bb\ufeffc\u2060d\xade", "abcde"),
        ("e\u0301cole", "école"),
        ("a\n\n\n\n\nb\n\n\nc", "a\n\nb\n\nc"),
        ("\n\n  \n\ta\nb\n\n \n", "\ta\nb"),
        ('l’école, l\'école, « oui », “yes”, "so" ‘ok’', 'l’école, l\'école, « oui », “yes”, "so" ‘ok’'),
        ("[bookmark: _GoBack]Travail avec le PRE", "Travail avec le PRE"),
        ("Before[bookmark: _Hlk31187932] after", "Before after"),
        ("A [image: a photo of the school] B [pic] C [Image] D", "A  B  C  D"),
        ("x[]{#_GoBack .anchor}y", "xy"),
        ('x<span id="_Toc1" class="anchor"></span>y', "xy"),
        ("before\n----media/image1.png----\nafter", "before\n\nafter"),
        ("picture\ufffc here", "picture here"),
        ("[book[bookmark: x]mark: y]z", "z"),
        ("[inaudible] and [laughs] and [id1] stay", "[inaudible] and [laughs] and [id1] stay"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    text, warnings = normalize_text(raw)
    assert text == expected
    assert warnings == []


def test_nul_bytes_are_dropped_with_a_warning() -> None:
    text, warnings = normalize_text("a\x00b\x00")
    assert text == "ab"
    assert len(warnings) == 1 and "2 NUL" in warnings[0]


def test_lone_surrogates_are_replaced_with_a_warning() -> None:
    text, warnings = normalize_text("a\ud800b")
    assert text == "a\ufffdb"
    assert len(warnings) == 1 and "surrogate" in warnings[0]
    text.encode("utf-8")


def test_control_characters_are_dropped_with_a_warning() -> None:
    text, warnings = normalize_text("a\x07b\x1bc")
    assert text == "abc"
    assert warnings == ["dropped 2 control character(s)."]


def test_clean_text_counts_repairs() -> None:
    text, counts = clean_text("\x00\x00a\ud800")
    assert text == "a\ufffd"
    assert counts == {"nul": 2, "surrogate": 1}
    assert len(describe_repairs(counts)) == 2


def test_remove_artefacts_only() -> None:
    assert remove_artefacts("[bookmark: _GoBack]Texte\r\n") == "Texte\r\n"


def test_seed_loses_its_bookmark_and_keeps_its_quotes() -> None:
    raw = require_shared(SEED).read_text(encoding="utf-8")
    text, warnings = normalize_text(raw)
    assert "[bookmark" not in text
    assert "\xa0" not in text and "\u202f" not in text
    assert text.count("«") == raw.count("«") == 5
    assert text.count("’") == raw.count("’")
    assert not text.startswith("\n") and not text.endswith("\n")
    assert warnings == []


@given(texts)
def test_normalisation_is_idempotent(raw: str) -> None:
    once, _ = normalize_text(raw)
    twice, warnings = normalize_text(once)
    assert twice == once
    assert warnings == []


@given(texts)
def test_normalised_text_is_clean(raw: str) -> None:
    text, _ = normalize_text(raw)
    assert not any(ch.isspace() and ch not in " \t\n" for ch in text)
    assert "\n\n\n" not in text
    assert text == text.strip("\n")
    assert all(line == line.rstrip() for line in text.split("\n"))
    text.encode("utf-8")


def test_every_whitespace_character_becomes_plain() -> None:
    text, _ = normalize_text("x".join(WHITESPACE) + "x")
    assert set(text) <= {"x", " ", "\t", "\n"}


def test_join_lines() -> None:
    assert join_lines(["  un travail socio-", "éducatif avec ", "", "l’école"]) == "un travail socio-éducatif avec l’école"
    assert join_lines(["a two-", "way plot"]) == "a two-way plot"
    assert join_lines(["Jean-", "Pierre"]) == "Jean-Pierre"
    assert join_lines(["les pa-", "rents viennent"]) == "les parents viennent"


def _wrapped_email() -> str:
    paragraphs = [
        "Thank you for agreeing to take part in this interview about the partnership between the school "
        "and the social centre. We would like to understand how the parents are contacted, who decides "
        "which families are invited, and what happens when a family does not answer the first letter.",
        "During the last meeting the directors explained that the homework club had been running for three "
        "years, but that the association and the school did not share the same expectations about the "
        "children who attend it, nor about the way progress should be reported to the teachers.",
        "Could you tell us more about the way the activities are planned across the year, and about the "
        "moments when the calendar of the school and the calendar of the association do not match?",
    ]
    return "\n\n".join(textwrap.fill(p, width=72) for p in paragraphs)


def test_hard_wrapped_email_is_detected() -> None:
    assert is_hard_wrapped(_wrapped_email())


def test_seed_is_not_hard_wrapped() -> None:
    assert not is_hard_wrapped(require_shared(SEED).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "one line only",
        "I: How did it start?\nR: With a phone call.\nI: And then?\nR: We met at the school.\nI: Who came?",
        "Short line.\nAnother one.\nA third one here.\nAnd the fourth.",
    ],
)
def test_line_per_paragraph_text_is_not_hard_wrapped(text: str) -> None:
    assert not is_hard_wrapped(text)
