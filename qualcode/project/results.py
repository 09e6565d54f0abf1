"""Review sheets and inter-coder agreement on a project: the glue between the store, sheets and agreement.

A review sheet shows, for each segment of the chosen documents and each code, whether the code applies:
prefilled with the automatic coder's codings inside the segment, as the reviewer has already decided them
(a code they rejected shows empty, a segment they coded shows marked). Read back, each *reviewed* row is the
reviewer's word on every code column of the sheet for that segment: a marked code becomes their coding of
the segment and accepts the automatic codings of that code inside it; an unmarked one rejects those
automatic codings and withdraws their coding of exactly that segment. Codings of smaller spans made by hand
are neither shown nor touched. A sheet is imported whole, in one transaction, or not at all; importing the
same sheet again changes nothing.
"""

from __future__ import annotations

import bisect
import difflib
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.model.transcript import UNITS, Segment
from qualcode.project.review import (
    LEADING,
    TRAILING,
    ReviewSheetError,
    SheetProblem,
    export_review_sheet,
    read_review_sheet,
)
from qualcode.project.reviewed import coverage_frame, remember_reviewed, reviewers
from qualcode.project.store import Project, ProjectError, _coder_problems

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.analysis.evaluation import Evaluation
    from qualcode.model.codebook import Codebook
    from qualcode.model.results import CodingResult

__all__ = [
    "ReviewExport",
    "ReviewImport",
    "agreement_coverage",
    "evaluate",
    "export_review",
    "import_review",
    "project_agreement",
    "project_evaluation",
]

LEVELS = ("segment", "character")
SEGMENT_FRAME = ["document", "segment_id", "unit", "start", "end", "speaker", "section", "text"]


@dataclass(frozen=True)
class ReviewExport:
    """What :func:`export_review` wrote: the sheet, its documents, segments and code columns."""

    path: Path
    documents: tuple[str, ...]
    segments: int
    codes: tuple[str, ...]
    auto_coder: str | None
    prefilled: int

    def __str__(self) -> str:
        source = f"prefilled from {self.auto_coder}" if self.auto_coder else "no automatic coder to prefill"
        return (
            f"{self.path}: {self.segments} segments of {len(self.documents)} documents, "
            f"{len(self.codes)} code columns, {self.prefilled} cells marked ({source})."
        )


@dataclass
class ReviewImport:
    """What :func:`import_review` changed in the project (all zero when the sheet was already imported)."""

    coder: str
    auto_coder: str | None
    reviewed: int = 0
    added: int = 0
    accepted: int = 0
    rejected: int = 0
    removed: int = 0
    memos: int = 0

    @property
    def changed(self) -> int:
        return self.added + self.accepted + self.rejected + self.removed + self.memos

    def __str__(self) -> str:
        return (
            f"{self.reviewed} reviewed segments read for {self.coder}: {self.added} codings added, "
            f"{self.accepted} accepted, {self.rejected} rejected, {self.removed} withdrawn, "
            f"{self.memos} comments kept as memos."
        )


# --- export ------------------------------------------------------------------------------------------


def export_review(
    project: Project,
    path: str | os.PathLike[str],
    *,
    coder: str,
    documents: Iterable[str] | None = None,
    codes: Sequence[str] | None = None,
    auto_coder: str | None = None,
    unit: str = "paragraph",
    delimiter: str = ",",
) -> ReviewExport:
    """Write a review sheet (.csv or .xlsx, by suffix) of the documents' segments for ``coder`` to review.

    Parameters
    ----------
    project : an open project.
    path : the sheet; written atomically, replacing any file there.
    coder : the reviewer; their earlier decisions show in the prefill.
    documents : the documents to review, by default all of the project's.
    codes : the code columns, by default every code of the project, in codebook order.
    auto_coder : whose codings to prefill, e.g. ``"auto:qualcode-default"``; by default the automatic
        coder that ran last (none: nothing prefilled).
    unit : the segments, one row each: ``paragraph``, ``sentence`` or ``turn``.
    delimiter : of a CSV sheet; ``";"`` for Excel set to French.

    Raises
    ------
    ProjectError : listing every unknown document, code, coder or unit.
    """
    auto_coder, problems = _auto_coder(project, auto_coder)
    problems += _coder_problems(coder) + _unit_problems(unit)
    if Path(path).suffix.lower() not in (".csv", ".xlsx"):
        problems.append(f"The review sheet {str(path)!r} must be a .csv or .xlsx file.")
    chosen = list(project.documents()["document"]) if documents is None else list(dict.fromkeys(documents))
    codes = _codes(project, codes, auto_coder, problems)
    segments: dict[str, list[Segment]] = {}
    for document in chosen if unit in UNITS else []:
        try:
            segments[document] = project.segments(document, unit)
        except ProjectError as exc:
            problems += exc.problems
    if problems:
        raise ProjectError(problems)
    marked = []
    for document, found in segments.items():
        state = _State(project.db, document, coder, auto_coder)
        marked += [(document, s.segment_id, c) for s in found for c in codes if state.shown(s, c)]
    import pandas as pd

    rows = [vars(s) for found in segments.values() for s in found]
    prefill = pd.DataFrame(marked, columns=["document", "segment_id", "code"])
    export_review_sheet(
        pd.DataFrame(rows, columns=SEGMENT_FRAME), prefill, path, codes=codes, delimiter=delimiter
    )
    return ReviewExport(Path(path), tuple(chosen), len(rows), tuple(codes), auto_coder, len(marked))


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


