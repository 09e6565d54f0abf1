"""REFI-QDA GUIDs of a project's objects: kept from an import, or derived, never random.

An object imported from a REFI-QDA file keeps its GUID: the ``refi_guids(kind, local_id, guid)`` table of
the project (created by the first import, so older project files open unchanged) maps it to the qualcode
object. Any other object gets a UUID 5 derived from the project's identity (its creation time) and the
object's own key, so that two exports of the same project give the same GUIDs, and a file coming back
from NVivo or ATLAS.ti with those GUIDs merges into the objects it came from.

Kinds and keys: ``user`` (coder name), ``code`` (code id), ``source`` and ``case`` (document id),
``variable`` (attribute name), ``note`` (memo id), ``coding`` and ``selection`` (see :func:`coding_key`).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable

from qualcode.ingest.refi.model import canon

__all__ = ["Guids", "coding_key", "selection_key"]

_TABLE = ("CREATE TABLE IF NOT EXISTS refi_guids (kind TEXT NOT NULL, local_id TEXT NOT NULL, "
          "guid TEXT NOT NULL, PRIMARY KEY (kind, local_id))")
_SEP = "\x1f"


def coding_key(coding_id: int, document: str, coder: str, code: str) -> str:
    """The key of a stored coding: its row id, checked against what it codes (row ids can be reused)."""
    return _SEP.join((str(coding_id), document, coder, code))


def selection_key(document: str, start: int, end: int, coder: str) -> str:
    """The key of a selection: one per span and coder (a peer takes a coding's coder from its selection)."""
    return _SEP.join((document, str(start), str(end), coder))


class Guids:
    """The GUIDs of one project: ``guid(kind, key)`` gives the stored GUID, else the derived one.

    Parameters
    ----------
    db : the project's connection (read at construction; :meth:`remember` writes, inside the caller's
        transaction).
    identity : what makes the project unique (the ``created`` value of its ``meta`` table).
    """

    def __init__(self, db: sqlite3.Connection, identity: str) -> None:
        self.db = db
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"qualcode:project:{identity}")
        exists = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refi_guids'").fetchone()
        rows = db.execute("SELECT kind, local_id, guid FROM refi_guids").fetchall() if exists else []
        self.stored: dict[tuple[str, str], str] = {(r[0], r[1]): r[2] for r in rows}

    @classmethod
    def of(cls, db: sqlite3.Connection) -> Guids:
        row = db.execute("SELECT value FROM meta WHERE key = 'created'").fetchone()
        return cls(db, row[0] if row else "")

    def derived(self, kind: str, key: str) -> str:
        return str(uuid.uuid5(self.namespace, f"{kind}{_SEP}{key}"))

    def guid(self, kind: str, key: str) -> str:
        return self.stored.get((kind, key)) or self.derived(kind, key)

    def lookup(self, kind: str, keys: Iterable[str]) -> dict[str, str]:
        """Canonical GUID -> key, for the objects of ``kind`` with these keys (stored and derived GUIDs)."""
        out: dict[str, str] = {}
        for key in keys:
            out.setdefault(canon(self.derived(kind, key)), key)
            if (kind, key) in self.stored:
                out[canon(self.stored[(kind, key)])] = key
        return out

    def remember(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Store ``(kind, key, guid)`` rows (inside the caller's transaction)."""
        rows = list(rows)
        if not rows:
            return
        self.db.execute(_TABLE)
        self.db.executemany("INSERT OR REPLACE INTO refi_guids VALUES (?, ?, ?)", rows)
        self.stored.update({(k, key): g for k, key, g in rows})
