"""Analysis tables and retrieval: exact values computed by hand on a small corpus."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualcode as qc
from qualcode.analysis.retrieval import kwic, retrieve
from qualcode.analysis.tables import (
    cooccurrence,
    cooccurrence_matrix,
    theme_by_attribute,
    theme_frequency,
    theme_matrix,
)
from qualcode.ingest.structure import build_transcript
from qualcode.model.codebook import Code, Codebook, Rules
from qualcode.model.transcript import Block, RawDocument

BOOK = Codebook(
    "t",
    [
        Code("famille", rules={"fr": Rules(terms=("famille",))}),
        Code("parents", parent="famille", rules={"fr": Rules(terms=("parent",))}),
        Code("enfants", parent="famille", rules={"fr": Rules(terms=("enfant",))}),
        Code("temps", rules={"fr": Rules(terms=("temps",))}),
        Code("confiance", rules={"fr": Rules(terms=("confiance",))}),
    ],
)

# The segments (paragraphs, without the speaker labels) and their codes, by hand.
A1 = "Parlez-moi des parents."  # parents
A2 = "Les parents et les enfants manquent de temps."  # parents, enfants, temps
A3 = "La confiance se construit, « avec le temps » dit-on."  # confiance, temps; a quote
A4 = "Rien à signaler."  # nothing
A5 = "La confiance revient."  # confiance
B1 = "Et la famille ?"  # famille
B2 = "Ma famille et mes enfants d'abord. « Parents, c'est nous » !"  # famille, enfants, parents; a quote
B3 = "Pas le temps."  # temps
C1, C2 = "Bonjour.", "Les horaires."  # nothing
TEXT_A = f"I : {A1}\nP : {A2}\nP : {A3}\nP : {A4}\nP : {A5}"
TEXT_B = f"I : {B1}\nP : {B2}\nP : {B3}"
TEXT_C = f"P : {C1}\nP : {C2}"
CODES = ["famille", "parents", "enfants", "temps", "confiance"]


def transcript(text: str, doc_id: str, attributes: dict[str, str], language: str = "fr") -> qc.Transcript:
    t = build_transcript(RawDocument([Block(text)], "txt"), doc_id, language=language)
    t.metadata["attributes"] = attributes
    return t


@pytest.fixture(scope="module")
def transcripts() -> list[qc.Transcript]:
    return [
        transcript(TEXT_A, "a", {"role": "directrice", "site": "Nord"}),
        transcript(TEXT_B, "b", {"role": "parent", "site": "Nord"}),
        transcript(TEXT_C, "c", {"site": "Sud"}),
    ]


@pytest.fixture(scope="module")
def result(transcripts) -> qc.CodingResult:
    return qc.Coder(BOOK, speakers="all").code(transcripts)  # the interviewer's segments are counted too


def cell(frame: pd.DataFrame, **keys) -> pd.Series:
    rows = frame.loc[(frame[list(keys)] == pd.Series(keys)).all(axis=1)]
    assert len(rows) == 1, keys
    return rows.iloc[0]


def test_the_corpus_is_as_written(transcripts, result):
    assert [t.text for t in transcripts] == [TEXT_A, TEXT_B, TEXT_C]
    texts = result.segments.groupby("document")["text"].apply(list).to_dict()
    assert texts == {"a": [A1, A2, A3, A4, A5], "b": [B1, B2, B3], "c": [C1, C2]}
    coded = result.codings.groupby(["document", "segment_id"])["code"].apply(list).to_dict()
    assert coded == {
        ("a", 1): ["parents"],
        ("a", 2): ["parents", "enfants", "temps"],
        ("a", 3): ["temps", "confiance"],
        ("a", 5): ["confiance"],
        ("b", 1): ["famille"],
        ("b", 2): ["famille", "parents", "enfants"],
        ("b", 3): ["temps"],
    }


def test_theme_frequency_counts_shares_and_coverage(result):
    frequency = theme_frequency(result)
    assert list(frequency.columns) == ["document", "code", "segments", "share", "coverage", "present"]
    assert len(frequency) == 3 * 5
    row = cell(frequency, document="a", code="parents")
    assert (row.segments, row.share, row.present) == (2, 2 / 5, 1)
    assert row.coverage == pytest.approx((len(A1) + len(A2)) / len(TEXT_A))
    row = cell(frequency, document="b", code="temps")
    assert (row.segments, row.share) == (1, 1 / 3)
    assert row.coverage == pytest.approx(len(B3) / len(TEXT_B))
    row = cell(frequency, document="c", code="confiance")
    assert (row.segments, row.share, row.coverage, row.present) == (0, 0, 0, 0)
    assert cell(frequency, document="a", code="famille").segments == 0


def test_rollup_counts_a_segment_once_for_the_parent(result):
    frequency = theme_frequency(result, rollup=True)
    row = cell(frequency, document="a", code="famille")  # A1 (parents), A2 (parents and enfants): twice
    assert (row.segments, row.share) == (2, 2 / 5)
    assert row.coverage == pytest.approx((len(A1) + len(A2)) / len(TEXT_A))
    row = cell(frequency, document="b", code="famille")  # B1 (famille), B2 (famille, enfants, parents)
    assert row.segments == 2
    assert row.coverage == pytest.approx((len(B1) + len(B2)) / len(TEXT_B))
    assert cell(frequency, document="a", code="parents").segments == 2  # children are unchanged
    assert list(retrieve(result, "famille", rollup=True)["segment_id"]) == [1, 2, 1, 2]


def test_theme_matrix_pivots_and_totals_equal_the_codings(result):
    frequency = theme_frequency(result)
    wide = theme_matrix(frequency, totals=True)
    assert list(wide.index) == ["a", "b", "c", "Total"]
    assert list(wide.columns) == [*CODES, "Total"]
    assert wide.loc["Total", "Total"] == len(result.codings) == 12
    assert list(wide.loc["a"]) == [0, 2, 1, 2, 2, 7]
    assert list(wide["temps"]) == [2, 1, 0, 3]
    assert list(theme_matrix(frequency, "present", totals=True).loc["Total"]) == [1, 2, 2, 2, 1, 8]
    assert theme_matrix(frequency, "share").loc["b", "parents"] == 1 / 3
    with pytest.raises(ValueError, match="'totals' parameter of theme_matrix must be False for a ratio"):
        theme_matrix(frequency, "coverage", totals=True)
    with pytest.raises(ValueError, match="'value' parameter of theme_matrix must be a column of the table"):
        theme_matrix(frequency, "count")


def test_theme_frequency_still_takes_a_bare_codings_frame(result):
    frequency = theme_frequency(result.codings)
    assert list(frequency.columns) == ["document", "code", "segments", "present"]
    assert frequency["segments"].sum() == 12
    with pytest.raises(ValueError, match="'rollup' parameter of theme_frequency needs a CodingResult"):
        theme_frequency(result.codings, rollup=True)
    with pytest.raises(TypeError, match="'result' parameter of theme_frequency must be a CodingResult"):
        theme_frequency([1, 2])


def test_theme_by_attribute_groups_documents_and_names_the_missing(result):
    by_role = theme_by_attribute(result, "role")
    assert list(by_role.columns) == [
        "role",
        "code",
        "documents",
        "documents_coded",
        "segments",
        "share",
        "coverage",
    ]
    assert list(dict.fromkeys(by_role["role"])) == ["directrice", "parent", "(missing)"]
    row = cell(by_role, role="parent", code="enfants")
    assert (row.documents, row.documents_coded, row.segments, row.share) == (1, 1, 1, 1 / 3)
    assert row.coverage == pytest.approx(len(B2) / len(TEXT_B))
    row = cell(by_role, role="(missing)", code="temps")
    assert (row.documents, row.documents_coded, row.segments, row.share, row.coverage) == (1, 0, 0, 0, 0)
    by_site = theme_by_attribute(result, "site")
    row = cell(by_site, site="Nord", code="temps")
    assert (row.documents, row.documents_coded, row.segments, row.share) == (2, 2, 3, 3 / 8)
    assert row.coverage == pytest.approx((len(A2) + len(A3) + len(B3)) / (len(TEXT_A) + len(TEXT_B)))
    assert by_site["segments"].sum() == len(result.codings)
    assert (
        cell(theme_by_attribute(result, "role", rollup=True), role="directrice", code="famille").segments == 2
    )


def test_unknown_attribute_names_the_columns(result):
    with pytest.raises(ValueError, match=r"must be a column of the document table: .*role, site\. Got 'age'"):
        theme_by_attribute(result, "age")


def test_cooccurrence_counts_and_c_coefficient(result):
    table = cooccurrence(result)
    assert list(table.columns) == ["code_a", "code_b", "n_a", "n_b", "n_ab", "c_coefficient"]
    assert len(table) == 5 * 4 / 2
    row = cell(table, code_a="parents", code_b="enfants")  # A2 and B2
    assert (row.n_a, row.n_b, row.n_ab, row.c_coefficient) == (3, 2, 2, 2 / 3)
    row = cell(table, code_a="parents", code_b="temps")  # A2 only
    assert (row.n_ab, row.c_coefficient) == (1, 1 / 5)
    assert cell(table, code_a="famille", code_b="confiance").c_coefficient == 0
    rolled = cell(cooccurrence(result, rollup=True), code_a="famille", code_b="parents")
    assert (rolled.n_a, rolled.n_b, rolled.n_ab) == (4, 3, 3)  # famille: A1, A2, B1, B2


@pytest.mark.parametrize("window, n_ab", [(0, 1), (1, 1), (2, 2), (10, 2)])
def test_window_cooccurrence_is_symmetric_and_stays_in_the_document(result, window, n_ab):
    # temps: A2, A3, B3; confiance: A3, A5. Within 1: temps A2, A3 have confiance near (2) but only
    # confiance A3 has temps near (1): the smaller, 1. Within 2, A5 reaches A3 too. B3 never counts.
    row = cell(cooccurrence(result, window=window), code_a="temps", code_b="confiance")
    assert (row.n_a, row.n_b, row.n_ab) == (3, 2, n_ab)
    assert row.c_coefficient == n_ab / (3 + 2 - n_ab)


def test_cooccurrence_matrix_is_symmetric_with_counts_on_the_diagonal(result):
    table = cooccurrence(result)
    counts = cooccurrence_matrix(table)
    assert list(counts.index) == list(counts.columns) == CODES
    assert (counts.to_numpy() == counts.to_numpy().T).all()
    assert [counts.loc[c, c] for c in CODES] == [2, 3, 2, 3, 2]
    assert counts.loc["enfants", "parents"] == 2
    ratios = cooccurrence_matrix(table, "c_coefficient")
    assert ratios.loc["temps", "parents"] == 1 / 5 and ratios.loc["temps", "temps"] == 1
    with pytest.raises(ValueError, match="'window' parameter of cooccurrence must be an integer >= 0"):
        cooccurrence(result, window=-1)


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"code": "parents"}, [("a", 1), ("a", 2), ("b", 2)]),
        ({"all_of": ("parents", "temps")}, [("a", 2)]),
        ({"code": "parents", "none_of": ("enfants",)}, [("a", 1)]),
        ({"any_of": ("confiance", "famille")}, [("a", 3), ("a", 5), ("b", 1), ("b", 2)]),
        ({"code": "temps", "any_of": ("confiance", "enfants")}, [("a", 2), ("a", 3)]),
        ({"none_of": "parents"}, [("a", 3), ("a", 4), ("a", 5), ("b", 1), ("b", 3), ("c", 1), ("c", 2)]),
    ],
)
def test_boolean_retrieval(result, query, expected):
    found = retrieve(result, **query)
    assert list(zip(found["document"], found["segment_id"], strict=True)) == expected


def test_retrieved_segments_are_ready_to_quote(result):
    found = retrieve(result, all_of=("parents", "temps"))
    assert list(found.columns) == [
        "document",
        "segment_id",
        "speaker",
        "section",
        "start",
        "end",
        "codes",
        "text",
        "role",
        "site",
    ]
    row = found.iloc[0]
    assert (row.speaker, row.codes, row.text, row.role, row.site) == (
        "P",
        "parents, enfants, temps",
        A2,
        "directrice",
        "Nord",
    )
    assert TEXT_A[row.start : row.end] == A2
    assert retrieve(result, "famille", rollup=True).iloc[1].codes == "famille, parents, enfants, temps"


def test_quotes_only_returns_the_quotes_inside_the_segments(result):
    quotes = retrieve(result, "temps", quotes_only=True)
    assert list(quotes.columns) == [
        "document",
        "segment_id",
        "speaker",
        "section",
        "codes",
        "start",
        "end",
        "quote",
        "role",
        "site",
    ]
    assert list(quotes["quote"]) == ["« avec le temps »"]
    row = quotes.iloc[0]
    assert (row.document, row.segment_id, row.codes) == ("a", 3, "temps, confiance")
    assert (row.start, row.end) == (TEXT_A.index("«"), TEXT_A.index("»") + 1)
    assert list(retrieve(result, any_of=("parents", "confiance"), quotes_only=True)["quote"]) == [
        "« avec le temps »",
        "« Parents, c'est nous »",
    ]
    assert retrieve(result, "parents", none_of="famille", quotes_only=True).empty


def test_retrieve_reports_every_unknown_code(result):
    with pytest.raises(ValueError, match=r"'code' parameter .* 'parent' instead.*'none_of' parameter .* 'x'"):
        retrieve(result, "parent", none_of=("x",))
    with pytest.raises(ValueError, match="retrieve needs a code"):
        retrieve(result)


@pytest.mark.parametrize(
    "term, lemma, expected",
    [
        ("parent", True, ["parents", "parents", "Parents"]),
        ("Parents", True, ["parents", "parents", "Parents"]),
        ("parent", False, []),
        ("PARENTS", False, ["parents", "parents", "Parents"]),
        ("manquer de temps", True, ["manquent de temps"]),
        ("manquer de temps", False, []),
    ],
)
def test_kwic_on_lemma_or_form(transcripts, term, lemma, expected):
    found = kwic(transcripts, term, lemma=lemma)
    assert list(found["match"]) == expected
    texts = {t.id: t.text for t in transcripts}
    for row in found.itertuples():
        assert texts[row.document][row.start : row.end] == row.match


def test_kwic_context_speaker_and_offsets(transcripts):
    found = kwic(transcripts, "enfant", window=2)
    assert list(found.columns) == ["document", "start", "end", "left", "match", "right", "speaker", "section"]
    first = found.iloc[0]
    assert (first.document, first.left, first.match, first.right, first.speaker) == (
        "a",
        "et les",
        "enfants",
        "manquent de",
        "P",
    )
    assert first.start == TEXT_A.index("enfants")
    assert list(found["left"]) == ["et les", "et mes"]
    assert kwic(transcripts, "enfant", window=3).iloc[0].left == "parents et les"
    assert kwic(transcripts, "enfant", window=0).iloc[0].left == ""


def test_kwic_in_english_finds_the_possessive():
    t = transcript("P : The parent's view. Parents came. A parent spoke.", "en", {}, language="en")
    assert list(kwic(t, "parents")["match"]) == ["parent", "Parents", "parent"]
    assert list(kwic([t], "parents", lemma=False)["match"]) == ["Parents"]
    with pytest.raises(ValueError, match="'term' parameter of kwic must be a word or phrase"):
        kwic(t, " ")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                [
                    "Les parents",
                    "la famille",
                    "nos enfants",
                    "le temps",
                    "confiance",
                    "rien",
                    "\n",
                    "P :",
                    "« oui »",
                ]
            ),
            min_size=1,
            max_size=15,
        ),
        min_size=1,
        max_size=3,
    ),
    st.integers(0, 3),
    st.booleans(),
)
def test_tables_invariants(documents, window, rollup):
    transcripts = [
        transcript(" ".join(parts), f"d{i}", {"site": "x" if i else ""}) for i, parts in enumerate(documents)
    ]
    result = qc.Coder(BOOK).code(transcripts)
    frequency = theme_frequency(result)
    assert frequency["segments"].sum() == len(result.codings)
    assert theme_matrix(frequency, totals=True).loc["Total", "Total"] == len(result.codings)
    by_site = theme_by_attribute(result, "site")
    assert by_site["segments"].sum() == len(result.codings)
    assert list(dict.fromkeys(by_site["site"])) == ["x", "(missing)"][1 - (len(documents) > 1) :]
    for table in (
        frequency,
        theme_frequency(result, rollup=True),
        theme_by_attribute(result, "site", rollup=rollup),
    ):
        assert table["coverage"].between(0, 1).all() and table["share"].between(0, 1).all()
    pairs = cooccurrence(result, window=window, rollup=rollup)
    assert ((pairs["n_ab"] <= pairs["n_a"]) & (pairs["n_ab"] <= pairs["n_b"])).all()
    assert all(math.isnan(c) or 0 <= c <= 1 for c in pairs["c_coefficient"])
    assert (pairs["n_ab"] >= cooccurrence(result, rollup=rollup)["n_ab"]).all()
    assert len(retrieve(result, any_of=CODES, rollup=rollup)) == len(
        result.codings[["document", "segment_id"]].drop_duplicates()
    )
