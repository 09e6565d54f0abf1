"""Results built from a project: agreement between its coders, an automatic coder evaluated against a
person's coding, and one coder's codings as a :class:`~qualcode.model.results.CodingResult`.

Each coder counts on the documents they have touched (see :func:`project_agreement`); the segments are
those of the project's stored transcripts. Review sheets are in :mod:`qualcode.project.reviewing`.
"""

from __future__ import annotations

import bisect
import difflib
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from qualcode.model.transcript import UNITS
from qualcode.project.reviewed import coverage_frame, reviewers
from qualcode.project.store import Project, ProjectError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.analysis.evaluation import Evaluation
    from qualcode.model.codebook import Codebook
    from qualcode.model.results import CodingResult

__all__ = ["agreement_coverage", "evaluate", "project_agreement", "project_evaluation"]

LEVELS = ("segment", "character")
SEGMENT_FRAME = ["document", "segment_id", "unit", "start", "end", "speaker", "section", "text"]


def _auto_coder(project: Project, name: str | None) -> tuple[str | None, list[str]]:
    """The automatic coder to use (the one that ran last by default), and the problem if it is unknown."""
    ran = [r[0] for r in project.db.execute("SELECT coder FROM runs GROUP BY coder ORDER BY max(id) DESC")]
    if name is None:
        return (ran[0] if ran else None), []
    if name in ran:
        return name, []
    known = f"The project's automatic coders: {', '.join(ran)}." if ran else "No automatic coder has run."
    return None, [f"No automatic coder {name!r} has coded this project. {known}"]


def _unit_problems(unit: Any) -> list[str]:
    return [] if unit in UNITS else [f"Unit {unit!r} is not one of {', '.join(UNITS)}."]


def project_agreement(
    project: Project,
    coders: Sequence[str],
    *,
    level: str = "segment",
    codes: Sequence[str] | None = None,
    unit: str = "paragraph",
    include_unreviewed: bool = False,
) -> pd.DataFrame:
    """Agreement between coders of a project, human or automatic (``auto:<codebook name>``).

    Each coder is compared on the documents they have touched: for an automatic coder, those it has coded
    in their current text; for a person, those where they have a coding or a decision (an accepted or a
    rejected automatic coding). In a document a person reviewed with a review sheet, only the rows they
    marked reviewed count (see :func:`agreement_coverage`); ``include_unreviewed=True`` counts the others
    too, as not coded. ``level="segment"`` returns :func:`qualcode.analysis.agreement.agreement_table` over
    the ``unit`` segments; ``level="character"``, :func:`qualcode.analysis.agreement.character_agreement`.

    Raises
    ------
    ProjectError : an unknown coder, level or unit. ``AgreementError`` : fewer than two coders.
    """
    from qualcode.analysis.agreement import agreement_table, character_agreement

    problems = _unit_problems(unit)
    if level not in LEVELS:
        problems.append(f"Level {level!r} is not one of {', '.join(LEVELS)}.")
    coverage = {c: _coverage(project, c) for c in dict.fromkeys(coders)}
    known = _coders(project)
    problems += [_unknown(coder, known) for coder in coverage if coder not in known]
    if problems:
        raise ProjectError(problems)
    codings = project.codings()
    codings = codings[codings["coder"].isin(list(coverage))]
    if level == "character":
        lengths = project.documents()[["document", "chars"]]
        return character_agreement(codings, lengths, list(coders), codes=codes, coverage=coverage)
    units = coverage_frame(project, coverage, unit, include_unreviewed=include_unreviewed)
    segments = _segment_frame(project, set(units["document"]), unit)
    return agreement_table(codings, segments, list(coders), codes=codes, coverage=units)


