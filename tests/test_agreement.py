"""Inter-coder agreement: the hand-written statistics equal the reference implementations."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.analysis.agreement import (
    ALL_CODES,
    ALL_DOCUMENTS,
    AgreementError,
    agreement_table,
    character_agreement,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    percent_agreement,
)

TOL = 1e-9


def sk_kappa(a, b):
    metrics = pytest.importorskip("sklearn.metrics")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return metrics.cohen_kappa_score(a, b)


def ref_alpha(matrix):
    """``krippendorff.alpha``, NaN where it refuses the data (a single value, no pairable unit)."""
    krippendorff = pytest.importorskip("krippendorff")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return krippendorff.alpha(
                reliability_data=np.asarray(matrix, dtype=float), level_of_measurement="nominal"
            )
        except ValueError:
            return float("nan")


def same(x, y):
    return (math.isnan(x) and math.isnan(y)) or abs(x - y) <= TOL


# --- plain statistics ---


KRIPPENDORFF_EXAMPLE = [  # Krippendorff (2011), also the krippendorff package's docstring: alpha = 0.691358
    [np.nan, np.nan, np.nan, np.nan, np.nan, 3, 4, 1, 2, 1, 1, 3, 3, np.nan, 3],
    [1, np.nan, 2, 1, 3, 3, 4, 3, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
    [np.nan, np.nan, 2, 1, 3, 4, 4, np.nan, 2, 1, 1, 3, 3, np.nan, 4],
]


def test_alpha_on_krippendorffs_example():
    assert krippendorff_alpha_nominal(KRIPPENDORFF_EXAMPLE) == pytest.approx(0.691358, abs=1e-6)
    assert same(krippendorff_alpha_nominal(KRIPPENDORFF_EXAMPLE), ref_alpha(KRIPPENDORFF_EXAMPLE))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([0, 1, 1, 0, 1, 0, 0, 1], [0, 1, 0, 0, 1, 1, 0, 1]),
        ([0, 1, 2, 2, 1, 0], [0, 2, 2, 2, 1, 1]),
        ([1, 1, 1, 0], [1, 1, 1, 1]),
        ([0, 0, 0], [1, 1, 1]),
    ],
)
def test_cohen_kappa_by_hand(a, b):
    assert same(cohen_kappa(a, b), sk_kappa(a, b))


def test_cohen_kappa_labels_and_missing_pairs():
    assert cohen_kappa(["yes", "no", "yes", None], ["yes", "no", "no", "no"]) == pytest.approx(
        sk_kappa(["yes", "no", "yes"], ["yes", "no", "no"])
    )


@pytest.mark.parametrize("data", [[[0, 0, 0], [0, 0, 0]], [[1, 1], [1, 1]], [[], []]])
def test_undefined_statistics_are_nan(data):
    assert math.isnan(cohen_kappa(*data))
    assert math.isnan(fleiss_kappa(data))
    assert math.isnan(krippendorff_alpha_nominal(data))


def test_percent_agreement_leaves_out_incomplete_units():
    assert percent_agreement([[1, 0, 1, np.nan], [1, 1, 1, 0], [1, 0, 1, 0]]) == pytest.approx(200 / 3)
    assert math.isnan(percent_agreement([[1, np.nan], [np.nan, 0]]))


def test_fleiss_kappa_on_fleiss_wikipedia_example():
    counts = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    raters = 14
    # coders x units: rater r gives unit u the category of its r-th rating
    matrix = np.array([[v for v, k in enumerate(row) for _ in range(k)] for row in counts]).T
    p_bar = sum((sum(k * k for k in row) - raters) / (raters * (raters - 1)) for row in counts) / len(counts)
    p_e = sum((sum(col) / (len(counts) * raters)) ** 2 for col in zip(*counts, strict=True))
    assert fleiss_kappa(matrix) == pytest.approx((p_bar - p_e) / (1 - p_e), abs=TOL)
    assert round(fleiss_kappa(matrix), 3) == 0.210


nominal = st.sampled_from([0.0, 1.0, 2.0, np.nan])


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 30).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 3), min_size=n, max_size=n),
            st.lists(st.integers(0, 3), min_size=n, max_size=n),
        )
    )
)
def test_cohen_kappa_equals_sklearn(pair):
    assert same(cohen_kappa(*pair), sk_kappa(*pair))


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 5).flatmap(
        lambda c: st.integers(1, 25).flatmap(
            lambda u: st.lists(st.lists(nominal, min_size=u, max_size=u), min_size=c, max_size=c)
        )
    )
)
def test_alpha_equals_krippendorff_package(matrix):
    assert same(krippendorff_alpha_nominal(matrix), ref_alpha(matrix))


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 25).flatmap(
        lambda n: st.lists(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n), min_size=2, max_size=2)
    )
)
def test_two_coder_fleiss_is_scotts_pi_and_alpha_follows(matrix):
    a, b = np.asarray(matrix)
    n = 2 * len(a)
    p_o = (a == b).mean()
    p_e = ((a.sum() + b.sum()) / n) ** 2 + ((n - a.sum() - b.sum()) / n) ** 2
    pi = (p_o - p_e) / (1 - p_e) if p_e != 1 else float("nan")
    assert same(fleiss_kappa(matrix), pi)
    assert same(
        krippendorff_alpha_nominal(matrix), 1 - (n - 1) / n * (1 - p_o) / (1 - p_e) if p_e != 1 else pi
    )


# --- segment-level table ---


def make_segments(sizes):
    rows = [(d, i, "paragraph", 100 * i, 100 * i + 90) for d, n in sizes.items() for i in range(n)]
    return pd.DataFrame(rows, columns=["document", "segment_id", "unit", "start", "end"])


def make_codings(marks):
    """marks: (document, segment_id, code, coder) -> codings rows at segment level."""
    rows = [(d, s, "paragraph", 100 * s, 100 * s + 90, code, coder) for d, s, code, coder in marks]
    return pd.DataFrame(rows, columns=["document", "segment_id", "unit", "start", "end", "code", "coder"])


SEGMENTS = make_segments({"d1": 4, "d2": 3})
CODINGS = make_codings(
    [
        ("d1", 0, "A", "ann"),
        ("d1", 1, "A", "ann"),
        ("d1", 0, "A", "bob"),
        ("d1", 2, "B", "bob"),
        ("d2", 1, "A", "ann"),
        ("d2", 1, "A", "bob"),
        ("d2", 2, "B", "ann"),
        ("d2", 2, "B", "bob"),
    ]
)


def test_table_by_hand():
    table = agreement_table(CODINGS, SEGMENTS, ["ann", "bob"]).set_index("code")
    ann_a, bob_a = [1, 1, 0, 0, 0, 1, 0], [1, 0, 0, 0, 0, 1, 0]
    ann_b, bob_b = [0, 0, 0, 0, 0, 0, 1], [0, 0, 1, 0, 0, 0, 1]
    assert list(table.index) == ["A", "B", ALL_CODES]
    assert table.loc["A", ["units", "n_ann", "n_bob"]].tolist() == [7, 3, 2]
    assert table.loc[ALL_CODES, ["units", "n_ann", "n_bob"]].tolist() == [14, 4, 4]
    assert table.loc["A", "percent_agreement"] == pytest.approx(100 * 6 / 7)
    for code, a, b in [("A", ann_a, bob_a), ("B", ann_b, bob_b), (ALL_CODES, ann_a + ann_b, bob_a + bob_b)]:
        assert same(table.loc[code, "cohen_kappa"], sk_kappa(a, b))
        assert same(table.loc[code, "krippendorff_alpha"], ref_alpha([a, b]))
        assert table.loc[code, "reason"] == ""


def test_untouched_document_is_missing_not_absent():
    codings = pd.concat([CODINGS, make_codings([("d1", 3, "A", "cat")])])
    table = agreement_table(codings, SEGMENTS, ["ann", "bob", "cat"], codes=["A"]).set_index("code")
    # cat never touched d2: only d1's 4 segments are common; alpha also uses d2 with cat missing
    assert table.loc["A", "units"] == 4 and table.loc["A", "alpha_units"] == 7
    matrix = [[1, 1, 0, 0, 0, 1, 0], [1, 0, 0, 0, 0, 1, 0], [0, 0, 0, 1, np.nan, np.nan, np.nan]]
    assert same(table.loc["A", "krippendorff_alpha"], ref_alpha(matrix))
    assert same(table.loc["A", "fleiss_kappa"], fleiss_kappa(np.asarray(matrix)[:, :4]))
    assert math.isnan(table.loc["A", "cohen_kappa"])
    assert "Cohen's kappa compares exactly two coders (got 3)" in table.loc["A", "reason"]


def test_coverage_says_a_coder_read_a_document_and_coded_nothing():
    coverage = {"ann": ["d1", "d2"], "bob": ["d1", "d2"], "cat": ["d1", "d2"]}
    codings = pd.concat([CODINGS, make_codings([("d1", 3, "A", "cat")])])
    table = agreement_table(codings, SEGMENTS, ["ann", "cat"], codes=["A"], coverage=coverage)
    assert table.loc[0, "units"] == 7
    frame = pd.DataFrame(
        {
            "coder": ["ann", "ann", "cat", "cat"],
            "document": ["d1", "d2", "d1", "d2"],
            "segment_id": [None, 0, None, 0],
        }
    )
    table = agreement_table(codings, SEGMENTS, ["ann", "cat"], codes=["A"], coverage=frame)
    assert table.loc[0, "units"] == 5  # d1 in full + segment 0 of d2


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        ([], "no variance — both coders coded no unit with C"),
        (
            [("d1", s, "C", c) for s in range(4) for c in ("ann", "bob")]
            + [("d2", s, "C", c) for s in range(3) for c in ("ann", "bob")],
            "no variance — both coders coded every unit with C",
        ),
    ],
)
def test_undefined_is_nan_with_a_reason(marks, expected):
    table = agreement_table(pd.concat([CODINGS, make_codings(marks)]), SEGMENTS, codes=["C"])
    row = table.iloc[0]
    assert math.isnan(row["cohen_kappa"]) and math.isnan(row["krippendorff_alpha"])
    assert row["percent_agreement"] == 100
    assert row["reason"] == f"cohen_kappa, fleiss_kappa, krippendorff_alpha undefined: {expected}"


def test_no_document_in_common():
    codings = make_codings([("d1", 0, "A", "ann"), ("d2", 0, "A", "bob")])
    row = agreement_table(codings, SEGMENTS).iloc[0]
    assert row["units"] == 0 and math.isnan(row["percent_agreement"]) and math.isnan(row["cohen_kappa"])
    assert "no segment coded by every coder (no document in common to ann, bob)" in row["reason"]
    assert "krippendorff_alpha undefined: no segment coded by at least two coders" in row["reason"]


def test_codings_without_segment_ids_count_where_they_overlap():
    spans = pd.DataFrame(
        {
            "document": ["d1", "d1"],
            "coder": ["ann", "ann"],
            "code": ["A", "A"],
            "start": [10, 150],
            "end": [20, 230],
            "unit": ["sentence", None],
        }
    )
    table = agreement_table(pd.concat([spans, make_codings([("d1", 0, "A", "bob")])]), SEGMENTS)
    assert table.loc[0, ["units", "n_ann", "n_bob"]].tolist() == [4, 3, 1]  # 10:20 -> 0; 150:230 -> 1, 2


def test_bad_input_lists_every_problem():
    codings = make_codings([("d1", 9, "A", "ann"), ("d3", 0, "A", "bob")])
    with pytest.raises(AgreementError) as error:
        agreement_table(codings, SEGMENTS)
    assert len(error.value.problems) == 2
    assert "segment 9 of 'd1'" in str(error.value) and "segment 0 of 'd3'" in str(error.value)
    with pytest.raises(AgreementError, match="at least two coders"):
        agreement_table(CODINGS, SEGMENTS, ["ann"])
    with pytest.raises(AgreementError, match="lacks the column"):
        agreement_table(CODINGS.drop(columns="coder"), SEGMENTS.drop(columns="end"))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_table_equals_references_on_random_codings(data):
    coders = ["h1", "h2", "h3"][: data.draw(st.integers(2, 3))]
    sizes = {f"d{i}": data.draw(st.integers(1, 4)) for i in range(data.draw(st.integers(1, 3)))}
    segments = make_segments(sizes)
    codes = ["A", "B"]
    coverage = {c: [d for d in sizes if data.draw(st.booleans())] for c in coders}
    values = {
        (code, c): [
            data.draw(st.sampled_from([0, 1])) if d in coverage[c] else np.nan
            for d, n in sizes.items()
            for _ in range(n)
        ]
        for code in codes
        for c in coders
    }
    keys = list(zip(segments["document"], segments["segment_id"], strict=True))
    marks = [(*keys[u], code, c) for (code, c), v in values.items() for u, x in enumerate(v) if x == 1]
    table = agreement_table(make_codings(marks), segments, coders, codes=codes, coverage=coverage)
    for i, code in enumerate([*codes, ALL_CODES]):
        row = table.iloc[i]
        matrix = np.array(
            [
                [x for k in codes for x in values[k, c]] if code == ALL_CODES else values[code, c]
                for c in coders
            ]
        )
        complete = matrix[:, ~np.isnan(matrix).any(axis=0)]
        assert row["units"] == complete.shape[1]
        assert [row[f"n_{c}"] for c in coders] == complete.sum(axis=1).tolist()
        if complete.shape[1] and len(coders) == 2:
            assert same(row["cohen_kappa"], sk_kappa(*complete))
        assert same(row["krippendorff_alpha"], ref_alpha(matrix[:, (~np.isnan(matrix)).sum(axis=0) >= 2]))
        undefined = [s for s in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha") if math.isnan(row[s])]
        assert all(s in row["reason"] for s in undefined)


# --- character level (NVivo) ---


def spans(rows):
    return pd.DataFrame(rows, columns=["document", "coder", "code", "start", "end"])


def test_character_agreement_by_hand():
    # A codes 0:10 (in two overlapping codings), B codes 2:12 and 15:18, in a 20-character document
    codings = spans(
        [
            ("doc", "A", "x", 0, 6),
            ("doc", "A", "x", 4, 10),
            ("doc", "B", "x", 2, 12),
            ("doc", "B", "x", 15, 18),
        ]
    )
    row = character_agreement(codings, {"doc": "a" * 20}, ["A", "B"]).iloc[0]
    both, neither = 8, 5  # 2:10 by both; 12:15 and 18:20 by neither
    ta = both + neither  # 13
    ef = (10 * 13 + 10 * 7) / 20  # coded_A x coded_B + not_A x not_B, over TU: 10.0
    assert row[["tu", "coded_a", "coded_b", "both", "neither", "ta"]].tolist() == [
        20,
        10,
        13,
        both,
        neither,
        ta,
    ]
    assert row["ef"] == ef
    assert row["percent_agreement"] == 65.0
    assert row["kappa"] == pytest.approx((ta - ef) / (20 - ef)) == pytest.approx(0.3)


def test_character_agreement_pools_documents_and_explains_nan():
    codings = spans(
        [("d1", "A", "x", 0, 5), ("d1", "B", "x", 0, 5), ("d2", "A", "y", 0, 1), ("d2", "B", "y", 1, 2)]
    )
    table = character_agreement(codings, pd.Series({"d1": 10, "d2": 4}))
    assert table["document"].tolist() == ["d1", "d2", ALL_DOCUMENTS] * 2
    x_d2 = table.iloc[1]
    assert x_d2["percent_agreement"] == 100 and math.isnan(x_d2["kappa"])
    assert x_d2["reason"] == "kappa undefined: no variance — neither coder coded any character with x"
    pooled = table.iloc[2]
    assert pooled["tu"] == 14 and pooled["ta"] == 14 and pooled["kappa"] == 1


def test_character_agreement_problems():
    codings = spans([("d1", "A", "x", 0, 50), ("d2", "B", "x", 0, 1), ("d2", "A", "x", 0, 1)])
    with pytest.raises(AgreementError) as error:
        character_agreement(codings, {"d1": 10})
    assert "outside its 10 characters" in str(error.value) and "no length for document 'd2'" in str(
        error.value
    )


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 60).flatmap(
        lambda n: st.tuples(
            st.just(n),
            *(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=4) for _ in range(2)),
        )
    )
)
def test_character_kappa_is_cohens_kappa_over_characters(case):
    n, a, b = case
    rows = [
        ("doc", coder, "x", min(s, e), max(s, e)) for coder, found in (("A", a), ("B", b)) for s, e in found
    ]
    row = character_agreement(
        spans(rows), {"doc": n}, ["A", "B"], codes=["x"], coverage={"A": ["doc"], "B": ["doc"]}
    ).iloc[0]
    chars = {c: np.zeros(n, int) for c in "AB"}
    for _, coder, _, s, e in rows:
        chars[coder][s:e] = 1
    assert same(row["kappa"], sk_kappa(chars["A"], chars["B"]))
    assert row["percent_agreement"] == pytest.approx(100 * (chars["A"] == chars["B"]).mean())


def test_errors_are_qualcode_errors():
    from qualcode.model.errors import QualcodeError

    assert issubclass(AgreementError, QualcodeError)
    with pytest.raises(ValueError, match="same length"):
        cohen_kappa([0, 1], [0])
    with pytest.raises(AgreementError, match="coverage lacks the column"):
        agreement_table(CODINGS, SEGMENTS, coverage=pd.DataFrame({"coder": ["ann"]}))
    with pytest.raises(AgreementError, match="coverage has no entry for coder 'bob'"):
        agreement_table(CODINGS, SEGMENTS, coverage={"ann": ["d1"]})


@pytest.mark.parametrize(("successes", "trials", "expected"), [
    (50, 100, (0.4038, 0.5962)),  # the textbook case
    (3, 3, (0.4385, 1.0)),  # all right on three passages: far from certain
    (0, 5, (0.0, 0.4345)),
    (22, 26, (0.6647, 0.9385)),
])
def test_wilson_interval_of_a_precision_or_recall(successes, trials, expected):
    from qualcode.analysis.statistics import wilson_interval

    low, high = wilson_interval(successes, trials)
    assert (round(low, 4), round(high, 4)) == expected
    assert low <= successes / trials <= high
    assert wilson_interval(successes, trials, confidence=0.99)[0] <= low  # wider at a higher confidence


def test_wilson_interval_without_trials_is_undefined_and_bad_counts_are_refused():
    from qualcode.analysis.statistics import wilson_interval

    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(ValueError, match="successes <= trials"):
        wilson_interval(4, 3)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 2, confidence=95)
