"""Train the default codebook's evidence model on the development split, and write it as plain numbers.

    python tests/labels/train_evidence.py            # writes qualcode/codebooks/default.evidence.json
    python tests/labels/train_evidence.py --dry-run  # prints the cross-validated figures only
    python tests/labels/train_evidence.py --probe    # can meaning alone code? (embedding + word bag, by document)

Every (dev paragraph, code) is one example: its features (qualcode.coding.similarity.FEATURES: rule hits, a
proximity or context rule among them, similarity to the code's definition and examples, length) and whether
the hand label gives that code. A logistic regression (scikit-learn) is fitted; its two thresholds (keeping a
rule hit, coding on similarity alone) are chosen on out-of-fold scores, folds by document, to maximise the
mean F1 of the three materials (spoken French, written French, English). Only the dev split is read
(tests/labels/SPLIT.md): the test split never informs the model or its thresholds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import evaluate as ev  # noqa: E402

from qualcode.coding.similarity import DEFAULT_MODEL, EvidenceModel, Similarity, features  # noqa: E402

GRID = np.round(np.arange(0.05, 1.0, 0.025), 3)


def examples(judged: list[ev.Judged], book) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], list[str]]:
    similarity = Similarity(book)
    nearest: dict[int, dict[str, tuple[float, str]]] = {}
    for language in ("fr", "en"):
        idx = [i for i, j in enumerate(judged) if j.language == language]
        found = similarity.nearest([judged[i].text for i in idx], language)
        for code, values in found.items():
            for i, value in zip(idx, values, strict=True):
                nearest.setdefault(i, {})[code] = value
    rows, labels, groups, materials, codes = [], [], [], [], []
    for i, j in enumerate(judged):
        for code in book.ids:
            value = nearest.get(i, {}).get(code, (0.0, ""))[0]
            rows.append(features(j.rules.get(code, ()), value, len(j.text.split())))
            labels.append(code in j.gold)
            groups.append(j.source)
            materials.append(j.material)
            codes.append(code)
    return np.array(rows), np.array(labels), np.array(groups), materials, codes


def f1(y: np.ndarray, coded: np.ndarray) -> tuple[float, float, float]:
    tp = int((y & coded).sum())
    p = tp / coded.sum() if coded.sum() else 0.0
    r = tp / y.sum() if y.sum() else 0.0
    return p, r, (2 * p * r / (p + r) if tp else 0.0)


def decide(scores: np.ndarray, rule: np.ndarray, threshold: float, similar: float) -> np.ndarray:
    return np.where(rule, scores >= threshold, scores >= similar)


def probe(judged: list[ev.Judged], x: np.ndarray, y: np.ndarray, groups: np.ndarray, codes: list[str]) -> None:
    """Can a paragraph be coded on meaning alone? Per code, a logistic regression on the model's features,
    the paragraph's WordLlama embedding and its word bag (tf-idf), trained leave-one-document-out on the
    dev split; prints, among paragraphs without a rule hit, the ROC AUC and the precision of the top-scored
    10, 20 and 40 (coding on similarity alone would need about 0.75 there)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import LeaveOneGroupOut

    from qualcode.coding.similarity import embedder

    texts = [j.text for j in judged]
    words = TfidfVectorizer(min_df=3, sublinear_tf=True, strip_accents="unicode").fit_transform(texts).toarray()
    meaning = np.hstack([embedder().embed(texts), words])
    code_of = np.array(codes)
    for code in dict.fromkeys(codes):
        rows = code_of == code
        xc, yc, gc = np.hstack([x[rows], meaning]), y[rows], groups[rows]
        if yc.sum() < 5:
            continue
        oof = np.zeros(len(yc))
        for train, held in LeaveOneGroupOut().split(xc, yc, gc):
            if yc[train].any():
                model = LogisticRegression(C=3.0, max_iter=2000).fit(xc[train], yc[train])
                oof[held] = model.predict_proba(xc[held])[:, 1]
        none = x[rows][:, 0] == 0.0
        top = yc[none][np.argsort(-oof[none], kind="stable")]
        print(f"  {code:<18} no rule hit: {int(yc[none].sum())} coded by people in {int(none.sum())}, ROC AUC "
              f"{roc_auc_score(yc[none], oof[none]):.3f}, precision of the top 10/20/40: "
              + "/".join(f"{top[:k].mean():.2f}" for k in (10, 20, 40)))


def main(argv: list[str] | None = None) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    import qualcode as qc

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--probe", action="store_true", help="measure coding on meaning alone, then stop")
    args = parser.parse_args(argv)
    book = qc.default_codebook()
    judged = ev.judge(qc.Coder(book, speakers="all", similarity=False), splits=("dev",))
    x, y, groups, materials, codes = examples(judged, book)
    if args.probe:
        return probe(judged, x, y, groups, codes)
    rule = x[:, 0] == 1.0
    folds = min(5, len(set(groups)))
    oof = np.zeros(len(y))
    for train, held in GroupKFold(n_splits=folds).split(x, y, groups):
        model = LogisticRegression(C=1.0, max_iter=1000).fit(x[train], y[train])
        oof[held] = model.predict_proba(x[held])[:, 1]
    material = np.array(materials)
    best = (-1.0, 0.0, 1.0)
    for threshold in GRID:  # ties go to the most cautious pair: every rule hit kept, similarity alone rarest
        for similar in GRID[::-1]:
            coded = decide(oof, rule, threshold, similar)
            mean = np.mean([f1(y[material == m], coded[material == m])[2] for m in ev.MATERIALS])
            if mean > best[0] + 1e-9:
                best = (mean, float(threshold), float(similar))
    _, threshold, similar = best
    print(f"thresholds chosen out of fold: keep a rule hit from {threshold}, similarity alone from {similar}")
    for name, coded in (("rules only", rule), ("rules + model", decide(oof, rule, threshold, similar))):
        for m in ev.MATERIALS:
            p, r, f = f1(y[material == m], coded[material == m])
            print(f"  dev, out of fold, {name:<14} {m:<15} precision {p:.3f} recall {r:.3f} F1 {f:.3f}")
    from sklearn.metrics import roc_auc_score

    for name, where in (("all pairs", np.ones(len(y), bool)), ("rule hits", rule), ("no rule hit", ~rule)):
        print(f"  ROC AUC of the out-of-fold score, {name}: {roc_auc_score(y[where], oof[where]):.3f}")
    final = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    model = EvidenceModel(tuple(float(c) for c in final.coef_[0]), float(final.intercept_[0]), threshold, similar,
                          trained_on=f"dev split of tests/labels ({len(judged)} paragraphs x {len(book.ids)} codes)")
    print(model.to_json())
    if not args.dry_run:
        DEFAULT_MODEL.write_text(model.to_json(), encoding="utf-8")
        print(f"written to {DEFAULT_MODEL}")


if __name__ == "__main__":
    main()
