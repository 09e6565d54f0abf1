"""The suggester's arithmetic: one logistic regression per code, calibrated and thresholded by cross-validation.

For each code, the labelled segments (every segment of a document the coder has coded, and the segments
where the coder decided on a suggestion of that code) are split into folds by document (or, with fewer than
three documents, by runs of ten consecutive segments, so that a passage and its neighbours stay together).
The out-of-fold decision values give a sigmoid calibration (Platt) and the threshold that maximises F1;
the model used for new segments is then fitted on all the labelled segments. Seeded, so deterministic.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

__all__ = ["CodeModel", "best_threshold", "fit_code", "folds_of", "precise_threshold", "run_share", "smooth",
           "within_fold_auc"]

LEAST_SLOPE = 0.3  # the calibration's least slope: a model's own ranking always counts (PDPilot dev)
BLOCK = 10  # consecutive segments kept in one fold when there are too few documents


@dataclass
class CodeModel:
    """One code's learnt model: weights, calibration ``score = 1 / (1 + exp(a * decision + b))`` and threshold;
    ``oof`` holds the calibrated out-of-fold scores of the labelled rows (NaN where not labelled)."""

    coef: np.ndarray
    intercept: float
    a: float
    b: float
    threshold: float
    oof: np.ndarray | None = None

    def decision(self, X: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.coef).ravel() + self.intercept

    def score(self, X: sparse.csr_matrix) -> np.ndarray:
        return _sigmoid(self.decision(X), self.a, self.b)


def folds_of(documents: Sequence[str], y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """The fold (0..k-1) of each labelled row: grouped by document (or by blocks), stratified, seeded."""
    from sklearn.model_selection import StratifiedGroupKFold

    groups = _codes(documents)
    if len(set(documents)) >= 3:
        k = min(folds, len(set(documents)))
    else:
        groups = np.arange(len(documents)) // BLOCK
        k = max(2, min(folds, int(groups.max()) + 1 if len(groups) else 2))
    out = np.zeros(len(documents), dtype=int)
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # fewer positives than folds: some folds hold none, as they must
        warnings.simplefilter("ignore", UserWarning)
        for fold, (_, test) in enumerate(splitter.split(np.zeros(len(y)), y, groups)):
            out[test] = fold
    return out


def _codes(documents: Sequence[str]) -> np.ndarray:
    index: dict[str, int] = {}
    return np.array([index.setdefault(d, len(index)) for d in documents])


def fit_code(
    X: sparse.csr_matrix, y: np.ndarray, fold: np.ndarray, extra: sparse.csr_matrix | None, *,
    C: float | Sequence[float], seed: int,
) -> CodeModel:
    """Fit one code on labelled rows ``X, y`` (0/1), ``extra`` rows being positive examples from the codebook.

    With several values of ``C``, each is cross-validated on the folds and the one whose models rank their
    held-out rows best (:func:`within_fold_auc`) is kept (the first of equals): how much to regularise
    depends on the code's number of examples and how alike they are, which only the coder's data says.
    """
    best: tuple[float, float, np.ndarray] | None = None
    for c in [float(C)] if isinstance(C, int | float) else [float(c) for c in C]:
        oof = np.full(len(y), np.nan)
        for k in np.unique(fold):
            train, test = fold != k, fold == k
            model = _logistic(X[train], y[train], extra, c, seed)
            oof[test] = model.decision(X[test]) if model is not None else -10.0
        ranking = within_fold_auc(oof, y, fold)
        if best is None or ranking > best[0]:
            best = (ranking, c, oof)
    assert best is not None, "C holds at least one value (Suggester checks it)"
    _, chosen, oof = best
    a, b = _platt(oof, y, fold)
    calibrated = _sigmoid(oof, a, b)
    final = _logistic(X, y, extra, chosen, seed)
    if final is None:
        final = CodeModel(np.zeros(X.shape[1]), -10.0, 0.0, 0.0, 1.0)
    final.a, final.b, final.threshold, final.oof = a, b, best_threshold(calibrated, y), calibrated
    return final


def within_fold_auc(decision: np.ndarray, y: np.ndarray, fold: np.ndarray) -> float:
    """ROC AUC of the decision values within each fold (each fold's model ranks its own held-out rows), averaged
    by the folds' sizes; folds without both classes are left out, and 0.5 when none is left."""
    from sklearn.metrics import roc_auc_score

    total = weight = 0.0
    for k in np.unique(fold):
        rows = fold == k
        positives = int(y[rows].sum())
        if 0 < positives < int(rows.sum()):
            total += float(roc_auc_score(y[rows], decision[rows])) * int(rows.sum())
            weight += int(rows.sum())
    return total / weight if weight else 0.5


def _logistic(
    X: sparse.csr_matrix, y: np.ndarray, extra: sparse.csr_matrix | None, C: float, seed: int
) -> CodeModel | None:
    from sklearn.linear_model import LogisticRegression

    if extra is not None and extra.shape[0]:
        X, y = sparse.vstack([X, extra], format="csr"), np.concatenate([y, np.ones(extra.shape[0])])
    if len(np.unique(y)) < 2:
        return None
    # dual: far more columns than rows; tol 1e-3 (not 1e-4): the same suggestions on the dev studies in 20% less time
    model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", tol=1e-3,
                               dual=True, max_iter=1000, random_state=seed)
    model.fit(X, y)
    return CodeModel(model.coef_.ravel().astype(np.float64), float(model.intercept_[0]), -1.0, 0.0, 0.5)


