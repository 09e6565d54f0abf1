"""Coding by hand, one document at a time: what a person sees of a document and the actions they take on it.

The coding widget (:mod:`qualcode.project.widget`) shows one person's view of a document: their own codings,
and the automatic codings and suggestions on which they have not decided yet. Each action is one transaction
of the store: a passage coded at offsets checked against the text it was selected in (so that a document
edited meanwhile is never coded at the wrong place), a coding removed by its id, a decision, a memo.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from typing import NamedTuple

from qualcode.ingest.codebook_check import codebook_from_dict
from qualcode.model.codebook import Code, Codebook
from qualcode.project.reading import PLACED
from qualcode.project.store import Project, ProjectError

__all__ = [
    "DocumentState",
    "Memo",
    "Shown",
    "code_passage",
    "document_state",
    "project_codebook",
    "read_only_reason",
    "remove_coding_by_id",
]

SUGGESTER = "auto:suggest:"  # prefix of the suggestion coders, one per person: auto:suggest:<coder>


class Shown(NamedTuple):
    """A coding as a person sees it. ``kind``: ``human`` (their own, accepted automatic codings included),
    ``auto`` (an automatic coding they have not decided on) or ``suggestion`` (one of
    ``auto:suggest:<coder>``'s, not decided on)."""

    id: int
    code: str
    start: int
    end: int
    coder: str
    kind: str
    rule: str | None
    decision: str | None


class Memo(NamedTuple):
    """A memo on a document, or on one of its codings (``coding``; ``code`` is then the coding's code)."""

    id: int
    author: str
    coding: int | None
    code: str | None
    text: str
    created: str


@dataclass(frozen=True)
class DocumentState:
    """One person's view of a document: the codings shown (by start), how many of theirs an edit of the text
    left unplaced (see :meth:`Project.unplaced`), and the document's memos (oldest first)."""

    document: str
    coder: str
    codings: list[Shown]
    unplaced: int
    memos: list[Memo]


def document_state(project: Project, document: str, coder: str) -> DocumentState:
    """What ``coder`` sees of ``document``: one read of the document's codings, in proportion to their number
    (plain rows: a widget action reads this after every write, and a DataFrame costs more than the read)."""
    rows = project.db.execute(
        'SELECT id, code, start, "end", coder, status, rule, decision FROM codings WHERE document = ?', (document,)
    ).fetchall()
    mine = [r for r in rows if r["coder"] == coder]
    decided = {(r["code"], r["start"], r["end"]) for r in mine if r["decision"] and r["status"] != "unplaced"}
    shown = []
    for r in rows:
        who = r["coder"]
        if who == coder:
            kind = "human" if r["status"] in PLACED and r["decision"] != "rejected" else None
        elif who.startswith("auto:") and r["status"] == "auto" and (r["code"], r["start"], r["end"]) not in decided:
            kind = "auto" if not who.startswith(SUGGESTER) else "suggestion" if who == SUGGESTER + coder else None
        else:
            kind = None  # another person's, a stale automatic coding, or one decided on
        if kind is not None:
            shown.append(Shown(r["id"], r["code"], r["start"], r["end"], who, kind, r["rule"], r["decision"]))
    shown.sort(key=lambda c: (c.start, c.end, c.kind, c.code, c.id))
    memos = project.db.execute(
        "SELECT id, author, coding, code, text, created FROM memos WHERE document = ? ORDER BY id", (document,)
    ).fetchall()
    unplaced = sum(r["status"] == "unplaced" for r in mine)
    return DocumentState(document, coder, shown, unplaced, [Memo(*m) for m in memos])


@functools.lru_cache(maxsize=8)
def _codebook(content: str) -> Codebook:
    return codebook_from_dict(json.loads(content))


def project_codebook(project: Project) -> Codebook:
    """The codebook of the project's latest automatic run (suggestion runs, ``auto:suggest:<coder>``, only
    when no other has run), then every other code the project uses (codes added by hand), as plain codes;
    an empty codebook named ``project`` when none has run."""
    row = project.db.execute(
        "SELECT b.content FROM runs r JOIN codebooks b ON b.hash = r.codebook_hash "
        "ORDER BY r.coder LIKE ? ESCAPE '!', r.id DESC LIMIT 1",
        (SUGGESTER.replace("_", "!_") + "%",),
    ).fetchone()
    book = _codebook(row[0]) if row else Codebook("project", [])
    extra = [Code(r[0]) for r in project.db.execute("SELECT id FROM codes ORDER BY id") if r[0] not in book]
    return Codebook(book.name, [*book.codes, *extra], book.version, book.description)


def code_passage(
    project: Project, document: str, code: str, *, coder: str, start: int, end: int, text: str, new_code: bool = False
) -> int:
    """Code ``document[start:end]`` as ``code`` by ``coder`` if it still reads ``text``; return the coding's id.

    The check and the coding are one transaction: a passage selected in a text that has been edited since
    (by ``qualcode project add`` in another process, say) is refused, not coded at the wrong place.
    """
    with project.transaction() as db:
        row = None
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end:  # else add_coding says why
            row = db.execute(
                "SELECT substr(text, ?, ?), length(text) FROM documents WHERE id = ?",
                (start + 1, end - start, document),
            ).fetchone()
        if row is not None and end <= row[1] and row[0] != text:
            raise ProjectError(
                f"The text of document {document!r} at [{start}, {end}) is no longer the passage that was "
                f"selected ({_clip(text)!r}): the document changed since it was shown. Show it again and "
                "select the passage anew."
            )
        return project.add_coding(document, code, coder=coder, start=start, end=end, new_code=new_code)


def remove_coding_by_id(project: Project, coding_id: int, *, coder: str) -> int:
    """Remove ``coder``'s coding (or decision) ``coding_id``, in one transaction; return the rows removed.

    Removing an accepted automatic coding makes it undecided again. Memos on it stay on its document and code.
    """
    with project.transaction() as db:
        row = db.execute(
            'SELECT document, coder, code, start, "end" FROM codings WHERE id = ?', (coding_id,)
        ).fetchone()
        if row is None or row["coder"] != coder:
            whose = "no such coding" if row is None else f"it is {row['coder']}'s"
            raise ProjectError(
                f"Coding {coding_id!r} cannot be removed by {coder!r} ({whose}): a person removes only their "
                f"own codings. List them with Project.codings(coder={coder!r})."
            )
        return project.remove_coding(
            row["document"], row["code"], coder=coder, start=row["start"], end=row["end"]
        )


def read_only_reason(project: Project) -> str | None:
    """Why the project cannot be written, when it is known before trying (a read-only file or connection)."""
    if project.db.execute("PRAGMA query_only").fetchone()[0]:
        return f"{project.path}: the project is open read-only; codings cannot be saved."
    if os.path.exists(project.path) and not os.access(project.path, os.W_OK):
        return (
            f"{project.path}: the file is read-only; codings cannot be saved. Make it writable (or work on a "
            "copy) and show the widget again."
        )
    return None


def _clip(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