def agreement_coverage(
    project: Project, coders: Sequence[str], *, unit: str = "paragraph", include_unreviewed: bool = False
) -> pd.DataFrame:
    """How many ``unit`` segments each coder covers in :func:`project_agreement`: one row per coder with
    ``documents``, ``units`` (the segments counted: a reviewed document's reviewed rows, another document's
    every segment), ``of_units`` (every segment of those documents) and ``shared`` (the units every coder
    covers, on which the agreement is computed)."""
    import pandas as pd

    known = _coders(project)
    problems = _unit_problems(unit) + [_unknown(c, known) for c in dict.fromkeys(coders) if c not in known]
    if problems:
        raise ProjectError(problems)
    coverage = {c: _coverage(project, c) for c in dict.fromkeys(coders)}
    units = coverage_frame(project, coverage, unit, include_unreviewed=include_unreviewed)
    counts = {d: len(project.segments(d, unit)) for d in set(units["document"])}
    keys: dict[str, set[tuple[str, int]]] = {c: set() for c in coverage}
    for coder, document, segment_id in units.itertuples(index=False):
        ids = range(1, counts[document] + 1) if pd.isna(segment_id) else [int(segment_id)]
        keys[coder].update((document, s) for s in ids)
    shared = len(set.intersection(*keys.values()))
    rows = []
    for coder, found in keys.items():
        documents = {d for d, _ in found} | coverage[coder]
        rows.append((coder, len(documents), len(found), sum(counts.get(d, 0) for d in documents), shared))
    return pd.DataFrame(rows, columns=["coder", "documents", "units", "of_units", "shared"])


def project_evaluation(
    project: Project,
    *,
    auto: str,
    human: str,
    codes: Sequence[str] | None = None,
    unit: str = "paragraph",
) -> Evaluation:
    """An automatic coder measured against a person's coding of the same documents of a project.

    The units and coverage are those of :func:`project_agreement` (one agreement function): the person's
    segments count only in documents they coded or reviewed, the automatic coder's in documents it coded in
    their current text. Returns :class:`qualcode.analysis.evaluation.Evaluation`: per code precision, recall,
    F1 and Cohen's kappa, and the passages missed or coded wrongly, with their text.

    Raises
    ------
    ProjectError : an unknown coder or unit, the same coder twice, or no document both coders covered.
    """
    from qualcode.analysis.evaluation import evaluate_coding

    problems = _unit_problems(unit)
    known = _coders(project)
    if auto == human:
        problems.append(f"The automatic coder and the person are both {auto!r}; give two different coders.")
    problems += [_unknown(coder, known, f"The {role}") for role, coder in (("automatic coder", auto), ("person", human))
                 if coder not in known]
    if problems:
        raise ProjectError(problems)
    coverage = {human: _coverage(project, human), auto: _coverage(project, auto)}
    shared = sorted(coverage[human] & coverage[auto])
    if not shared:
        raise ProjectError([f"No document is covered by both {auto!r} and {human!r}: code the person's documents "
                            f"with the automatic coder (qualcode code ... --project), or code some of its "
                            f"documents by hand, then evaluate again."])
    codings = project.codings()
    codings = codings[codings["coder"].isin([auto, human])]
    units = coverage_frame(project, coverage, unit)  # a person's review sheets: the rows they reviewed
    segments = _segment_frame(project, set(units["document"]), unit)
    return evaluate_coding(codings, segments, auto=auto, human=human, codes=codes, coverage=units)


def evaluate(
    project: Project | str | os.PathLike[str],
    *,
    auto: str,
    human: str,
    codes: Sequence[str] | None = None,
    unit: str = "paragraph",
) -> Evaluation:
    """:func:`project_evaluation` of a :class:`Project` or of the project file at that path.

    >>> ev = qc.evaluate("study.qcproj", auto="auto:qualcode-default", human="ana")  # doctest: +SKIP
    >>> ev.table, ev.passages  # doctest: +SKIP
    """
    if isinstance(project, Project):
        return project_evaluation(project, auto=auto, human=human, codes=codes, unit=unit)
    from qualcode.project.store import open_project

    with open_project(project) as opened:
        return project_evaluation(opened, auto=auto, human=human, codes=codes, unit=unit)


def _unknown(coder: str, known: list[str], who: str = "Coder") -> str:
    """The problem of a coder with nothing in the project, with the nearest names."""
    close = difflib.get_close_matches(coder, known, n=3)
    hint = f"Did you mean {', '.join(map(repr, close))}?" if close else f"Coders: {', '.join(known)}."
    return f"{who} {coder!r} has no codings or decisions in this project. {hint}"


