"""The project store: one SQLite file holding documents, automatic and human codings, decisions and memos.

Automatic coding is a first pass; researchers then review, correct and add codes by hand, for months. The
store keeps that work safe: a re-run replaces only the codings of the same automatic coder, human codings
follow the text when a document is edited (see :mod:`qualcode.project.relocate`), and each document is written in
one transaction, so a crash leaves every document as it was before or after its own update.

Statuses of a coding: ``auto`` (an automatic coder's), ``stale`` (an automatic coder's, on a text that has
changed since; replaced at that coder's next run), ``coded``, ``moved``, ``fuzzy`` and ``unplaced`` (a
human coder's, placed as added, moved to the same text elsewhere, moved to a similar text, or not found in
the new text and kept with its old offsets). A human ``decision`` on an automatic coding is ``accepted``
(the coding becomes that coder's) or ``rejected`` (recorded, excluded from that coder's codings).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.model.transcript import UNITS, Segment, Span, Transcript
from qualcode.project.errors import ProjectError
from qualcode.project.learning import LearningMixin
from qualcode.project.relocate import FUZZY_THRESHOLD, relocate

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.coding.coder import Coder
    from qualcode.model.results import CodedDocument

__all__ = ["Project", "ProjectError", "ProjectSummary", "code_into_project", "open_project"]

SCHEMA_VERSION = 1
KILL_ENV = "QUALCODE_TEST_KILL_AT"
CODE_ID = re.compile(r"[A-Za-z][\w.-]*")  # matched whole (fullmatch): "trust\n" is not an id
PLACED = ("auto", "coded", "moved", "fuzzy")
# fmt: off
CODING_FRAME = ["document", "coder", "code", "start", "end", "text", "unit", "segment_id", "status", "rule",
                "decision", "source", "score", "previous", "id"]
# fmt: on
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
"""


@dataclass
class ProjectSummary:
    """What a run did: documents by outcome (ids), codings written, and what became of human codings."""

    coder: str | None = None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    recoded: list[str] = field(default_factory=list)
    codings_written: int = 0
    kept: int = 0
    moved: int = 0
    fuzzy: int = 0
    unplaced: int = 0
    stale: int = 0
    warnings: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # a document that could not be stored: why, one line each

    @property
    def relocated(self) -> int:
        return self.moved + self.fuzzy

    def __str__(self) -> str:
        parts = [
            f"{len(self.added)} documents added, {len(self.changed)} changed, {len(self.unchanged)} unchanged"
            + (f", {len(self.failed)} not stored" if self.failed else "")
        ]
        if self.coder is not None:
            parts.append(f"{len(self.recoded)} coded by {self.coder} ({self.codings_written} codings)")
        if self.changed:
            parts.append(
                f"human codings on changed documents: {self.kept} kept, {self.moved} moved, "
                f"{self.fuzzy} fuzzy, {self.unplaced} unplaced"
            )
        return "; ".join(parts) + "."


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