def _codes(
    project: Project, codes: Sequence[str] | None, auto_coder: str | None, problems: list[str]
) -> list[str]:
    """The sheet's code columns: those given, or the project's in the order of the latest codebook."""
    known = list(project.codes()["code"])
    if codes is None:
        row = project.db.execute(
            "SELECT b.content FROM runs r JOIN codebooks b ON b.hash = r.codebook_hash "
            "WHERE coalesce(r.coder = ?, 1) ORDER BY r.id DESC LIMIT 1",
            (auto_coder,),
        ).fetchone()
        order = [c.id for c in _stored_codebook(project, row[0]).codes] if row else []
        codes = [c for c in order if c in known] + [c for c in known if c not in order]
    codes = list(dict.fromkeys(codes))
    for code in codes:
        if code not in known:
            close = difflib.get_close_matches(code, known, n=3)
            hint = (
                f"Did you mean {', '.join(map(repr, close))}?" if close else "List them with Project.codes()."
            )
            problems.append(f"Code {code!r} is not used in this project. {hint}")
        elif code in LEADING + TRAILING:
            problems.append(
                f"Code {code!r} has the name of a fixed column of review sheets ({', '.join(LEADING + TRAILING)}); "
                "leave it out of the codes to review."
            )
    if not codes:
        problems.append("The project has no codes yet: code it automatically first, or give the codes.")
    return codes


class _State:
    """One document's codings as a reviewer sees them: the automatic coder's and the reviewer's own."""

    def __init__(self, db: sqlite3.Connection, document: str, coder: str, auto_coder: str | None) -> None:
        rows = db.execute(
            "SELECT * FROM codings WHERE document = ? AND ((coder = ? AND status = 'auto') "
            "OR (coder = ? AND status != 'unplaced')) ORDER BY id",
            (document, auto_coder, coder),
        ).fetchall()
        self.autos = [r for r in rows if r["coder"] == auto_coder]
        self.own = {(r["code"], r["start"], r["end"]): r for r in rows if r["coder"] == coder}

    def autos_in(self, segment: Segment, code: str) -> list[sqlite3.Row]:
        return [
            r
            for r in self.autos
            if r["code"] == code and segment.start <= r["start"] and r["end"] <= segment.end
        ]

    def decision(self, code: str, start: int, end: int) -> str | None:
        row = self.own.get((code, start, end))
        return None if row is None else (row["decision"] or "coded")

    def shown(self, segment: Segment, code: str) -> bool:
        """Whether the sheet marks ``code`` on ``segment``: the reviewer's coding or an undecided auto one."""
        if self.decision(code, segment.start, segment.end) in ("coded", "accepted"):
            return True
        return any(
            self.decision(code, r["start"], r["end"]) != "rejected" for r in self.autos_in(segment, code)
        )


# --- import ------------------------------------------------------------------------------------------


def import_review(
    project: Project,
    path: str | os.PathLike[str],
    *,
    coder: str,
    auto_coder: str | None = None,
    unit: str = "paragraph",
) -> ReviewImport:
    """Read a filled review sheet and write ``coder``'s codings and decisions on its reviewed rows.

    Parameters
    ----------
    project : an open project.
    path : the sheet (.csv or .xlsx), as written by :func:`export_review` and filled by the reviewer.
    coder : the reviewer.
    auto_coder : whose codings a marked code accepts and an unmarked one rejects; by default the automatic
        coder that ran last (as for the export).
    unit : the unit the sheet was exported with.

    Returns
    -------
    What changed. Comments of reviewed rows are kept as the reviewer's memos on the document.

    Raises
    ------
    ReviewSheetError : listing every problem of the sheet (unknown document, segment or code, bad value).
    ProjectError : an invalid coder, unit or automatic coder.
    Nothing is written then; the writes happen in one transaction, so an error half-way writes nothing.
    """
    auto_coder, problems = _auto_coder(project, auto_coder)
    problems += _coder_problems(coder) + _unit_problems(unit)
    if problems:
        raise ProjectError(problems)
    segments = {d: project.segments(d, unit) for d in project.documents()["document"]}
    known = {d: [s.segment_id for s in found] for d, found in segments.items()}
    texts = {(d, s.segment_id): s.text for d, found in segments.items() for s in found}
    sheet = read_review_sheet(
        path, coder=coder, known_documents=known, known_codes=project.codes()["code"], known_texts=texts
    )
    others = sorted(set(sheet.codings["unit"]) - {unit})
    if others:
        raise ReviewSheetError(
            path,
            [
                SheetProblem(
                    f"reviewed rows are by {', '.join(others)}, not by {unit}: import the sheet with the unit "
                    f"it was exported with (unit={others[0]!r})",
                    column="unit",
                )
            ],
        )
    marked = set(
        zip(sheet.codings["document"], sheet.codings["segment_id"], sheet.codings["code"], strict=True)
    )
    summary = ReviewImport(coder, auto_coder, reviewed=len(sheet.reviewed))
    with project._transaction() as db:
        for document in sorted({d for d, _ in sheet.reviewed}):
            writer = _Writer(db, document, coder, auto_coder, summary)
            for segment in project.segments(document, unit):  # read again under the write lock
                if (document, segment.segment_id) in sheet.reviewed:
                    for code in sheet.codes:
                        writer.review(segment, code, (document, segment.segment_id, code) in marked)
        remember_reviewed(db, coder, unit, sheet.reviewed)
        for document, segment_id, comment in sheet.comments.itertuples(index=False):
            summary.memos += _memo(db, coder, document, f"{unit} {segment_id}: {comment}")
    return summary


