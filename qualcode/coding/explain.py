"""Why a segment is suggested, in words a researcher can check: the coded passage it is closest to, and
the words in it that weigh most for the code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["explain", "quote"]

QUOTE_WORDS = 12
TOP_WORDS = 3


def quote(text: str, words: int = QUOTE_WORDS) -> str:
    """The first ``words`` words of ``text`` on one line, with an ellipsis when cut."""
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def explain(suggester: Any, code: str, rows: Sequence[int]) -> list[str]:
    """One explanation per segment index (``suggester``: a fitted :class:`qualcode.coding.suggest.Suggester`) of ``rows``: nearest coded passage (by sentence embedding) and
    the top weighted words present in the segment."""
    data, model = suggester.training_set_, suggester.models_[code]
    prototypes = suggester.prototypes_[code]
    if not rows:
        return []
    rows = list(rows)
    nearest = (suggester.vectors_[rows] @ suggester.vectors_[prototypes].T).argmax(axis=1)
    size = len(suggester.features_.vocabulary)
    words = suggester.X_[rows][:, :size].multiply(model.coef[:size]).tocsr()
    vocabulary = suggester.features_.vocabulary
    out = []
    for k in range(len(rows)):
        p = data.segments[prototypes[int(nearest[k])]]
        start, end = words.indptr[k], words.indptr[k + 1]
        values, columns = words.data[start:end], words.indices[start:end]
        top = [vocabulary[columns[c]] for c in np.argsort(-values, kind="stable")[:TOP_WORDS] if values[c] > 0]
        line = f'close to "{quote(p.text)}" ({p.document}, {p.unit} {p.segment_id})'
        out.append(line + (f"; words: {', '.join(top)}" if top else ""))
    return out
