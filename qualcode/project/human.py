"""What people record in a project: codings by hand, decisions on automatic codings, and memos.

Every request is checked whole before anything is written, and every problem is reported at once (an
unknown document with the closest ids, a span that does not fit the text, a code id that is not valid).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from qualcode.model.transcript import UNITS
from qualcode.project.database import _inserted, _now
from qualcode.project.errors import ProjectError
from qualcode.project.reading import Reading

__all__ = ["CODE_ID", "HumanWork"]

CODE_ID = re.compile(r"[A-Za-z][\w.-]*")  # matched whole (fullmatch): "trust\n" is not an id


class HumanWork(Reading):
    """The methods of :class:`qualcode.project.store.Project` for human codings, decisions and memos."""

    def add_coding(
        self,
        document: str,
        code: str,
        *,
        coder: str,
        start: int | None = None,
        end: int | None = None,
        unit: str | None = None,
        segment_id: int | None = None,
        new_code: bool = False,
    ) -> int:
        """Code a span (``start``, ``end``) or a segment (``unit``, ``segment_id``) of ``document`` as ``code``
        by the human ``coder``; return the coding's id (the existing one if the coder already coded it).

        ``code`` must be one of the project's codes (:meth:`codes`): a mistyped one is refused with the
        nearest names, never created by accident; ``new_code=True`` creates it."""
        where = self._locate(document, code, coder, start, end, unit, segment_id, new_code=new_code)
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO codes VALUES (?, ?, ?)", (code, f"human:{coder}", _now()))
            existing = db.execute(
                'SELECT id FROM codings WHERE document = ? AND coder = ? AND code = ? AND start = ? AND "end" = ? '
                "AND status != 'unplaced'",
                (document, coder, code, where.start, where.end),
            ).fetchone()
            if existing is not None:
                db.execute(
                    "UPDATE codings SET decision = 'accepted' WHERE id = ? AND decision = 'rejected'",
                    (existing[0],),
                )
                return int(existing[0])
            cursor = db.execute(
                'INSERT INTO codings (document, coder, code, start, "end", text, unit, segment_id, status, created) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'coded', ?)",
                (
                    document,
                    coder,
                    code,
                    where.start,
                    where.end,
                    where.text,
                    where.unit,
                    where.segment_id,
                    _now(),
                ),
            )
            return _inserted(cursor)

    def remove_coding(
        self,
        document: str,
        code: str,
        *,
        coder: str,
        start: int | None = None,
        end: int | None = None,
        unit: str | None = None,
        segment_id: int | None = None,
    ) -> int:
        """Remove what ``coder`` recorded for ``code`` on a span or segment (coding or decision); return the
        number of rows removed. Memos on the coding stay, attached to its document and code."""
        where = self._locate(document, code, coder, start, end, unit, segment_id, check_range=False)
        with self._transaction() as db:
            removed = db.execute(
                "DELETE FROM codings WHERE document = ? AND coder = ? AND code = ? AND start = ? "
                'AND "end" = ?',
                (document, coder, code, where.start, where.end),
            ).rowcount
        if not removed:
            raise ProjectError(
                f"Coder {coder!r} has no coding {code!r} on document {document!r} at [{where.start}, {where.end}). "
                f"List that coder's codings with Project.codings(coder={coder!r}, placed_only=False)."
            )
        return removed

    def accept(self, coding_id: int, *, coder: str) -> int:
        """Accept an automatic coding: it becomes ``coder``'s coding (decision ``accepted``); return its id."""
        return self._decide(coding_id, coder, "accepted")

    def reject(self, coding_id: int, *, coder: str) -> int:
        """Reject an automatic coding: recorded as ``coder``'s decision, kept across re-runs, and excluded
        from that coder's codings; return the decision's id."""
        return self._decide(coding_id, coder, "rejected")

    def _decide(self, coding_id: int, coder: str, decision: str) -> int:
        problems = _coder_problems(coder)
        auto = self.db.execute("SELECT * FROM codings WHERE id = ?", (coding_id,)).fetchone()
        if auto is None or auto["status"] != "auto":
            problems.append(
                f"Coding {coding_id!r} is not a current automatic coding ("
                f"{'no such coding' if auto is None else 'status ' + auto['status']}). Take the id "
                "of a row with status 'auto' from Project.codings() or Project.undecided(coder)."
            )
        if problems:
            raise ProjectError(problems)
        key = (auto["document"], coder, auto["code"], auto["start"], auto["end"])
        with self._transaction() as db:
            existing = db.execute(
                'SELECT id FROM codings WHERE document = ? AND coder = ? AND code = ? AND start = ? AND "end" = ? '
                "AND status != 'unplaced'",
                key,
            ).fetchone()
            if existing is not None:
                db.execute(
                    "UPDATE codings SET decision = ?, source = ? WHERE id = ?",
                    (decision, auto["coder"], existing[0]),
                )
                return int(existing[0])
            cursor = db.execute(
                'INSERT INTO codings (document, coder, code, start, "end", text, unit, segment_id, status, '
                "decision, source, rule, matched, codebook_hash, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'coded', ?, ?, ?, ?, ?, ?)",
                (
                    *key,
                    auto["text"],
                    auto["unit"],
                    auto["segment_id"],
                    decision,
                    auto["coder"],
                    auto["rule"],
                    auto["matched"],
                    auto["codebook_hash"],
                    _now(),
                ),
            )
            return _inserted(cursor)

    def _locate(
        self,
        document: str,
        code: str,
        coder: str,
        start: int | None,
        end: int | None,
        unit: str | None,
        segment_id: int | None,
        *,
        check_range: bool = True,
        new_code: bool = True,
    ) -> _Where:
        """Validate a coding request, reporting every problem at once; return where it applies. Unless
        ``new_code``, the code must be one of the project's."""
        problems = _coder_problems(coder)
        if not isinstance(code, str) or not CODE_ID.fullmatch(code):
            problems.append(
                f"Code id {code!r} is not valid: it must start with a letter and hold only letters, "
                "digits, '_', '.' or '-' (e.g. 'turnover' or 'temps.duree')."
            )
        elif not new_code and self.db.execute("SELECT 1 FROM codes WHERE id = ?", (code,)).fetchone() is None:
            problems.append(self._unknown_code(code))
        row = self.db.execute("SELECT text FROM documents WHERE id = ?", (document,)).fetchone()
        if row is None:
            problems.append(self._unknown_document(document))
        by_span, by_segment = (start, end) != (None, None), (unit, segment_id) != (None, None)
        where = None
        if by_span == by_segment:
            problems.append(
                "Say where to code: either start and end (character offsets) or unit and segment_id"
                f"{', not both' if by_span else ''}."
            )
        elif row is not None and by_span:
            where = _span(row["text"], document, start, end, problems, check_range)
        elif row is not None:
            where = self._segment(document, unit, segment_id, problems)
        if problems or where is None:
            raise ProjectError(problems)
        return where

    def _segment(self, document: str, unit: Any, segment_id: Any, problems: list[str]) -> _Where | None:
        if unit not in UNITS:
            problems.append(f"Unit {unit!r} is not one of {', '.join(UNITS)}.")
            return None
        found = self.segments(document, unit)
        if not isinstance(segment_id, int) or not 1 <= segment_id <= len(found):
            problems.append(
                f"Document {document!r} has {len(found)} {unit} segments, numbered from 1; "
                f"segment_id {segment_id!r} is not one of them. List them with "
                f"Project.segments({document!r}, {unit!r})."
            )
            return None
        s = found[segment_id - 1]
        return _Where(s.start, s.end, s.text, unit, segment_id)

    # -- memos --------------------------------------------------------------------------------------------

    def add_memo(
        self,
        text: str,
        *,
        author: str,
        document: str | None = None,
        code: str | None = None,
        coding: int | None = None,
    ) -> int:
        """Write a memo on a document, a code, a document and code, or a human coding; return its id."""
        problems = _coder_problems(author, "author")
        if not isinstance(text, str) or not text.strip():
            problems.append("The memo is empty: write its text.")
        if coding is not None:
            row = self.db.execute(
                "SELECT document, code, coder FROM codings WHERE id = ?", (coding,)
            ).fetchone()
            if row is None or row["coder"].startswith("auto:"):
                problems.append(
                    f"Coding {coding!r} is {'unknown' if row is None else 'automatic'}: memos go on human "
                    "codings (accept an automatic coding first), documents or codes."
                )
            else:
                document, code = row["document"], row["code"]
        if document is None and code is None and coding is None:
            problems.append("Say what the memo is about: a document, a code or a coding.")
        if (
            document is not None
            and coding is None
            and self.db.execute("SELECT 1 FROM documents WHERE id = ?", (document,)).fetchone() is None
        ):
            problems.append(self._unknown_document(document))
        if code is not None and not CODE_ID.fullmatch(str(code)):
            problems.append(
                f"Code id {code!r} is not valid: it must start with a letter and hold only letters, "
                "digits, '_', '.' or '-'."
            )
        if problems:
            raise ProjectError(problems)
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO memos (author, text, created, document, code, coding) VALUES (?, ?, ?, ?, ?, ?)",
                (author, text, _now(), document, code, coding),
            )
            return _inserted(cursor)


@dataclass(frozen=True)
class _Where:
    start: int
    end: int
    text: str
    unit: str | None = None
    segment_id: int | None = None


def _span(
    text: str, document: str, start: Any, end: Any, problems: list[str], check_range: bool
) -> _Where | None:
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
        problems.append(
            f"start and end must both be whole numbers (character offsets). Got {start!r}, {end!r}."
        )
        return None
    if check_range and not 0 <= start < end <= len(text):
        problems.append(
            f"Span [{start}, {end}) does not fit document {document!r} ({len(text)} characters): "
            "offsets count characters from 0, end excluded, and the span may not be empty."
        )
        return None
    return _Where(start, end, text[start:end])


def _coder_problems(name: Any, role: str = "coder") -> list[str]:
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        return [
            f"The {role} {name!r} is not a name: give a person's name or initials, without surrounding spaces."
        ]
    if name.lower().startswith("auto:"):
        return [
            f"The {role} {name!r} starts with 'auto:', which names automatic coders: give a person's name."
        ]
    return []