def _kill_point(point: str, count: int | None = None) -> None:
    """Test hook: ``QUALCODE_TEST_KILL_AT=inside-transaction:2`` kills this process there (SIGKILL)."""
    wanted = os.environ.get(KILL_ENV)
    if wanted and wanted == (point if count is None else f"{point}:{count}"):
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def _io_failure(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite failed for want of disk space, write access or the lock, not for a bug."""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_BUSY", "SQLITE_CANTOPEN"))


class Project(LearningMixin):
    """A qualitative-analysis project in one SQLite file.

    Parameters
    ----------
    path : the project file; created with an empty project on first use.
    fuzzy_threshold : the lowest similarity (``difflib`` ratio, 0-1) at which a human coding whose text was
        edited is moved to the similar text (flagged ``fuzzy``); below it, the coding is kept ``unplaced``.
    timeout : seconds to wait for another process writing to the same project.

    Learning from a person's coding (:meth:`training_set`, :meth:`store_suggestions`) is in
    :mod:`qualcode.project.learning`.

    Examples
    --------
    >>> with qc.open_project("study.qualcode") as project:  # doctest: +SKIP
    ...     project.code(qc.Coder(qc.default_codebook()), qc.read_corpus("interviews"))
    ...     project.add_coding("interview03", "turnover", coder="marie", start=120, end=180)
    """

    def __init__(
        self, path: str | os.PathLike[str], *, fuzzy_threshold: float = FUZZY_THRESHOLD, timeout: float = 30.0
    ) -> None:
        self.path = path
        self.fuzzy_threshold = fuzzy_threshold
        self.timeout = timeout
        self._db: sqlite3.Connection | None = None

    @classmethod
    def open(cls, path: str | os.PathLike[str], **options: Any) -> Project:
        """Open (or create) the project at ``path``."""
        return cls(path, **options).connect()

    def connect(self) -> Project:
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

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Project:
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

    def codebook_contents(self) -> list[tuple[str, dict[str, Any]]]:
        """``(hash, content)`` of every stored codebook, oldest first, each checked (see :meth:`stored_json`)."""
        out = []
        for digest, name, content in self.db.execute("SELECT hash, name, content FROM codebooks ORDER BY added, rowid"):
            data = self.stored_json(content, f"codebook {name!r}", dict)
            if not isinstance(data.get("codes", []), list) or not all(
                    isinstance(c, dict) and isinstance(c.get("id"), str) for c in data.get("codes", [])):
                raise damaged(self.path, f"codebook {name!r}", "its codes are not a list of codes with ids")
            out.append((digest, data))
        return out

    # -- documents ---------------------------------------------------------------------------------------

    def documents(self) -> pd.DataFrame:
        """One row per document: ``document, language, source, chars, content_hash``."""
        import pandas as pd

        rows = []
        for r in self.db.execute(
            "SELECT id, length(text), content_hash, metadata FROM documents ORDER BY id"
        ):
            meta = self.stored_json(r[3], f"document {r[0]!r}, column metadata")
            rows.append(
                {
                    "document": r[0],
                    "language": meta.get("language"),
                    "source": meta.get("source"),
                    "chars": r[1],
                    "content_hash": r[2],
                }
            )
        return pd.DataFrame(rows, columns=["document", "language", "source", "chars", "content_hash"])

    def transcript(self, document: str) -> Transcript:
        """The stored transcript (text, structure spans and metadata) of ``document``."""
        row = self.db.execute(
            "SELECT text, spans, metadata FROM documents WHERE id = ?", (document,)
        ).fetchone()
        if row is None:
            raise ProjectError(self._unknown_document(document))
        where = f"document {document!r}, column spans"
        spans = []
        for item in self.stored_json(row["spans"], where, list):
            if not (isinstance(item, list) and len(item) == 5 and all(type(x) is int for x in item[:2])
                    and 0 <= item[0] <= item[1] <= len(row["text"]) and isinstance(item[2], str)
                    and isinstance(item[3], str | None) and isinstance(item[4], dict)):
                raise damaged(self.path, where, f"{str(item)[:60]} is not a span of its text")
            spans.append(Span(*item))
        return Transcript(document, row["text"], spans, self.stored_json(row["metadata"], f"document {document!r}, column metadata"))

    def segments(self, document: str, unit: str = "paragraph") -> list[Segment]:
        """The coding units of ``document`` (``segment_id`` counts from 1), to code a segment by its id."""
        if unit not in UNITS:
            raise ProjectError(f"Unknown unit {unit!r}: use one of {', '.join(UNITS)}.")
        return self.transcript(document).segments(unit)

    def attributes(self) -> pd.DataFrame:
        """The participant attributes, tidy: ``document, name, value``."""
        import pandas as pd

        rows = self.db.execute(
            "SELECT document, name, value FROM attributes ORDER BY document, name"
        ).fetchall()
        return pd.DataFrame([tuple(r) for r in rows], columns=["document", "name", "value"])

    def codes(self) -> pd.DataFrame:
        """Every code id used in the project and where it first came from (``codebook:<name>``, ``human:<coder>``)."""
        import pandas as pd

        rows = self.db.execute("SELECT id, origin FROM codes ORDER BY id").fetchall()
        return pd.DataFrame([tuple(r) for r in rows], columns=["code", "origin"])

    def add_documents(
        self, transcripts: Iterable[Transcript], *, on_document: Callable[[str, str], None] | None = None
    ) -> ProjectSummary:
        """Add or update documents without coding them; human codings of edited documents follow the text."""
        return self._sync(transcripts, None, on_document)

    def code(
        self,
        coder: Coder,
        transcripts: Iterable[Transcript | CodedDocument],
        *,
        on_document: Callable[[str, str], None] | None = None,
    ) -> ProjectSummary:
        """Add or update documents and (re-)code with ``coder`` those that need it.

        A document is coded when it is new, when its text changed, or when the codebook, unit or language
        settings differ from the ones this coder (``auto:<codebook name>``) last coded it with. Only that
        coder's codings of the document are replaced; human codings are never removed, and follow the text.
        Each document is written in one transaction. ``on_document(id, outcome)`` is called after each.
        ``transcripts`` may also hold documents already coded by this same coder (``CodedDocument``, as
        :func:`qualcode.coding.engine.iter_coded` gives them): they are stored without being coded again.
        """
        return self._sync(transcripts, coder, on_document)

    def _sync(
        self,
        transcripts: Iterable[Transcript | CodedDocument],
        coder: Coder | None,
        on_document: Callable[[str, str], None] | None,
    ) -> ProjectSummary:
        summary = ProjectSummary(coder.name if coder is not None else None)
        run = self._start_run(coder) if coder is not None else None
        _kill_point("run-start")
        written = 0
        seen: set[str] = set()
        for item in transcripts:
            t, ready = (item, None) if isinstance(item, Transcript) else (item.transcript, item)
            if t.id in seen:  # two files with one id: storing the second would overwrite the first
                summary.warnings.append(
                    f"{t.id}: a second document with this id ({t.metadata.get('source', '?')}) was not stored; give the two files "
                    "different ids (qualcode's reading of a folder does)."
                )
                continue
            seen.add(t.id)
            try:  # one document's failure costs that document only: its transaction is rolled back
                stored = self.db.execute(
                    "SELECT content_hash, metadata FROM documents WHERE id = ?", (t.id,)
                ).fetchone()
                coded = None
                if run is not None and self._needs_coding(t, run):
                    coded = ready if ready is not None else run.coder.code_transcript(t)
                    summary.warnings += coded.warnings
                if (
                    coded is None
                    and stored is not None
                    and stored[0] == _hash(t.text)
                    and stored[1] == _json(t.metadata)
                ):
                    outcome = "unchanged"
                else:
                    written += 1
                    _kill_point("before-transaction", written)
                    with self._transaction():
                        outcome = self._write_document(t, coded, run, summary, written)
                    _kill_point("after-document", written)
            except ProjectError:  # the project itself (a full disk, a lock): every document would fail
                raise
            except Exception as exc:
                summary.failed.append(f"{t.id} ({t.metadata.get('source', '?')}): could not be stored in "
                                      f"{self.path} ({type(exc).__name__}: {exc}); the project holds its "
                                      "previous version, if any. This is a bug in qualcode: please report it.")
                outcome = "failed"
                if on_document is not None:
                    on_document(t.id, outcome)
                continue
            getattr(summary, outcome).append(t.id)
            if on_document is not None:
                on_document(t.id, outcome)
        _kill_point("run-end")
        if run is not None:
            with self._transaction() as db:
                db.execute(
                    "UPDATE runs SET finished = ?, summary = ? WHERE id = ?",
                    (_now(), _json({k: v for k, v in vars(summary).items() if k != "warnings"}), run.id),
                )
        return summary

    def _start_run(self, coder: Coder) -> _Run:
        book = coder.codebook_
        settings = _json({"language": coder.language, "model": coder.model, "similarity": coder.similarity,
                          "speakers": coder.speakers})
        now = _now()
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO codebooks VALUES (?, ?, ?, ?)",
                (book.hash, book.name, _json(book.to_dict()), now),
            )
            db.executemany(
                "INSERT OR IGNORE INTO codes VALUES (?, ?, ?)",
                [(code_id, f"codebook:{book.name}", now) for code_id in book.ids],
            )
            cursor = db.execute(
                "INSERT INTO runs (coder, codebook_hash, unit, settings, started) VALUES (?, ?, ?, ?, ?)",
                (coder.name, book.hash, coder.unit, settings, now),
            )
        return _Run(_inserted(cursor), coder, book.hash, settings)

    def _needs_coding(self, t: Transcript, run: _Run) -> bool:
        row = self.db.execute(
            "SELECT content_hash, codebook_hash, unit, settings FROM coded_documents WHERE document = ? AND coder = ?",
            (t.id, run.coder.name),
        ).fetchone()
        return row is None or tuple(row) != (_hash(t.text), run.codebook_hash, run.coder.unit, run.settings)

    def _write_document(
        self, t: Transcript, coded: Any, run: _Run | None, summary: ProjectSummary, count: int
    ) -> str:
        """Write one document inside the caller's transaction; return ``added``/``changed``/``unchanged``."""
        db, now, text_hash = self.db, _now(), _hash(t.text)
        spans = _json([[s.start, s.end, s.kind, s.label, dict(s.data)] for s in t.spans])
        old = db.execute("SELECT text, content_hash FROM documents WHERE id = ?", (t.id,)).fetchone()
        if old is None:
            db.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                (t.id, t.text, text_hash, _json(t.metadata), spans, now, now),
            )
        else:
            db.execute(
                "UPDATE documents SET text = ?, content_hash = ?, metadata = ?, spans = ?, updated = ? "
                "WHERE id = ?",
                (t.text, text_hash, _json(t.metadata), spans, now, t.id),
            )
        db.execute("DELETE FROM attributes WHERE document = ?", (t.id,))
        db.executemany(
            "INSERT INTO attributes VALUES (?, ?, ?)",
            [
                (t.id, str(k), v if isinstance(v, int | float | str | None) else str(v))
                for k, v in t.attributes.items()
            ],
        )
        outcome = "added" if old is None else "unchanged" if old["content_hash"] == text_hash else "changed"
        if outcome == "changed":
            self._follow_text(t, old["text"], summary)
            summary.stale += db.execute(
                "UPDATE codings SET status = 'stale' WHERE document = ? AND coder LIKE 'auto:%' AND coder != ? "
                "AND status = 'auto'",
                (t.id, run.coder.name if run else ""),
            ).rowcount
        if coded is not None and run is not None:
            db.execute("DELETE FROM codings WHERE document = ? AND coder = ?", (t.id, run.coder.name))
            _kill_point("after-delete", count)
            rows = _auto_rows(coded, run, now)
            insert = (
                'INSERT INTO codings (document, coder, code, start, "end", text, unit, segment_id, status, '
                "rule, matched, codebook_hash, score, run, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'auto', ?, ?, ?, ?, ?, ?)"
            )
            db.executemany(insert, rows[: len(rows) // 2])
            _kill_point("inside-transaction", count)
            db.executemany(insert, rows[len(rows) // 2 :])
            db.execute(
                "INSERT OR REPLACE INTO coded_documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                (t.id, run.coder.name, run.id, run.codebook_hash, run.coder.unit, run.settings, text_hash),
            )
            summary.recoded.append(t.id)
            summary.codings_written += len(rows)
        _kill_point("before-commit", count)
        return outcome

    def _follow_text(self, t: Transcript, old_text: str, summary: ProjectSummary) -> None:
        """Place again the human codings and decisions of a document whose text changed."""
        db = self.db
        rows = db.execute(
            'SELECT id, document, start, "end", text, status, unit, segment_id FROM codings '
            "WHERE document = ? AND coder NOT LIKE 'auto:%' ORDER BY id",
            (t.id,),
        ).fetchall()
        self.check_spans(rows, {t.id: len(old_text)})
        spans = [(r["start"], r["end"], r["text"], r["status"] != "unplaced") for r in rows]
        placements = relocate(old_text, t.text, spans, threshold=self.fuzzy_threshold)
        units: dict[str, dict[tuple[int, int], int]] = {}
        for row, p in zip(rows, placements, strict=True):
            setattr(summary, p.status, getattr(summary, p.status) + 1)
            status = {
                "kept": "moved" if row["status"] == "unplaced" else row["status"],
                "moved": "fuzzy" if row["status"] == "fuzzy" else "moved",
            }.get(p.status, p.status)
            segment_id = row["segment_id"]
            if row["unit"] and status != "unplaced":
                if row["unit"] not in units:
                    units[row["unit"]] = {(s.start, s.end): s.segment_id for s in t.segments(row["unit"])}
                segment_id = units[row["unit"]].get((p.start, p.end))
            db.execute(
                'UPDATE codings SET start = ?, "end" = ?, text = ?, status = ?, segment_id = ?, '
                "score = coalesce(?, score), previous = CASE WHEN ? THEN text ELSE previous END WHERE id = ?",
                (p.start, p.end, p.text, status, segment_id, p.score, p.status == "fuzzy", row["id"]),
            )

    # -- human coding --------------------------------------------------------------------------------------

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
    ) -> int:
        """Code a span (``start``, ``end``) or a segment (``unit``, ``segment_id``) of ``document`` as ``code``
        by the human ``coder``; return the coding's id (the existing one if the coder already coded it)."""
        where = self._locate(document, code, coder, start, end, unit, segment_id)
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
    ) -> _Where:
        """Validate a coding request, reporting every problem at once; return where it applies."""
        problems = _coder_problems(coder)
        if not isinstance(code, str) or not CODE_ID.fullmatch(code):
            problems.append(
                f"Code id {code!r} is not valid: it must start with a letter and hold only letters, "
                "digits, '_', '.' or '-' (e.g. 'turnover' or 'temps.duree')."
            )
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

    def _unknown_document(self, document: str) -> str:
        from difflib import get_close_matches

        ids = [r[0] for r in self.db.execute("SELECT id FROM documents ORDER BY id")]
        close = get_close_matches(str(document), ids, n=3)
        known = (
            f"Did you mean {', '.join(map(repr, close))}?"
            if close
            else (
                f"Documents: {', '.join(ids[:10])}{', ...' if len(ids) > 10 else ''}."
                if ids
                else "It has none yet."
            )
        )
        return (
            f"No document {document!r} in project {self.path}. {known} Add documents with "
            "Project.add_documents() or Project.code()."
        )

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

    def memos(self, *, document: str | None = None, code: str | None = None) -> pd.DataFrame:
        """The memos (``id, author, document, code, coding, text, created``), oldest first."""
        import pandas as pd

        sql, args = _where(
            "SELECT id, author, document, code, coding, text, created FROM memos",
            {"document": document, "code": code},
        )
        rows = self.db.execute(sql + " ORDER BY id", args).fetchall()
        frame = pd.DataFrame(
            [tuple(r) for r in rows],
            columns=["id", "author", "document", "code", "coding", "text", "created"],
        )
        return frame.astype({"coding": "Int64"})

    # -- reading codings ----------------------------------------------------------------------------------

    def codings(
        self, coder: str | None = None, *, document: str | None = None, placed_only: bool = True
    ) -> pd.DataFrame:
        """The codings, tidy (one row per coding; columns ``CODING_FRAME``), without times.

        By default only codings placed in the current text: automatic ones and the human ones, accepted
        automatic codings included, rejected ones excluded. ``placed_only=False`` adds unplaced and stale
        codings and rejections.
        """
        sql, args = _where(
            f"SELECT {', '.join(_quoted(CODING_FRAME))} FROM codings", {"coder": coder, "document": document}
        )
        if placed_only:
            sql += (" AND" if args else " WHERE") + (
                f" status IN {PLACED} AND (decision IS NULL OR decision != 'rejected')"
            )
        return self._frame(sql + ' ORDER BY document, coder, start, "end", code, id', args)

    def unplaced(self, coder: str | None = None) -> pd.DataFrame:
        """Human codings and decisions whose text could not be found after an edit: old offsets and text."""
        sql, args = _where(f"SELECT {', '.join(_quoted(CODING_FRAME))} FROM codings", {"coder": coder})
        return self._frame(
            sql + (" AND" if args else " WHERE") + " status = 'unplaced' ORDER BY document, id", args
        )

    def undecided(self, coder: str, *, auto_coder: str | None = None) -> pd.DataFrame:
        """The automatic codings (of ``auto_coder``, or of any) on which ``coder`` has made no decision."""
        sql = (
            f"SELECT {', '.join('a.' + c for c in _quoted(CODING_FRAME))} FROM codings a "
            "WHERE a.status = 'auto' AND coalesce(a.coder = ?, 1) AND NOT EXISTS (SELECT 1 FROM codings d "
            "WHERE d.coder = ? AND d.document = a.document AND d.code = a.code AND d.start = a.start "
            'AND d."end" = a."end" AND d.decision IS NOT NULL AND d.status != \'unplaced\') '
            "ORDER BY a.document, a.start, a.code, a.id"
        )
        return self._frame(sql, [auto_coder, coder])

    def _frame(self, sql: str, args: list[Any]) -> pd.DataFrame:
        import pandas as pd

        rows = self.db.execute(sql, args).fetchall()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=CODING_FRAME)
        types = {"start": "int64", "end": "int64", "segment_id": "Int64", "score": "float64", "id": "int64"}
        return frame.astype(types)


@dataclass(frozen=True)
class _Run:
    id: int
    coder: Coder
    codebook_hash: str
    settings: str


@dataclass(frozen=True)
class _Where:
    start: int
    end: int
    text: str
    unit: str | None = None
    segment_id: int | None = None


def _auto_rows(coded: Any, run: _Run, now: str) -> list[tuple[Any, ...]]:
    """The coder's codings of one document (one per segment and code, as in ``qualcode code`` outputs)."""
    columns = ["document", "coder", "code", "start", "end", "text", "unit", "segment_id", "rule", "matched"]
    frame = run.coder.result([coded]).codings
    frame = frame[[*columns, "codebook_hash", "score"]].astype({"score": object})
    frame["score"] = frame["score"].where(frame["score"].notna(), None)  # NULL, not NaN, without a model
    return [(*row, run.id, now) for row in frame.to_numpy(dtype=object).tolist()]


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


def _quoted(columns: list[str]) -> list[str]:
    return [f'"{c}"' if c == "end" else c for c in columns]


def _where(sql: str, filters: dict[str, Any]) -> tuple[str, list[Any]]:
    given = {k: v for k, v in filters.items() if v is not None}
    if given:
        sql += " WHERE " + " AND ".join(f"{k} = ?" for k in given)
    return sql, list(given.values())


def open_project(path: str | os.PathLike[str], **options: Any) -> Project:
    """Open (or create) a project file; see :class:`Project`. Use it in a ``with`` block to close it."""
    return Project.open(path, **options)


def code_into_project(project: Project, coder: Coder, transcripts: Iterable[Transcript]) -> ProjectSummary:
    """Code ``transcripts`` (a Corpus or any iterable) into ``project``; see :meth:`Project.code`."""
    return project.code(coder, transcripts)
