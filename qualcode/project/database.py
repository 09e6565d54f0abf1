"""The project file: its schema and version, the connection, transactions, and checks of what is read back.

One SQLite file in WAL mode, with foreign keys on and full synchronous writes. A transaction holds every
write of a block or none; a full disk, a read-only file or another program holding the lock gives a
``ProjectError`` that says so, and what was saved before stays intact. A column that qualcode wrote as JSON,
or a coding's span, is checked when read back: a file changed outside qualcode gives an error naming it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from qualcode.project.errors import ProjectError
from qualcode.project.relocate import FUZZY_THRESHOLD

__all__ = ["SCHEMA_VERSION", "Database", "damaged"]

SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (id TEXT PRIMARY KEY, text TEXT NOT NULL, content_hash TEXT NOT NULL,
    metadata TEXT NOT NULL, spans TEXT NOT NULL, added TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE attributes (document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    name TEXT NOT NULL, value, PRIMARY KEY (document, name));
CREATE TABLE codebooks (hash TEXT PRIMARY KEY, name TEXT NOT NULL, content TEXT NOT NULL, added TEXT NOT NULL);
CREATE TABLE codes (id TEXT PRIMARY KEY, origin TEXT NOT NULL, added TEXT NOT NULL);
CREATE TABLE runs (id INTEGER PRIMARY KEY, coder TEXT NOT NULL,
    codebook_hash TEXT NOT NULL REFERENCES codebooks(hash), unit TEXT NOT NULL, settings TEXT NOT NULL,
    started TEXT NOT NULL, finished TEXT, summary TEXT);
CREATE TABLE coded_documents (document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    coder TEXT NOT NULL, run INTEGER NOT NULL REFERENCES runs(id), codebook_hash TEXT NOT NULL,
    unit TEXT NOT NULL, settings TEXT NOT NULL, content_hash TEXT NOT NULL, PRIMARY KEY (document, coder));
CREATE TABLE codings (id INTEGER PRIMARY KEY, document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    coder TEXT NOT NULL, code TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    unit TEXT, segment_id INTEGER,
    status TEXT NOT NULL CHECK (status IN ('auto', 'stale', 'coded', 'moved', 'fuzzy', 'unplaced')),
    decision TEXT CHECK (decision IN ('accepted', 'rejected')), source TEXT, rule TEXT, matched TEXT,
    codebook_hash TEXT, run INTEGER REFERENCES runs(id), score REAL, previous TEXT, created TEXT NOT NULL,
    CHECK (start >= 0 AND "end" > start));
CREATE INDEX codings_by_document ON codings (document, coder);
CREATE TABLE memos (id INTEGER PRIMARY KEY, author TEXT NOT NULL, text TEXT NOT NULL, created TEXT NOT NULL,
    document TEXT REFERENCES documents(id) ON DELETE CASCADE, code TEXT,
    coding INTEGER REFERENCES codings(id) ON DELETE SET NULL, CHECK (document IS NOT NULL OR code IS NOT NULL));
CREATE TABLE refi_guids (kind TEXT NOT NULL, local_id TEXT NOT NULL, guid TEXT NOT NULL,
    PRIMARY KEY (kind, local_id));
CREATE TABLE reviewed_segments (document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    coder TEXT NOT NULL, unit TEXT NOT NULL, segment_id INTEGER NOT NULL, content_hash TEXT NOT NULL,
    PRIMARY KEY (document, coder, unit, segment_id));
"""
# What brings a file of the previous version up to each version. Version 2: the GUIDs that REFI-QDA imports
# keep, in a table that version 1 created only at the first import; the rows a person marked reviewed in a
# review sheet (agreement counts a partial review on those rows only).
_MIGRATIONS = {
    2: (
        "CREATE TABLE IF NOT EXISTS refi_guids (kind TEXT NOT NULL, local_id TEXT NOT NULL, guid TEXT NOT NULL, "
        "PRIMARY KEY (kind, local_id))",
        "CREATE TABLE IF NOT EXISTS reviewed_segments (document TEXT NOT NULL REFERENCES documents(id) "
        "ON DELETE CASCADE, coder TEXT NOT NULL, unit TEXT NOT NULL, segment_id INTEGER NOT NULL, "
        "content_hash TEXT NOT NULL, PRIMARY KEY (document, coder, unit, segment_id))",
    ),
}


