"""Documents and automatic coding into a project: what is new or changed is written, human codings follow.

A run of an automatic coder (``auto:<codebook name>``) codes only the documents whose text, codebook or
settings changed since that coder last coded them, and replaces only that coder's codings; the human
codings of an edited document are placed again in its new text (:mod:`qualcode.project.relocate`). Each
document is written in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.model.transcript import Transcript
from qualcode.project.database import Database, _hash, _inserted, _json, _now
from qualcode.project.errors import ProjectError
from qualcode.project.relocate import relocate

if TYPE_CHECKING:
    from qualcode.coding.coder import Coder
    from qualcode.model.codebook import Codebook
    from qualcode.model.results import CodedDocument

__all__ = ["ProjectSummary", "Syncing"]


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


class Syncing(Database):
    """The methods of :class:`qualcode.project.store.Project` that add documents and code them."""

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
                    with self._transaction():
                        outcome = self._write_document(t, coded, run, summary)
            except ProjectError:  # the project itself (a full disk, a lock): every document would fail
                raise
            except Exception as exc:
                summary.failed.append(f"{t.id} ({t.metadata.get('source', '?')}): could not be stored in "
                                      f"{self.path} ({type(exc).__name__}: {exc}); the project holds its "
                                      "previous version, if any. This is a bug in qualcode: please report it.")
                if on_document is not None:
                    on_document(t.id, "failed")
                continue
            getattr(summary, outcome).append(t.id)
            if on_document is not None:
                on_document(t.id, outcome)
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
            self.add_codebook(book, book.ids, now)
            cursor = db.execute(
                "INSERT INTO runs (coder, codebook_hash, unit, settings, started) VALUES (?, ?, ?, ?, ?)",
                (coder.name, book.hash, coder.unit, settings, now),
            )
        return _Run(_inserted(cursor), coder, book.hash, settings)

    def add_codebook(self, book: Codebook, codes: Iterable[str], now: str) -> None:
        """Store ``book`` (once) and the ``codes`` it brings (a code already known keeps its first origin),
        inside the caller's transaction."""
        self.db.execute(
            "INSERT OR IGNORE INTO codebooks VALUES (?, ?, ?, ?)",
            (book.hash, book.name, _json(book.to_dict()), now),
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO codes VALUES (?, ?, ?)",
            [(code_id, f"codebook:{book.name}", now) for code_id in codes],
        )

    def _needs_coding(self, t: Transcript, run: _Run) -> bool:
        row = self.db.execute(
            "SELECT content_hash, codebook_hash, unit, settings FROM coded_documents WHERE document = ? AND coder = ?",
            (t.id, run.coder.name),
        ).fetchone()
        return row is None or tuple(row) != (_hash(t.text), run.codebook_hash, run.coder.unit, run.settings)

    def _write_document(
        self, t: Transcript, coded: Any, run: _Run | None, summary: ProjectSummary
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
            rows = _auto_rows(coded, run, now)
            insert = (
                'INSERT INTO codings (document, coder, code, start, "end", text, unit, segment_id, status, '
                "rule, matched, codebook_hash, score, run, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'auto', ?, ?, ?, ?, ?, ?)"
            )
            db.executemany(insert, rows)
            db.execute(
                "INSERT OR REPLACE INTO coded_documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                (t.id, run.coder.name, run.id, run.codebook_hash, run.coder.unit, run.settings, text_hash),
            )
            summary.recoded.append(t.id)
            summary.codings_written += len(rows)
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


@dataclass(frozen=True)
class _Run:
    id: int
    coder: Coder
    codebook_hash: str
    settings: str


def _auto_rows(coded: Any, run: _Run, now: str) -> list[tuple[Any, ...]]:
    """The coder's codings of one document (one per segment and code, as in ``qualcode code`` outputs)."""
    columns = ["document", "coder", "code", "start", "end", "text", "unit", "segment_id", "rule", "matched"]
    frame = run.coder.result([coded]).codings
    frame = frame[[*columns, "codebook_hash", "score"]].astype({"score": object})
    frame["score"] = frame["score"].where(frame["score"].notna(), None)  # NULL, not NaN, without a model
    return [(*row, run.id, now) for row in frame.to_numpy(dtype=object).tolist()]
