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

import difflib
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.model.transcript import UNITS, Segment
from qualcode.project.database import _now
from qualcode.project.human import _coder_problems
from qualcode.project.results import SEGMENT_FRAME, _auto_coder, _stored_codebook, _unit_problems
from qualcode.project.review import (
    LEADING,
    TRAILING,
    ReviewSheetError,
    SheetProblem,
    export_review_sheet,
    read_review_sheet,
)
from qualcode.project.reviewed import remember_reviewed
from qualcode.project.store import Project, ProjectError

__all__ = ["ReviewExport", "ReviewImport", "export_review", "import_review"]


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

    rows = [s._asdict() for found in segments.values() for s in found]
    prefill = pd.DataFrame(marked, columns=["document", "segment_id", "code"])
    export_review_sheet(
        pd.DataFrame(rows, columns=SEGMENT_FRAME), prefill, path, codes=codes, delimiter=delimiter
    )
    return ReviewExport(Path(path), tuple(chosen), len(rows), tuple(codes), auto_coder, len(marked))


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