def _inserted(cursor: sqlite3.Cursor) -> int:
    """The id of the row the INSERT on ``cursor`` wrote (sqlite3 types it optional: none before an INSERT)."""
    if cursor.lastrowid is None:
        raise RuntimeError("an INSERT wrote no row; please report it")
    return cursor.lastrowid


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def damaged(path: Any, where: str, problem: str) -> ProjectError:
    """The error for a project file holding what qualcode never writes (changed outside qualcode, or corrupt)."""
    return ProjectError(
        f"{path}: {where} holds what qualcode never writes ({problem}): the file was changed outside qualcode or "
        "is damaged. Restore it from a backup; a document's row is also rewritten by coding its file into the "
        "project again."
    )


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _io_failure(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite failed for want of disk space, write access or the lock, not for a bug."""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_BUSY", "SQLITE_CANTOPEN"))


class Database:
    """The connection to a project file and its transactions (see :class:`qualcode.project.store.Project`)."""

    def __init__(
        self, path: str | os.PathLike[str], *, fuzzy_threshold: float = FUZZY_THRESHOLD, timeout: float = 30.0
    ) -> None:
        self.path = path
        self.fuzzy_threshold = fuzzy_threshold
        self.timeout = timeout
        self._db: sqlite3.Connection | None = None

    @classmethod
    def open(cls, path: str | os.PathLike[str], **options: Any) -> Self:
        """Open (or create) the project at ``path``."""
        return cls(path, **options).connect()

    def connect(self) -> Self:
        """Open the file, creating the schema in a new file and checking the version of an existing one."""
        if self._db is not None:
            return self
        hint = "Give a new file name to create a project, or the file of an existing qualcode project."
        if not 0 < self.fuzzy_threshold <= 1:
            raise ProjectError(
                f"The 'fuzzy_threshold' parameter of Project must be in (0, 1]. Got {self.fuzzy_threshold!r} "
                "instead; 0.8 keeps a moved coding only if at most about a fifth of its text changed."
            )
        try:
            self._db = sqlite3.connect(Path(self.path), timeout=self.timeout, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = FULL"):
                self._db.execute(f"PRAGMA {pragma}")
            self._check_schema(hint)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise ProjectError(f"{self.path}: cannot be opened as a project ({exc}). {hint}") from exc
        except ProjectError:
            self.close()
            raise
        return self

    def _check_schema(self, hint: str) -> None:
        db = self.db
        if not db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            with self._transaction():
                if not db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(
                        "INSERT INTO meta VALUES ('schema_version', ?), ('created', ?)",
                        (str(SCHEMA_VERSION), _now()),
                    )
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = (
            db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if ("meta" in tables)
            else None
        )
        if version is None:
            raise ProjectError(
                f"{self.path}: is an SQLite file but not a qualcode project (no schema_version). {hint}"
            )
        if not (isinstance(version[0], str) and version[0].isascii() and version[0].isdigit() and len(version[0]) < 10):
            raise damaged(self.path, "the schema_version", f"{str(version[0])[:20]!r} is not a version number")
        if int(version[0]) > SCHEMA_VERSION:
            raise ProjectError(
                f"{self.path}: was written by a newer qualcode (project schema version {version[0]}; this version "
                f"reads up to {SCHEMA_VERSION}). Upgrade qualcode (pip install -U qualcode) to open it."
            )
        if int(version[0]) < 1:  # no qualcode wrote it
            raise damaged(self.path, "the schema_version", f"{version[0]!r} is no version qualcode wrote")
        if int(version[0]) < SCHEMA_VERSION:
            self._migrate()

    def _migrate(self) -> None:
        """Bring a file of an older schema version up to this one, in one transaction. A read-only file is
        read as it stands (what it lacks, it has never held)."""
        try:
            with self._transaction() as db:
                current = int(db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
                for target in range(current + 1, SCHEMA_VERSION + 1):
                    for statement in _MIGRATIONS[target]:
                        db.execute(statement)
                db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        except ProjectError as exc:
            cause = exc.__cause__
            if not getattr(cause, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
                raise

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Self:
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise ProjectError(f"{self.path}: the project is not open. Use Project.open(path) or 'with'.")
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All the writes of the block or none (a REFI-QDA import); the store's own writes inside join it."""
        with self._transaction() as db:
            yield db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self.db
        if db.in_transaction:  # inside Project.transaction(): the outer block commits or rolls back
            yield db
            return
        try:
            db.execute("BEGIN IMMEDIATE")  # waits up to ``timeout`` for another writer, then says so below
            yield db
            db.execute("COMMIT")
        except BaseException as exc:
            if db.in_transaction:  # SQLite has already rolled back after a full disk or an I/O error
                db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and _io_failure(exc):
                raise ProjectError(
                    f"{self.path}: could not be written ({exc}); the change in progress was not saved, and "
                    "all that was saved before it is intact. Free some disk space, or check that the file is writable and that no "
                    "other program holds it, then run again."
                ) from exc
            raise

    def stored_json(self, value: Any, where: str, kind: type = dict) -> Any:
        """A JSON column as qualcode wrote it: a ``kind`` (dict or list); ProjectError naming the file and
        ``where`` (e.g. "document 'd1', column metadata") when the column is not valid JSON, is nested too
        deeply, holds a number too long to read, or is not a ``kind``."""
        try:
            data = json.loads(value)
        except RecursionError:
            raise damaged(self.path, where, "JSON nested too deeply to read") from None
        except (TypeError, ValueError) as exc:
            raise damaged(self.path, where, f"not valid JSON: {str(exc)[:120]}") from None
        if not isinstance(data, kind):
            raise damaged(self.path, where, f"a JSON {type(data).__name__}, not a {kind.__name__}")
        return data

    def check_spans(self, rows: Iterable[Any], lengths: Mapping[str, int]) -> None:
        """Raise ProjectError naming every coding of ``rows`` (with ``id, document, start, end``) whose span
        does not fit the text of its document (``lengths``: document -> characters): reversed, empty,
        outside the text, or not whole numbers, as only a change made outside qualcode can leave them."""
        problems = []
        for r in rows:
            start, end, length = r["start"], r["end"], lengths.get(r["document"])
            if length is not None and not (type(start) is int and type(end) is int and 0 <= start < end <= length):
                problems.append(f"{self.path}: coding {r['id']} of {r['document']!r} spans [{start!r}, {end!r}), "
                                f"which does not fit its text ({length} characters)")
        if problems:
            shown = [*problems[:20], *([f"... and {len(problems) - 20} more such codings"] if len(problems) > 20 else [])]
            shown[-1] += ": the file was changed outside qualcode or is damaged. Restore it from a backup."
            raise ProjectError(shown)
