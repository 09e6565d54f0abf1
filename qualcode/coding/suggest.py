"""Suggestions learned from a researcher's own coding: which other passages deserve each of their codes.

A researcher codes a few interviews by hand; :class:`Suggester` learns, code by code, from those codings
(and from the codes' definitions and examples, where the codebook has any), then scores every other
segment of the project. Everything runs locally and is deterministic for a given project and seed::

    with qc.open_project("study.qualcode") as project:
        suggester = qc.Suggester(unit="paragraph").fit(project, coder="marie")
        table = suggester.suggest()          # one row per segment x code marie has not coded
        first = suggester.next(10)           # the segments whose coding would teach the model most

The learning itself is in :mod:`qualcode.coding.learner`, the features in :mod:`qualcode.coding.features`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.model.errors import SuggestError
from qualcode.model.transcript import UNITS, Segment

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from qualcode.coding import learner

__all__ = ["SUGGEST_COLUMNS", "Suggester", "TrainingSet"]

SUGGEST_COLUMNS = ["document", "segment_id", "unit", "start", "end", "code", "score", "suggested", "because"]
FEATURES = ("words", "embedding", "context", "structure")
WEIGHTS = {"words": 1.0, "embedding": 0.5, "context": 0.35, "structure": 1.0}  # chosen on the PDPilot dev sessions
THRESHOLDS = ("prevalence", "cv")
PRECISE = 0.8  # ...unless out-of-fold scores show a lower threshold that keeps this precision
SMOOTH = 0.2  # a score moves up to this far towards the higher of its neighbours', as far as the coder's codings run over consecutive segments (chosen on the PDPilot dev sessions)
RELEVANCE = 0.2  # a code's score: its own ** (1 - RELEVANCE) x "coded at all" ** RELEVANCE (PDPilot dev)
PROTOTYPES = 200  # coded passages per code kept to explain a suggestion ("close to ...")


@dataclass(frozen=True)
class TrainingSet:
    """What a suggester learns from, as :meth:`qualcode.project.store.Project.training_set` gives it.

    ``segments`` are every segment of the project at ``unit``, document after document; ``roles`` the
    speaker role of each (or None). ``covered`` are the indices of the segments of the documents the coder
    has coded: for every code, each is a positive example if the coder coded it with that code, else a
    negative one. ``positives`` and ``negatives`` (code -> indices) add the coder's decisions on single
    segments elsewhere (an accepted or a rejected suggestion). ``definitions`` (code -> texts) are the
    codebook's definitions and examples, learnt from as positive examples.
    """

    coder: str
    unit: str
    segments: list[Segment]
    roles: list[str | None]
    covered: frozenset[int]
    positives: dict[str, frozenset[int]]
    negatives: dict[str, frozenset[int]] = field(default_factory=dict)
    definitions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def labelled(self, code: str) -> list[int]:
        """The indices of the segments whose label for ``code`` is known, in order."""
        return sorted(self.covered | self.positives.get(code, frozenset()) | self.negatives.get(code, frozenset()))


class Suggester:
    """Learn a coder's codes from their codings; suggest them on the other segments of a project.

    Parameters
    ----------
    unit : the segments learnt from and suggested: ``paragraph``, ``sentence`` or ``turn``.
    min_examples : the fewest segments coded with a code for it to be learnt; codes with fewer are listed
        in ``too_few_`` with the number still needed.
    folds : cross-validation folds (by document) that choose each code's calibration and threshold.
    features : the feature blocks: ``words`` (TF-IDF of words and word pairs), ``embedding`` (static
        sentence embeddings), ``context`` (neighbouring segments, the question answered, the section; and each score moved towards
        its neighbours' as far as the coder's codings run over consecutive segments) and
        ``structure`` (speaker, role, place in the document). ``("words",)`` is NVivo-like TF-IDF.
    C : inverse regularisation strength of the logistic regressions; several values (the default: 1 and 3):
        per code, the one whose cross-validated models rank the coder's held-out segments best.
    threshold : how each code's threshold is chosen. ``prevalence`` (default): so that the code is suggested
        on the same share of the segments not yet decided as the coder gave it in the segments they coded (the
        scores rank, the coder's own rate says how many); ``cv``: the score that maximised F1 in cross-validation
        (on a small study its out-of-fold scores are noisy and this threshold falls low: far too many suggestions).
    seed : seeds the folds: the same project and seed give the same suggestions.

    Attributes (after ``fit``)
    --------------------------
    coder_, codes_ : whose codes are learnt, and those learnt. ``thresholds_`` : code -> threshold.
    too_few_ : code -> examples still needed. ``training_set_`` : what was learnt from.
    """

    #: the arrays a suggester read back with :meth:`load` was saved with (None once fitted here)
    _stored: Any = None

    def __init__(
        self,
        *,
        unit: str = "paragraph",
        min_examples: int = 3,
        folds: int = 5,
        features: Sequence[str] = FEATURES,
        C: float | Sequence[float] = (1.0, 3.0),
        threshold: str = "prevalence",
        seed: int = 0,
    ) -> None:
        self.unit = unit
        self.min_examples = min_examples
        self.folds = folds
        self.features = features
        self.C = C
        self.threshold = threshold
        self.seed = seed

    def _check(self) -> None:
        problems = []
        if self.unit not in UNITS:
            problems.append(f"The 'unit' parameter of Suggester must be one of {', '.join(UNITS)}. Got {self.unit!r} instead.")
        if not isinstance(self.min_examples, int) or self.min_examples < 2:
            problems.append(f"The 'min_examples' parameter of Suggester must be an int >= 2. Got {self.min_examples!r} instead.")
        if not isinstance(self.folds, int) or self.folds < 2:
            problems.append(f"The 'folds' parameter of Suggester must be an int >= 2. Got {self.folds!r} instead.")
        unknown = [f for f in self.features if f not in FEATURES]
        if unknown or "words" not in self.features:
            problems.append(f"The 'features' parameter of Suggester must hold 'words' and only {', '.join(FEATURES)}. "
                            f"Got {tuple(self.features)!r} instead.")
        values = [self.C] if isinstance(self.C, int | float) else self.C
        if not isinstance(values, Sequence) or not values or not all(
                isinstance(c, int | float) and not isinstance(c, bool) and c > 0 for c in values):
            problems.append(f"The 'C' parameter of Suggester must be a positive number or a non-empty list of them. "
                            f"Got {self.C!r} instead.")
        if self.threshold not in THRESHOLDS:
            problems.append(f"The 'threshold' parameter of Suggester must be one of {', '.join(THRESHOLDS)}. "
                            f"Got {self.threshold!r} instead.")
        if problems:
            raise SuggestError(problems)

    # -- learning ------------------------------------------------------------------------------------------

    def fit(self, project: Any, *, coder: str) -> Suggester:
        """Learn ``coder``'s codes from ``project`` (an open :class:`qualcode.project.store.Project`)."""
        self._check()
        return self.fit_training_set(project.training_set(coder, unit=self.unit, min_examples=self.min_examples))

    def fit_training_set(self, data: TrainingSet) -> Suggester:
        """Learn from a :class:`TrainingSet` (what :meth:`fit` does once it has read the project)."""
        from qualcode.coding import learner
        from qualcode.coding.features import FeatureSpace

        self._check()
        weights = {k: (WEIGHTS[k] if k in self.features else 0.0) for k in FEATURES}
        self.features_ = FeatureSpace.learn(data.segments, data.roles, weights)
        self.X_, self.vectors_ = self.features_.transform(data.segments, data.roles)
        self.coder_, self.training_set_ = data.coder, data
        self._stored = None  # fitted here: no saved scores to carry over
        self.too_few_ = {c: self.min_examples - len(p) for c, p in data.positives.items() if len(p) < self.min_examples}
        self.codes_ = [c for c in data.positives if c not in self.too_few_]
        if not self.codes_:
            raise SuggestError(_too_few_message(data.coder, self.too_few_, self.min_examples))
        self.models_: dict[str, learner.CodeModel] = {}
        self.prototypes_: dict[str, list[int]] = {}
        self.smoothing_: dict[str, float] = {}
        self.relevance_model_, self.relevance_ = self._fit_relevance(data)
        for code in self.codes_:
            rows, y = self._labels(data, code)
            fold = learner.folds_of([data.segments[i].document for i in rows], y, self.folds, self.seed)
            extra = self.features_.texts(data.definitions[code]) if data.definitions.get(code) else None
            model = self.models_[code] = learner.fit_code(self.X_[rows], y, fold, extra, C=self.C, seed=self.seed)
            if self.relevance_ is not None:
                model.oof = model.oof ** (1 - RELEVANCE) * self.relevance_[rows] ** RELEVANCE  # type: ignore[operator]
                model.threshold = learner.best_threshold(model.oof, y)
            self.smoothing_[code] = SMOOTH * learner.run_share(rows, y, self._documents) if self._smoothing else 0.0
            if self.smoothing_[code]:  # out-of-fold scores smoothed as new segments' are; the threshold follows
                model.oof = learner.smooth(model.oof, rows, self._documents, self.smoothing_[code])  # type: ignore[arg-type]
                model.threshold = learner.best_threshold(model.oof, y)
            positive = sorted(data.positives[code])
            step = max(1, len(positive) // PROTOTYPES)
            self.prototypes_[code] = positive[::step][:PROTOTYPES]
        if self.threshold == "prevalence":
            self._match_prevalence(data)
        self.thresholds_ = {c: self.models_[c].threshold for c in self.codes_}
        return self

    def _fit_relevance(self, data: TrainingSet) -> tuple[learner.CodeModel | None, np.ndarray | None]:
        """The model of "coded with any learnt code" and each segment's calibrated score for it (out-of-fold
        on the covered segments): all the codes' examples together teach what the coder codes at all, which a
        code with few examples cannot learn alone. Nones for the NVivo-like words-only baseline or a single code."""
        import numpy as np

        from qualcode.coding import learner

        covered = sorted(data.covered)
        coded = frozenset().union(*(data.positives[c] for c in self.codes_))
        y = np.array([1.0 if i in coded else 0.0 for i in covered])
        if not RELEVANCE or len(self.codes_) < 2 or len(self.features) < 2 or y.all() or not y.any():
            return None, None
        fold = learner.folds_of([data.segments[i].document for i in covered], y, self.folds, self.seed)
        model = learner.fit_code(self.X_[covered], y, fold, None, C=self.C, seed=self.seed)
        score = model.score(self.X_)
        score[covered] = model.oof
        return model, score

    def _match_prevalence(self, data: TrainingSet) -> None:
        """Set each code's threshold so that it is suggested on the coder's own share of the open segments."""
        import numpy as np

        from qualcode.coding import learner

        for code in self.codes_:
            model, rows = self.models_[code], data.labelled(code)
            open_ = np.ones(len(data.segments), dtype=bool)
            open_[rows] = False
            if not open_.any():
                continue  # nothing left to suggest: the cross-validated threshold stays
            scores = np.sort(self._score(code)[open_])[::-1]
            y = np.array([i in data.positives[code] for i in rows], dtype=float)
            k = round(float(y.mean()) * len(scores))
            cut = float(scores[k - 1]) if k else float(min(1.0, scores[0] + 1e-9))
            oof = model.oof if model.oof is not None else np.zeros(len(rows))  # set by fit_code
            model.threshold = min(cut, learner.precise_threshold(oof, y, PRECISE, self.min_examples))

    @property
    def _smoothing(self) -> bool:
        """Whether scores take in their neighbours' ("context" features: the NVivo-like baseline does not)."""
        return SMOOTH > 0 and "context" in self.features

    @property
    def _documents(self) -> list[str]:
        return [s.document for s in self.training_set_.segments]

    def _score(self, code: str) -> np.ndarray:
        """The calibrated score of every segment for ``code``, smoothed with its neighbours' (see ``SMOOTH``)."""
        import numpy as np

        from qualcode.coding.learner import smooth

        score = self.models_[code].score(self.X_)
        if self.relevance_model_ is not None:  # the covered segments' out-of-fold scores replace these (``scores``)
            score = score ** (1 - RELEVANCE) * self.relevance_model_.score(self.X_) ** RELEVANCE
        weight = self.smoothing_.get(code, 0.0)
        return smooth(score, np.arange(len(score)), self._documents, weight) if weight else score

    @staticmethod
    def _labels(data: TrainingSet, code: str) -> tuple[list[int], np.ndarray]:
        import numpy as np

        rows = data.labelled(code)
        positive = data.positives[code]
        return rows, np.array([1.0 if i in positive else 0.0 for i in rows])

    # -- suggesting ----------------------------------------------------------------------------------------

    def scores(self) -> np.ndarray:
        """segments x codes: calibrated scores; out-of-fold on labelled segments, so honest there too."""
        import numpy as np

        self._fitted()
        out = np.zeros((len(self.training_set_.segments), len(self.codes_)))
        for j, code in enumerate(self.codes_):
            out[:, j] = self._score(code)
            rows = self.training_set_.labelled(code)
            out[rows, j] = self.models_[code].oof
        return out

    def suggest(self) -> pd.DataFrame:
        """One row per segment and learnt code that the coder has neither coded nor rejected there:
        ``document, segment_id, unit, start, end, code, score, suggested, because`` (``SUGGEST_COLUMNS``)."""
        import pandas as pd

        from qualcode.coding.explain import explain

        data, scores = self.training_set_, self.scores()
        rows = []
        for j, code in enumerate(self.codes_):
            skip = data.positives[code] | data.negatives.get(code, frozenset())
            todo = [i for i in range(len(data.segments)) if i not in skip]
            because = explain(self, code, todo)
            threshold = self.thresholds_[code]
            for i, why in zip(todo, because, strict=True):
                s = data.segments[i]
                rows.append((s.document, s.segment_id, s.unit, s.start, s.end, code, float(scores[i, j]),
                             int(scores[i, j] >= threshold), why))
        frame = pd.DataFrame(rows, columns=SUGGEST_COLUMNS)
        return frame.sort_values(["document", "segment_id", "code"], kind="stable").reset_index(drop=True)

    def next(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` segments outside the coded documents whose coding would teach the model most
        (uncertainty sampling: a score closest to its code's threshold), most uncertain first:
        ``document, segment_id, unit, start, end, code, score, threshold, uncertainty, text``."""
        import numpy as np
        import pandas as pd

        data, scores = self.training_set_, self.scores()
        thresholds = np.array([self.thresholds_[c] for c in self.codes_])
        spread = np.maximum(thresholds, 1 - thresholds)
        closeness = 1 - np.abs(scores - thresholds) / spread
        decided = set().union(*data.positives.values(), *data.negatives.values())
        open_ = [i for i in range(len(data.segments)) if i not in data.covered and i not in decided]
        best = closeness[open_].argmax(axis=1) if open_ else np.zeros(0, dtype=int)
        order = sorted(range(len(open_)), key=lambda k: (-closeness[open_[k], best[k]], open_[k]))[: max(n, 0)]
        rows = []
        for k in order:
            i, j = open_[k], int(best[k])
            s = data.segments[i]
            rows.append((s.document, s.segment_id, s.unit, s.start, s.end, self.codes_[j], float(scores[i, j]),
                         float(thresholds[j]), float(closeness[i, j]), s.text))
        columns = [*SUGGEST_COLUMNS[:6], "score", "threshold", "uncertainty", "text"]
        return pd.DataFrame(rows, columns=columns)

    def cross_validate(self, data: TrainingSet) -> pd.DataFrame:
        """Out-of-sample predictions on the documents the coder has coded: each document (fold) is predicted
        by a suggester fitted, thresholds included, on the other documents. One row per covered segment and
        code: ``document, segment_id, code, truth, suggested, score``."""
        import pandas as pd

        from qualcode.coding import learner

        self._check()
        covered = sorted(data.covered)
        documents = [data.segments[i].document for i in covered]
        known = {c: p for c, p in data.positives.items() if len(p & data.covered) >= self.min_examples}
        if not known:
            raise SuggestError(_too_few_message(data.coder, {c: self.min_examples - len(p & data.covered)
                                                                 for c, p in data.positives.items()}, self.min_examples))
        import numpy as np

        any_code = np.array([float(any(i in p for p in known.values())) for i in covered])
        outer = learner.folds_of(documents, any_code, self.folds, self.seed)
        rows = []
        for k in np.unique(outer):
            train = frozenset(i for i, f in zip(covered, outer, strict=True) if f != k)
            test = [i for i, f in zip(covered, outer, strict=True) if f == k]
            fitted = Suggester(unit=self.unit, min_examples=2, folds=self.folds, features=self.features, C=self.C,
                               threshold=self.threshold, seed=self.seed)
            part = TrainingSet(data.coder, data.unit, data.segments, data.roles, train,
                               {c: p & train for c, p in known.items()}, {}, data.definitions)
            inner: Suggester | None = fitted
            try:
                fitted.fit_training_set(part)
            except SuggestError:
                inner = None
            for code in known:
                model = inner.models_.get(code) if inner is not None else None
                score = inner._score(code)[test] if model is not None and inner is not None else np.zeros(len(test))
                cut = model.threshold if model is not None else 2.0
                for i, value in zip(test, score, strict=True):
                    s = data.segments[i]
                    rows.append((s.document, s.segment_id, code, int(i in known[code]), int(value >= cut), float(value)))
        frame = pd.DataFrame(rows, columns=["document", "segment_id", "code", "truth", "suggested", "score"])
        return frame.sort_values(["document", "segment_id", "code"], kind="stable").reset_index(drop=True)

    def _fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise SuggestError("This Suggester is not fitted yet: call fit(project, coder=...) first.")

    # -- storing -------------------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the learnt model as plain arrays (``.npz``, no pickle): weights, calibration, thresholds,
        vocabulary, and the coded passages that explain suggestions (their text: keep the file private)."""
        from qualcode.coding.suggester_file import save_suggester

        self._fitted()
        save_suggester(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Suggester:
        """A suggester saved by :meth:`save`: its weights, calibration and thresholds (``models_``)."""
        from qualcode.coding.features import FeatureSpace
        from qualcode.coding.learner import CodeModel
        from qualcode.coding.suggester_file import load_arrays

        meta, arrays = load_arrays(path)
        suggester = cls(**{k: v for k, v in meta["settings"].items() if k != "format"})
        suggester.coder_, suggester.codes_, suggester.too_few_ = meta["coder"], meta["codes"], meta["too_few"]
        suggester.features_ = FeatureSpace(list(arrays["vocabulary"]), arrays["idf"], meta["speakers"],
                                           meta["roles"], meta["weights"])
        suggester.models_ = {
            code: CodeModel(arrays["coef"][j], float(arrays["intercept"][j]), float(arrays["calibration"][j, 0]),
                            float(arrays["calibration"][j, 1]), float(arrays["threshold"][j]))
            for j, code in enumerate(meta["codes"])
        }
        suggester.thresholds_ = {c: m.threshold for c, m in suggester.models_.items()}
        suggester.smoothing_ = meta["smoothing"]
        suggester.relevance_model_ = None
        if "relevance_coef" in arrays:
            a, b = arrays["relevance_calibration"]
            suggester.relevance_model_ = CodeModel(arrays["relevance_coef"], float(arrays["relevance_intercept"]),
                                                   float(a), float(b), 0.5)
        suggester._stored = arrays
        return suggester

    def apply(self, project: Any) -> Suggester:
        """Read ``project``'s segments (and the coder's codings there) so that a suggester read back with
        :meth:`load` scores them: then ``scores``, ``suggest`` and ``next`` work as after ``fit``. The
        segments it learnt from keep their stored out-of-fold scores; any other labelled segment (a decision
        taken since) gets the model's score."""
        self._fitted()
        data = project.training_set(self.coder_, unit=self.unit, min_examples=self.min_examples)
        self.training_set_ = data
        self.X_, self.vectors_ = self.features_.transform(data.segments, data.roles)
        stored = self._stored
        if stored is None:  # a fitted suggester: nothing stored to match
            return self
        where = {(s.document, s.segment_id): i for i, s in enumerate(data.segments)}
        keys = zip(stored["oof_document"].tolist(), stored["oof_segment"].tolist(), strict=True)
        found: dict[int, list[tuple[int, int]]] = {}  # per code: (stored row, segment) of the segments still here
        for j, (key, c) in enumerate(zip(keys, stored["oof_code"].tolist(), strict=True)):
            if key in where:
                found.setdefault(int(c), []).append((j, where[key]))
        for c, code in enumerate(self.codes_):
            model, rows = self.models_[code], data.labelled(code)
            model.oof = self._score(code)[rows]
            position = {i: k for k, i in enumerate(rows)}
            for j, i in found.get(c, ()):
                if i in position:
                    model.oof[position[i]] = stored["oof_score"][j]
        protos = zip(stored["prototype_code"].tolist(), stored["prototype_document"].tolist(),
                     stored["prototype_segment"].tolist(), strict=True)
        self.prototypes_ = {code: [] for code in self.codes_}
        for c, document, segment in protos:
            if (document, segment) in where:
                self.prototypes_[self.codes_[c]].append(where[document, segment])
        for code, rows in self.prototypes_.items():
            if not rows:  # the passages it learnt from are gone: explain by the coder's codings here
                rows.extend(sorted(data.positives.get(code, frozenset()))[:PROTOTYPES] or [0])
        return self

    @staticmethod
    def settings_json(suggester: Suggester) -> str:
        from qualcode.coding.suggester_file import FORMAT

        return json.dumps({"format": FORMAT, "unit": suggester.unit, "min_examples": suggester.min_examples,
                           "folds": suggester.folds, "features": list(suggester.features),
                           "C": suggester.C if isinstance(suggester.C, int | float) else list(suggester.C),
                           "threshold": suggester.threshold,
                           "seed": suggester.seed}, sort_keys=True)


def _too_few_message(coder: str, too_few: dict[str, int], minimum: int) -> list[str]:
    needed = ", ".join(f"{c!r} needs {n} more" for c, n in too_few.items())
    return [f"No code of {coder!r} has enough examples to learn from: each needs at least {minimum} coded "
            f"segments ({needed}). Code more segments with those codes, then fit again."]
