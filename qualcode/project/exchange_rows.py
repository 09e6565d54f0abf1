"""What REFI-QDA exchange (:mod:`qualcode.exchange`) reads from a project and writes into it.

The GUIDs of imported objects (the ``refi_guids`` table), the rows an export writes out (codings with their
times, memos, attributes, texts), and the rows a merge matches and adds. The writes join the caller's
transaction (:meth:`~qualcode.project.database.Database.transaction`): a merge is written whole or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from qualcode.project.database import _inserted
from qualcode.project.reading import Reading

__all__ = ["ExchangeRows"]


class ExchangeRows(Reading):
    """The methods of :class:`qualcode.project.store.Project` that REFI-QDA import and export call."""

    # -- identity and GUIDs -----------------------------------------------------------------------------

    def created(self) -> str | None:
        """When the project was created (its identity: the GUIDs an export derives depend on it)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'created'").fetchone()
        return row[0] if row else None

    def stored_guids(self) -> dict[tuple[str, str], str]:
        """``(kind, key) -> GUID`` of the objects imported from REFI-QDA files (none in a read-only file of
        schema version 1, which has no such table)."""
        exists = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refi_guids'").fetchone()
        rows = self.db.execute("SELECT kind, local_id, guid FROM refi_guids").fetchall() if exists else []
        return {(r[0], r[1]): r[2] for r in rows}

    def remember_guids(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Store ``(kind, key, guid)`` rows (inside the caller's transaction)."""
        self.db.executemany("INSERT OR REPLACE INTO refi_guids VALUES (?, ?, ?)", rows)

    # -- what an export reads ---------------------------------------------------------------------------

    def coding_rows(self) -> list[sqlite3.Row]:
        """Every coding with its status, decision and creation time, by document and span."""
        return self.db.execute(
            'SELECT id, document, coder, code, start, "end", status, decision, created FROM codings '
            'ORDER BY document, start, "end", coder, code, id').fetchall()

    def text_lengths(self) -> dict[str, int]:
        """Per document, the characters of its text."""
        return dict(self.db.execute("SELECT id, length(text) FROM documents").fetchall())

    def memo_rows(self) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT id, author, text, created, document, code, coding FROM memos ORDER BY id").fetchall()

    def last_modified(self) -> str | None:
        """The time of the latest document update, coding or memo."""
        dates = [d for (d,) in self.db.execute(
            "SELECT max(updated) FROM documents UNION ALL SELECT max(created) FROM codings "
            "UNION ALL SELECT max(created) FROM memos") if d]
        return max(dates) if dates else None

    def document_texts(self) -> list[sqlite3.Row]:
        """``id, text`` of every document, by id."""
        return self.db.execute("SELECT id, text FROM documents ORDER BY id").fetchall()

    def attribute_values(self) -> list[tuple[str, Any]]:
        """``(name, value)`` of every attribute value, by name."""
        return self.db.execute("SELECT name, value FROM attributes ORDER BY name").fetchall()

    def attribute_rows(self) -> list[sqlite3.Row]:
        """``document, name, value`` of the attributes that have a value, by document and name."""
        return self.db.execute("SELECT document, name, value FROM attributes WHERE value IS NOT NULL "
                               "ORDER BY document, name").fetchall()

    # -- what a merge matches and adds ------------------------------------------------------------------

    def people(self) -> set[str]:
        """Every coder and memo author."""
        return {r[0] for r in self.db.execute("SELECT coder FROM codings UNION SELECT author FROM memos")}

    def content_hashes(self) -> list[tuple[str, str]]:
        """``(document, content_hash)`` by document id (the hash: SHA-256 of the UTF-8 text)."""
        return self.db.execute("SELECT id, content_hash FROM documents ORDER BY id").fetchall()

    def document_text(self, document: str) -> str | None:
        row = self.db.execute("SELECT text FROM documents WHERE id = ?", (document,)).fetchone()
        return row[0] if row else None

    def attribute(self, document: str, name: str) -> sqlite3.Row | None:
        """The row (``value``) of one attribute of a document, None if it has none."""
        return self.db.execute("SELECT value FROM attributes WHERE document = ? AND name = ?",
                               (document, name)).fetchone()

    def set_attribute(self, document: str, name: str, value: Any) -> None:
        """Give ``document`` an attribute it does not have yet."""
        self.db.execute("INSERT INTO attributes VALUES (?, ?, ?)", (document, name, value))

    def coding_spans(self) -> list[sqlite3.Row]:
        """``id, document, coder, code, start, end, status`` of every coding."""
        return self.db.execute('SELECT id, document, coder, code, start, "end", status FROM codings').fetchall()

    def coding_span(self, coding: int) -> sqlite3.Row | None:
        """``document, coder, code, start, end`` of one coding."""
        return self.db.execute('SELECT document, coder, code, start, "end" FROM codings WHERE id = ?',
                               (coding,)).fetchone()

    def insert_coding(self, document: str, coder: str, code: str, start: int, end: int, text: str, *,
                      status: str, created: str) -> int:
        """Add a coding (an imported one: no rule, no unit); return its id."""
        cursor = self.db.execute(
            'INSERT INTO codings (document, coder, code, start, "end", text, status, created) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (document, coder, code, start, end, text, status, created),
        )
        return _inserted(cursor)

    def memo_ids(self) -> list[str]:
        return [str(r[0]) for r in self.db.execute("SELECT id FROM memos")]

    def memo_text(self, memo: int) -> str | None:
        row = self.db.execute("SELECT text FROM memos WHERE id = ?", (memo,)).fetchone()
        return row[0] if row else None

    def same_memo(self, author: str, text: str, document: str | None, code: str | None,
                  coding: int | None) -> int | None:
        """The id of a memo of ``author`` with this text on exactly this document, code and coding."""
        row = self.db.execute(
            "SELECT id FROM memos WHERE author = ? AND text = ? AND document IS ? AND code IS ? AND coding IS ?",
            (author, text, document, code, coding)).fetchone()
        return None if row is None else int(row[0])

    def insert_memo(self, author: str, text: str, created: str, document: str | None, code: str | None,
                    coding: int | None) -> int:
        """Add a memo as it was written elsewhere (its author and time kept); return its id."""
        cursor = self.db.execute(
            "INSERT INTO memos (author, text, created, document, code, coding) VALUES (?, ?, ?, ?, ?, ?)",
            (author, text, created, document, code, coding))
        return _inserted(cursor)
