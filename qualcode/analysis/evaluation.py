"""Validating an automatic coder against a person's coding of the same passages.

Dictionary-based content analysis asks for it before its counts are trusted: code a subset by hand, then
measure how far the automatic coding agrees, code by code. :func:`evaluate_coding` compares two coders on
the segments of one unit, with the units and coverage of :func:`qualcode.analysis.agreement.agreement_table`
(a person's segments count only in the documents, or segments, they coded or reviewed), and gives per code
the counts, precision, recall, F1 and Cohen's kappa of the automatic coder taking the person as the truth,
and the passages it missed or coded wrongly, to read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode.analysis.agreement import ALL_CODES, coded_units
from qualcode.analysis.statistics import cohen_kappa, wilson_interval

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Evaluation", "evaluate_coding"]

_COLUMNS = ["code", "units", "gold", "coded", "tp", "fp", "fn", "precision", "recall", "f1", "cohen_kappa",
            "precision_low", "precision_high", "recall_low", "recall_high", "reason"]


@dataclass
class Evaluation:
    """An automatic coder measured against a person's coding.

    ``table``: one row per code, then ``(all codes)`` (micro: every segment x code decision pooled):
    ``units`` (segments both coded), ``gold`` (the person's positives), ``coded`` (the coder's), ``tp``,
    ``fp``, ``fn``, ``precision``, ``recall``, ``f1``, ``cohen_kappa``, the 95% intervals of precision and
    recall (``precision_low``, ``precision_high``, ``recall_low``, ``recall_high``: Wilson's, see
    :func:`~qualcode.analysis.statistics.wilson_interval`; on a few dozen passages they are wide, and say how far
    the figures can be trusted), ``reason`` (why a value is NaN).
    ``passages``: one row per disagreement: ``document, segment_id, start, end, code, kind`` (``missed``:
    the person coded it and the coder did not; ``wrong``: the other way round) and ``text``.
    """

    table: pd.DataFrame
    passages: pd.DataFrame
    auto: str
    human: str

    def __repr__(self) -> str:
        micro = self.table.iloc[-1]
        return (f"Evaluation({self.auto!r} against {self.human!r}: {int(micro['units'])} decisions, precision "
                f"{micro['precision']:.3f}, recall {micro['recall']:.3f}, F1 {micro['f1']:.3f})")


def evaluate_coding(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    *,
    auto: str,
    human: str,
    codes: Sequence[str] | None = None,
    coverage: Mapping[str, Iterable[str]] | pd.DataFrame | None = None,
) -> Evaluation:
    """Precision, recall, F1 and kappa per code of coder ``auto`` against coder ``human``, and the passages
    they disagree on.

    Parameters
    ----------
    codings, segments, coverage : as for :func:`qualcode.analysis.agreement.agreement_table` (``segments``
        with a ``text`` column gives the passages their text). By default a coder covers the documents where
        it has a coding: give ``coverage`` for a person who read a document and coded nothing in it.
    auto, human : the coder measured, and the coder taken as the truth.
    codes : the codes to measure, in order; by default those either coder used.
    """
    import pandas as pd

    _, codes, covered, coded = coded_units(codings, segments, [human, auto], codes, coverage)
    both = covered.all(axis=0)
    truth, guess = coded[:, 0, :][:, both], coded[:, 1, :][:, both]  # codes x shared units, 0/1
    rows = [_row(code, truth[i], guess[i]) for i, code in enumerate(codes)]
    rows.append(_row(ALL_CODES, truth.reshape(-1), guess.reshape(-1)))
    kept = segments.reset_index(drop=True)[both]
    passages = []
    for i, code in enumerate(codes):
        for kind, where in (("missed", (truth[i] == 1) & (guess[i] == 0)), ("wrong", (truth[i] == 0) & (guess[i] == 1))):
            for seg in kept[where].itertuples(index=False):
                passages.append({"document": seg.document, "segment_id": int(seg.segment_id), "start": int(seg.start),
                                 "end": int(seg.end), "code": code, "kind": kind, "text": getattr(seg, "text", "")})
    columns = ["document", "segment_id", "start", "end", "code", "kind", "text"]
    frame = pd.DataFrame(passages, columns=columns)
    if len(frame):
        frame = frame.sort_values(["document", "segment_id", "code"], kind="stable").reset_index(drop=True)
    return Evaluation(pd.DataFrame(rows, columns=_COLUMNS), frame, auto, human)


def _row(code: str, truth: np.ndarray, guess: np.ndarray) -> dict[str, Any]:
    tp = int(((truth == 1) & (guess == 1)).sum())
    fp = int(((truth == 0) & (guess == 1)).sum())
    fn = int(((truth == 1) & (guess == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if tp else (0.0 if fp + fn else float("nan"))
    kappa = cohen_kappa(truth, guess) if len(truth) else float("nan")
    reasons = []
    if not len(truth):
        reasons.append("no segment coded by both")
    elif tp + fn == 0:
        reasons.append("the person never used this code: recall is undefined")
    if len(truth) and tp + fp == 0:
        reasons.append("the automatic coder never used this code: precision is undefined")
    precision_low, precision_high = wilson_interval(tp, tp + fp)
    recall_low, recall_high = wilson_interval(tp, tp + fn)
    return {"code": code, "units": len(truth), "gold": tp + fn, "coded": tp + fp, "tp": tp, "fp": fp, "fn": fn,
            "precision": precision, "recall": recall, "f1": f1, "cohen_kappa": kappa, "precision_low": precision_low,
            "precision_high": precision_high, "recall_low": recall_low, "recall_high": recall_high,
            "reason": "; ".join(reasons)}
