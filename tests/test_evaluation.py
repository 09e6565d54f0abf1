"""An automatic coder measured against a person's coding: the counts, scores and passages to read."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from qualcode.analysis.agreement import ALL_CODES
from qualcode.analysis.evaluation import evaluate_coding

SEGMENTS = pd.DataFrame({
    "document": ["a", "a", "a", "a", "b", "b"], "segment_id": [1, 2, 3, 4, 1, 2], "unit": "paragraph",
    "start": [0, 10, 20, 30, 0, 10], "end": [9, 19, 29, 39, 9, 19], "text": ["t1", "t2", "t3", "t4", "u1", "u2"],
})


def _codings(rows):
    return pd.DataFrame([{"document": d, "segment_id": s, "unit": "paragraph", "coder": c, "code": k,
                          "start": SEGMENTS.query("document == @d and segment_id == @s")["start"].iloc[0],
                          "end": SEGMENTS.query("document == @d and segment_id == @s")["end"].iloc[0]}
                         for d, s, c, k in rows])


def test_precision_recall_and_the_passages_to_read():
    codings = _codings([
        ("a", 1, "ana", "trust"), ("a", 2, "ana", "trust"), ("a", 3, "ana", "time"),
        ("a", 1, "auto", "trust"), ("a", 4, "auto", "trust"), ("a", 3, "auto", "time"),
        ("b", 1, "auto", "trust"),  # ana never opened document b: not counted
    ])
    result = evaluate_coding(codings, SEGMENTS, auto="auto", human="ana")
    trust = result.table.set_index("code").loc["trust"]
    assert (trust["units"], trust["tp"], trust["fp"], trust["fn"]) == (4, 1, 1, 1)
    assert trust["precision"] == 0.5 and trust["recall"] == 0.5 and trust["f1"] == 0.5
    # 1 of 2: Wilson's 95% interval, 0.095-0.905 (wide on so few passages, which is what it is there to say)
    assert trust[["precision_low", "precision_high"]].round(3).tolist() == [0.095, 0.905]
    assert trust[["recall_low", "recall_high"]].round(3).tolist() == [0.095, 0.905]
    micro = result.table.iloc[-1]
    assert micro["code"] == ALL_CODES and (micro["tp"], micro["fp"], micro["fn"]) == (2, 1, 1)
    assert result.passages[["document", "segment_id", "code", "kind", "text"]].values.tolist() == [
        ["a", 2, "trust", "missed", "t2"], ["a", 4, "trust", "wrong", "t4"]]


def test_a_reviewed_document_without_codings_counts_and_undefined_values_say_why():
    codings = _codings([("a", 1, "auto", "trust"), ("b", 1, "ana", "time")])
    result = evaluate_coding(codings, SEGMENTS, auto="auto", human="ana",
                             coverage={"ana": ["a", "b"], "auto": ["a", "b"]})
    table = result.table.set_index("code")
    assert table.loc["trust", "fp"] == 1 and math.isnan(table.loc["trust", "recall"])
    assert math.isnan(table.loc["trust", "recall_low"]) and table.loc["trust", "precision_low"] == 0.0
    assert "the person never used this code" in table.loc["trust", "reason"]
    assert table.loc["time", "fn"] == 1 and "never used this code: precision" in table.loc["time", "reason"]


def test_an_unknown_coder_is_an_error():
    from qualcode.analysis.agreement import AgreementError

    with pytest.raises(AgreementError):
        evaluate_coding(_codings([("a", 1, "ana", "trust")]), SEGMENTS, auto="bob", human="ana")