def _segment_frame(project: Project, documents: Iterable[str], unit: str) -> pd.DataFrame:
    """The ``unit`` segments of ``documents`` (in id order) as one frame of :data:`SEGMENT_FRAME` columns."""
    import pandas as pd

    return pd.DataFrame([s._asdict() for d in sorted(documents) for s in project.segments(d, unit)],
                        columns=SEGMENT_FRAME)


def _coders(project: Project) -> list[str]:
    found = {r[0] for r in project.db.execute("SELECT coder FROM codings UNION SELECT coder FROM coded_documents")}
    return sorted(found | reviewers(project))


def _coverage(project: Project, coder: str) -> set[str]:
    """The documents ``coder`` has touched (an automatic coder: coded in their current text)."""
    if coder.startswith("auto:"):
        sql = (
            "SELECT c.document FROM coded_documents c JOIN documents d ON d.id = c.document "
            "WHERE c.coder = ? AND c.content_hash = d.content_hash"
        )
    else:
        sql = "SELECT DISTINCT document FROM codings WHERE coder = ?"
    return {r[0] for r in project.db.execute(sql, (coder,))}


def project_result(project: Project, *, coder: str | None = None, unit: str = "paragraph") -> CodingResult:
    """One coder's codings in a project as a :class:`~qualcode.coding.coder.CodingResult` (for reports and tables).

    ``coder`` is a person's name or an automatic coder (``auto:<codebook>``; by default the one that ran
    last). Each coding counts for the ``unit`` segment holding its start; its evidence is its own span.
    """
    from qualcode.model.codebook import Code, Codebook
    from qualcode.model.results import CodedDocument, Evidence, build_result

    problems = _unit_problems(unit)
    if coder is None:
        coder, found = _auto_coder(project, None)
        problems += found if coder else ["Nothing to report: no automatic coder has run; pass coder=NAME."]
    elif coder not in (known := _coders(project)):
        problems.append(_unknown(coder, known))
    if problems:
        raise ProjectError(problems)
    assert coder is not None  # found above, or a problem was raised
    codings = project.codings(coder)
    row = project.db.execute(
        "SELECT b.content FROM runs r JOIN codebooks b ON b.hash = r.codebook_hash ORDER BY r.id DESC LIMIT 1"
    ).fetchone()
    book = _stored_codebook(project, row[0]) if row else Codebook("project", [])
    extra = [Code(c) for c in dict.fromkeys(codings["code"]) if c not in book]
    book = Codebook(book.name, [*book.codes, *extra], book.version, book.description)
    documents = []
    for doc_id in project.documents()["document"]:
        transcript = project.transcript(doc_id)
        segments = transcript.segments(unit)
        starts = [s.start for s in segments]
        evidence: dict[int, list[Evidence]] = {}
        for c in codings[codings["document"] == doc_id].itertuples():
            i = bisect.bisect_right(starts, int(c.start)) - 1
            if i >= 0:
                rule = c.rule if isinstance(c.rule, str) and c.rule else f"human:{coder}"
                evidence.setdefault(segments[i].segment_id, []).append(
                    Evidence(c.code, int(c.start), int(c.end), rule, transcript.text[int(c.start) : int(c.end)])
                )
        documents.append(CodedDocument(transcript, segments, evidence))
    return build_result(documents, codebook=book, unit=unit, coder=coder)


def _stored_codebook(project: Project, content: str) -> Codebook:
    """A codebook as the project stores it; ProjectError naming the file when the row is damaged."""
    from qualcode.ingest.codebook_io import codebook_from_dict
    from qualcode.model.errors import CodebookError
    from qualcode.project.database import damaged

    data = project.stored_json(content, "a stored codebook")
    try:
        return codebook_from_dict(data)
    except CodebookError as exc:
        raise damaged(project.path, f"codebook {str(data.get('name'))[:40]!r}",
                      "; ".join(p.message for p in exc.problems[:3])) from None
