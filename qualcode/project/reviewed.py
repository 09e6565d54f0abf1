"""Which segments a person has reviewed: the rows of a review sheet marked reviewed, as imported.

A review sheet records decisions only where there is something to decide, so a reviewed row with nothing
marked and nothing proposed leaves no coding behind. Agreement needs to know it was read: "not coded"
on a row the person reviewed is a judgement, on a row they never reached it is missing. The rows are kept
per document text (``content_hash``): when a document changes, its segments are renumbered, and its
old review no longer says which of the new segments were read.

The table is in the schema since version 2 (a read-only file of version 1, never migrated, reads as having
no reviews).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.project.store import Project

__all__ = ["coverage_frame", "remember_reviewed", "reviewed_segments", "reviewers"]

def remember_reviewed(db: sqlite3.Connection, coder: str, unit: str, reviewed: Iterable[tuple[str, int]]) -> None:
    """Record that ``coder`` reviewed these ``(document, segment_id)`` of ``unit`` (in the caller's transaction)."""
    rows = sorted(set(reviewed))
    if not rows:
        return
    db.executemany(
        "INSERT OR REPLACE INTO reviewed_segments SELECT ?, ?, ?, ?, content_hash FROM documents WHERE id = ?",
        [(document, coder, unit, int(segment_id), document) for document, segment_id in rows],
    )


def _exists(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reviewed_segments'").fetchone() is not None


def reviewers(project: Project) -> set[str]:
    """The people who have imported a review sheet."""
    if not _exists(project.db):
        return set()
    return {r[0] for r in project.db.execute("SELECT DISTINCT coder FROM reviewed_segments")}


def reviewed_segments(project: Project, coder: str, unit: str) -> dict[str, set[int]]:
    """Per document (in its current text), the ``unit`` segments ``coder`` reviewed with a review sheet."""
    db = project.db
    if not _exists(db):
        return {}
    out: dict[str, set[int]] = {}
    for document, segment_id in db.execute(
        "SELECT r.document, r.segment_id FROM reviewed_segments r JOIN documents d ON d.id = r.document "
        "WHERE r.coder = ? AND r.unit = ? AND r.content_hash = d.content_hash",
        (coder, unit),
    ):
        out.setdefault(document, set()).add(int(segment_id))
    return out


def coverage_frame(
    project: Project, documents: dict[str, set[str]], unit: str, *, include_unreviewed: bool = False
) -> pd.DataFrame:
    """The units each coder covers, as :func:`qualcode.analysis.agreement.agreement_table` takes them
    (``coder, document, segment_id``; no id: the whole document). ``documents`` gives each coder's
    documents (a person's reviewed documents are added to them, even where the review left no coding).
    A person's document reviewed with a sheet counts by its reviewed rows only, unless
    ``include_unreviewed`` (then whole, its other rows counting as not coded); other documents count whole."""
    import pandas as pd

    rows: list[tuple[str, str, int | None]] = []
    for coder, found in documents.items():
        reviewed = {} if coder.startswith("auto:") else reviewed_segments(project, coder, unit)
        for document in sorted(found | set(reviewed)):
            ids = None if include_unreviewed else reviewed.get(document)
            rows += [(coder, document, None)] if ids is None else [(coder, document, s) for s in sorted(ids)]
    frame = pd.DataFrame(rows, columns=["coder", "document", "segment_id"])
    frame["segment_id"] = frame["segment_id"].astype("Int64")
    return frame
