"""``qualcode suggest`` as one library call: learn a person's codes in a project, suggest, store, evaluate.

:func:`suggest` fits a :class:`qualcode.coding.suggest.Suggester` on the coder's codings and returns the
suggestions (and, if asked, the next segments to code, a saved model, the suggestions stored as the
automatic coder ``auto:suggest:<coder>``); :func:`evaluate_suggestions` cross-validates it by document and
measures it against the person's own coding with :func:`qualcode.analysis.evaluation.evaluate_coding`.
Nothing leaves the machine, and the same project gives the same results.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.coding.suggest import FEATURES, Suggester
from qualcode.model.errors import SuggestError
from qualcode.project.learning import SUGGEST_PREFIX
from qualcode.project.store import Project, ProjectError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.analysis.evaluation import Evaluation

__all__ = ["SuggestRun", "evaluate_suggestions", "suggest"]


@dataclass
class SuggestRun:
    """What :func:`suggest` did: the suggestions table, the codes learnt (with their thresholds) and those
    with too few examples (with the number still needed), and what was written."""

    coder: str
    unit: str
    suggestions: pd.DataFrame
    thresholds: dict[str, float]
    too_few: dict[str, int]
    next: pd.DataFrame | None = None
    stored: int | None = None
    model_file: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def auto_coder(self) -> str:
        return SUGGEST_PREFIX + self.coder

    def __str__(self) -> str:
        suggested = int(self.suggestions["suggested"].sum()) if len(self.suggestions) else 0
        lines = [f"{len(self.thresholds)} codes of {self.coder} learnt at {self.unit} level: {suggested} suggestions "
                 f"among {len(self.suggestions)} segment x code rows."]
        lines += [f"code {code!r}: not learnt, it needs {n} more coded segment{'s' if n > 1 else ''}."
                  for code, n in self.too_few.items()]
        if self.stored is not None:
            lines.append(f"{self.stored} suggestions stored as {self.auto_coder}: accept or reject them with "
                         "'qualcode project accept/reject' or a review sheet, then suggest again.")
        if self.model_file is not None:
            lines.append(f"model written to {self.model_file} (plain arrays; it holds coded passages: keep it private).")
        return "\n".join(lines)


@contextmanager
def _as_project_error() -> Iterator[None]:
    try:
        yield
    except SuggestError as exc:
        raise ProjectError(exc.problems) from exc


def suggest(
    project: Project,
    *,
    coder: str,
    unit: str = "paragraph",
    save: bool = False,
    model_out: str | os.PathLike[str] | None = None,
    next: int | None = None,
    min_examples: int = 3,
    features: tuple[str, ...] = FEATURES,
    threshold: str = "prevalence",
    seed: int = 0,
) -> SuggestRun:
    """Learn ``coder``'s codes in ``project`` and suggest them on every segment they have not coded so.

    Parameters
    ----------
    project : an open project.
    coder : the person whose codings (and decisions on earlier suggestions) to learn from.
    unit : ``paragraph``, ``sentence`` or ``turn``.
    save : store the suggested rows as the automatic coder ``auto:suggest:<coder>`` (replacing its last ones).
    model_out : also write the fitted model there (``.npz`` of plain arrays).
    next : also list this many segments to code next (uncertainty sampling).
    min_examples, features, threshold, seed : see :class:`qualcode.coding.suggest.Suggester`.

    Raises
    ------
    ProjectError : every problem (unknown coder, no codings, unit, too few examples); nothing is written.
    """
    with _as_project_error():
        suggester = Suggester(unit=unit, min_examples=min_examples, features=features, threshold=threshold, seed=seed)
        suggester.fit(project, coder=coder)
        table = suggester.suggest()
        run = SuggestRun(coder, unit, table, dict(suggester.thresholds_), dict(suggester.too_few_))
        if next is not None:
            run.next = suggester.next(next)
        if model_out is not None:
            suggester.save(model_out)
            run.model_file = Path(model_out)
    if save:
        run.stored = project.store_suggestions(table, coder=coder, unit=unit,
                                               settings=Suggester.settings_json(suggester))
    return run


def evaluate_suggestions(
    project: Project,
    *,
    coder: str,
    unit: str = "paragraph",
    min_examples: int = 3,
    features: tuple[str, ...] = FEATURES,
    seed: int = 0,
) -> Evaluation:
    """How far to trust the suggestions: each document ``coder`` coded is suggested by a model learnt on the
    others (thresholds chosen on those others only), then compared with the coder's own coding: precision,
    recall and F1 per code and pooled (``(all codes)``, micro), in an
    :class:`qualcode.analysis.evaluation.Evaluation`."""
    import pandas as pd

    from qualcode.analysis.evaluation import evaluate_coding

    with _as_project_error():
        data = project.training_set(coder, unit=unit, min_examples=min_examples)
        if len({data.segments[i].document for i in data.covered}) < 2:
            raise SuggestError(f"Coder {coder!r} has coded one document: cross-validation by document needs two "
                               "or more. Code another document, then evaluate again.")
        predicted = Suggester(unit=unit, min_examples=min_examples, features=features, seed=seed).cross_validate(data)
    auto = SUGGEST_PREFIX + coder
    segments = pd.DataFrame([data.segments[i]._asdict() for i in sorted(data.covered)])
    by_key = segments.set_index(["document", "segment_id"])
    rows = []
    for who, column in ((coder, "truth"), (auto, "suggested")):
        chosen = predicted[predicted[column] == 1]
        rows_of: Any = chosen.itertuples(index=False)  # fields hold what the columns hold
        for r in rows_of:
            where = by_key.loc[(r.document, r.segment_id)]
            rows.append((r.document, who, r.code, int(where["start"]), int(where["end"]), unit, r.segment_id))
    codings = pd.DataFrame(rows, columns=["document", "coder", "code", "start", "end", "unit", "segment_id"])
    documents = sorted(set(segments["document"]))
    codes = list(dict.fromkeys(predicted["code"]))
    return evaluate_coding(codings, segments, auto=auto, human=coder, codes=codes,
                           coverage={coder: documents, auto: documents})