def _platt(decision: np.ndarray, y: np.ndarray, fold: np.ndarray | None = None) -> tuple[float, float]:
    """Platt's sigmoid on out-of-fold decision values, with his smoothed targets.

    With ``fold``, the slope is fitted within folds: each fold's model has its own offset (a fold's training
    part holds more or fewer of the code's examples, which shifts all its decision values), so the slope
    measures how well each model ranks its own held-out rows, never how the folds' offsets happen to line up
    with their shares of positives (which can invert it). ``b`` is then the folds' offsets averaged by size.
    A slope below ``LEAST_SLOPE`` (the models rank no better than chance there, or the wrong way) is raised
    to it: the final model's order still counts beside the pooled model and the neighbours.
    """
    from sklearn.linear_model import LogisticRegression

    positives, negatives = y.sum(), len(y) - y.sum()
    target = np.where(y == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    weights = np.concatenate([target, 1 - target])
    labels = np.concatenate([np.ones(len(y)), np.zeros(len(y))])
    if fold is None or len(np.unique(fold)) < 2:
        X = decision.reshape(-1, 1)
        model = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
        model.fit(np.vstack([X, X]), labels, sample_weight=weights)
        return -float(model.coef_[0, 0]), -float(model.intercept_[0])
    names, which = np.unique(fold, return_inverse=True)
    X = np.hstack([decision.reshape(-1, 1), np.eye(len(names))[which]])
    model = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000, fit_intercept=False)
    model.fit(np.vstack([X, X]), labels, sample_weight=weights)
    slope, offsets = float(model.coef_[0, 0]), model.coef_[0, 1:]
    share = np.bincount(which, minlength=len(names)) / len(y)
    return -max(slope, LEAST_SLOPE), -float(offsets @ share)


def _sigmoid(decision: np.ndarray, a: float, b: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(np.clip(a * decision + b, -50, 50)))


def best_threshold(score: np.ndarray, y: np.ndarray) -> float:
    """The score at or above which F1 on ``y`` is highest (the higher one on ties); 0.5 with no positive."""
    if not y.sum():
        return 0.5
    order = np.argsort(-score, kind="stable")
    ranked, truth = score[order], y[order]
    tp = np.cumsum(truth)
    f1 = 2 * tp / (np.arange(1, len(y) + 1) + y.sum())
    last = np.r_[ranked[1:] != ranked[:-1], True]  # a threshold keeps every row of equal score
    f1 = np.where(last, f1, -1)
    best = int(np.argmax(f1))
    return float(min(max(ranked[best], 0.02), 0.98))


def precise_threshold(score: np.ndarray, y: np.ndarray, precision: float, least: int) -> float:
    """The lowest score at or above which at least ``least`` rows are and ``precision`` of them are positive
    (out-of-fold); above 1 when no score is."""
    order = np.argsort(-score, kind="stable")
    ranked, truth = score[order], y[order]
    rate = np.cumsum(truth) / np.arange(1, len(y) + 1)
    last = np.r_[ranked[1:] != ranked[:-1], True]
    good = np.flatnonzero(last & (rate >= precision) & (np.arange(1, len(y) + 1) >= least))
    return float(ranked[good[-1]]) if len(good) else 2.0


def run_share(rows: Sequence[int] | np.ndarray, y: np.ndarray, documents: Sequence[str]) -> float:
    """The share of the positive rows (segments ``rows``, sorted, labels ``y``) next to another positive one
    in the same document: how often the coder's codings run over consecutive segments."""
    at = np.asarray(rows, dtype=int)
    if y.sum() < 2:
        return 0.0
    docs = np.asarray(documents)[at]
    joined = (at[1:] == at[:-1] + 1) & (docs[1:] == docs[:-1]) & (y[1:] == 1) & (y[:-1] == 1)
    return float((np.r_[joined, False] | np.r_[False, joined]).sum() / y.sum())


def smooth(values: np.ndarray, rows: Sequence[int] | np.ndarray, documents: Sequence[str], weight: float) -> np.ndarray:
    """Scores moved towards the higher of their neighbours' (the segments just before and after, in the same
    document): ``(1 - weight) * score + weight * max(neighbours)``. A coded passage often runs over several
    segments, so a segment next to a likely one is likelier. ``values[k]`` is the score of segment ``rows[k]``
    (sorted), ``documents`` every segment's document; a neighbour outside ``rows`` does not count."""
    at = np.asarray(rows, dtype=int)
    if not weight or len(at) < 2:
        return values
    docs = np.asarray(documents)[at]
    joined = (at[1:] == at[:-1] + 1) & (docs[1:] == docs[:-1])  # row k and k + 1 are neighbours
    before = np.where(np.r_[False, joined], np.r_[values[:1], values[:-1]], -np.inf)
    after = np.where(np.r_[joined, False], np.r_[values[1:], values[-1:]], -np.inf)
    near = np.maximum(before, after)
    return np.where(np.isfinite(near), (1 - weight) * values + weight * near, values)
