"""Reading a project: its documents, transcripts, segments, attributes, codes, codings and memos.

Tables are tidy DataFrames; a stored transcript is checked against what qualcode writes before it is
returned (see :meth:`qualcode.project.database.Database.stored_json`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qualcode.model.transcript import UNITS, Segment, Span, Transcript
from qualcode.project.database import Database, damaged
from qualcode.project.errors import ProjectError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CODING_FRAME", "PLACED", "Reading"]

PLACED = ("auto", "coded", "moved", "fuzzy")
# fmt: off
CODING_FRAME = ["document", "coder", "code", "start", "end", "text", "unit", "segment_id", "status", "rule",
                "decision", "source", "score", "previous", "id"]
# fmt: on


class Reading(Database):
    """The reading methods of :class:`qualcode.project.store.Project`."""

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

    def _unknown_code(self, code: str) -> str:
        ids = [r[0] for r in self.db.execute("SELECT id FROM codes ORDER BY id")]
        return (
            f"No code {code!r} in project {self.path}. {_did_you_mean(code, ids, 'Codes')} To create it, "
            "pass new_code=True."
        )

    def _unknown_document(self, document: str) -> str:
        ids = [r[0] for r in self.db.execute("SELECT id FROM documents ORDER BY id")]
        return (
            f"No document {document!r} in project {self.path}. {_did_you_mean(document, ids, 'Documents')} "
            "Add documents with Project.add_documents() or Project.code()."
        )

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


def _quoted(columns: list[str]) -> list[str]:
    return [f'"{c}"' if c == "end" else c for c in columns]


def _where(sql: str, filters: dict[str, Any]) -> tuple[str, list[Any]]:
    given = {k: v for k, v in filters.items() if v is not None}
    if given:
        sql += " WHERE " + " AND ".join(f"{k} = ?" for k in given)
    return sql, list(given.values())


def _did_you_mean(name: Any, known: list[str], what: str) -> str:
    """"Did you mean ...?" with the known names nearest ``name``, else the first known ones (``what: a, b``)."""
    from difflib import get_close_matches

    close = get_close_matches(str(name), known, n=3)
    if close:
        return f"Did you mean {', '.join(map(repr, close))}?"
    return f"{what}: {', '.join(known[:10])}{', ...' if len(known) > 10 else ''}." if known else "It has none yet."