class _Writer(_State):
    """Applies a reviewer's word on one document's segments, inside the caller's transaction."""

    def __init__(
        self, db: sqlite3.Connection, document: str, coder: str, auto_coder: str | None, summary: ReviewImport
    ) -> None:
        super().__init__(db, document, coder, auto_coder)
        self.db, self.document, self.coder, self.summary = db, document, coder, summary

    def review(self, segment: Segment, code: str, marked: bool) -> None:
        for auto in self.autos_in(segment, code):
            self._decide(auto, "accepted" if marked else "rejected")
        own = self.own.get((code, segment.start, segment.end))
        if marked and own is None:
            self._insert(code, segment, status="coded")
            self.summary.added += 1
        elif marked and own is not None and own["decision"] == "rejected":  # as Project.add_coding does
            self.db.execute("UPDATE codings SET decision = 'accepted' WHERE id = ?", (own["id"],))
            self.summary.accepted += 1
        elif not marked and own is not None and own["decision"] != "rejected":
            self.db.execute("DELETE FROM codings WHERE id = ?", (own["id"],))
            del self.own[code, segment.start, segment.end]
            self.summary.removed += 1
        else:
            return
        self._reload(code, segment.start, segment.end)

    def _decide(self, auto: sqlite3.Row, decision: str) -> None:
        """As :meth:`Project.accept` / :meth:`Project.reject` do, counting only real changes."""
        key = (auto["code"], auto["start"], auto["end"])
        own = self.own.get(key)
        if own is not None and own["decision"] == decision:
            return
        if own is not None:
            self.db.execute(
                "UPDATE codings SET decision = ?, source = ? WHERE id = ?",
                (decision, auto["coder"], own["id"]),
            )
        else:
            self._insert(auto["code"], auto, status="coded", decision=decision)
        setattr(self.summary, decision, getattr(self.summary, decision) + 1)
        self._reload(*key)

    def _insert(
        self, code: str, where: Segment | sqlite3.Row, *, status: str, decision: str | None = None
    ) -> None:
        if isinstance(where, Segment):
            values = (
                where.start,
                where.end,
                where.text,
                where.unit,
                where.segment_id,
                None,
                None,
                None,
                None,
            )
        else:
            values = (
                where["start"],
                where["end"],
                where["text"],
                where["unit"],
                where["segment_id"],
                where["coder"],
                where["rule"],
                where["matched"],
                where["codebook_hash"],
            )
        self.db.execute(
            'INSERT INTO codings (document, coder, code, start, "end", text, unit, segment_id, source, rule, '
            "matched, codebook_hash, status, decision, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.document, self.coder, code, *values, status, decision, _now()),
        )

    def _reload(self, code: str, start: int, end: int) -> None:
        row = self.db.execute(
            'SELECT * FROM codings WHERE document = ? AND coder = ? AND code = ? AND start = ? AND "end" = ? '
            "AND status != 'unplaced'",
            (self.document, self.coder, code, start, end),
        ).fetchone()
        if row is not None:
            self.own[code, start, end] = row


def _memo(db: sqlite3.Connection, author: str, document: str, text: str) -> int:
    """Write a memo on ``document`` unless the author already wrote the same one there; return 1 if written."""
    if db.execute(
        "SELECT 1 FROM memos WHERE author = ? AND document = ? AND text = ?", (author, document, text)
    ).fetchone():
        return 0
    db.execute(
        "INSERT INTO memos (author, text, created, document) VALUES (?, ?, ?, ?)",
        (author, text, _now(), document),
    )
    return 1


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# --- agreement ---------------------------------------------------------------------------------------


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

    return pd.DataFrame([vars(s) for d in sorted(documents) for s in project.segments(d, unit)],
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
    from qualcode.project.store import damaged

    data = project.stored_json(content, "a stored codebook")
    try:
        return codebook_from_dict(data)
    except CodebookError as exc:
        raise damaged(project.path, f"codebook {str(data.get('name'))[:40]!r}",
                      "; ".join(p.message for p in exc.problems[:3])) from None
