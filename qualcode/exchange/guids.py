"""REFI-QDA GUIDs of a project's objects: kept from an import, or derived, never random.

An object imported from a REFI-QDA file keeps its GUID: the ``refi_guids(kind, local_id, guid)`` table of
the project (read and written through :mod:`qualcode.project.exchange_rows`) maps it to the qualcode object. Any other object gets a UUID 5 derived from the project's identity (its creation time) and the
object's own key, so that two exports of the same project give the same GUIDs, and a file coming back
from NVivo or ATLAS.ti with those GUIDs merges into the objects it came from.

Kinds and keys: ``user`` (coder name), ``code`` (code id), ``source`` and ``case`` (document id),
``variable`` (attribute name), ``note`` (memo id), ``coding`` and ``selection`` (see :func:`coding_key`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from qualcode.ingest.refi.model import canon
from qualcode.project.store import Project

__all__ = ["Guids", "coding_key", "selection_key"]

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
    project : the open project (its stored GUIDs are read at construction; :meth:`remember` writes,
        inside the caller's transaction).
    identity : what makes the project unique (its creation time).
    """

    def __init__(self, project: Project, identity: str) -> None:
        self.project = project
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"qualcode:project:{identity}")
        self.stored: dict[tuple[str, str], str] = project.stored_guids()

    @classmethod
    def of(cls, project: Project) -> Guids:
        return cls(project, project.created() or "")

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
        self.project.remember_guids(rows)
        self.stored.update({(k, key): g for k, key, g in rows})
