"""What the suggester reads from a project and what it stores there (the ``Project`` methods of issue 19).

:meth:`LearningMixin.training_set` gathers a person's codings, mapped to the segments of one unit (a
segment is a positive example of a code when one of their codings of it overlaps the segment, as in the
agreement module), with their decisions on earlier suggestions and the codebooks' definitions;
:meth:`LearningMixin.store_suggestions` writes suggestions as the automatic coder ``auto:suggest:<coder>``,
so that they are accepted and rejected like any automatic coding.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from qualcode.coding.suggest import TrainingSet
from qualcode.model.transcript import UNITS, Segment, Transcript
from qualcode.project.errors import ProjectError

if TYPE_CHECKING:
    import sqlite3

    import pandas as pd

__all__ = ["SUGGEST_PREFIX", "LearningMixin"]

SUGGEST_PREFIX = "auto:suggest:"
COARSE = 0.5  # a code on more than this share of the coded segments: the unit is too coarse for it


class LearningMixin:
    """Methods of :class:`qualcode.project.store.Project` for learning from a coder and storing suggestions."""

    path: Any
    if TYPE_CHECKING:  # Project's property, read-only: declared so, not as an attribute the mixin could set
        @property
        def db(self) -> sqlite3.Connection: ...

    def training_set(self, coder: str, *, unit: str = "paragraph", min_examples: int = 2) -> TrainingSet:
        """Every segment of the project at ``unit`` and what ``coder`` said of each (see :class:`TrainingSet`).

        Raises ``ProjectError`` listing every problem: an unknown coder (with the closest names), a coder
        with no codings, an unknown unit, codings that fit no segment of the unit or a unit so coarse that
        a code covers most segments. ``min_examples`` only words the message when a code has too few.
        """
        problems = [] if unit in UNITS else [f"Unit {unit!r} is not one of {', '.join(UNITS)}."]
        problems += self._learner_problems(coder)
        if problems:
            raise ProjectError(problems)
        rows = self.db.execute(
            'SELECT document, code, start, "end", decision FROM codings WHERE coder = ? '
            "AND status IN ('coded', 'moved', 'fuzzy') ORDER BY document, start, id",
            (coder,),
        ).fetchall()
        segments: list[Any] = []
        roles: list[Any] = []
        starts: dict[Any, Any] = {}
        ids = [r[0] for r in self.db.execute("SELECT id FROM documents ORDER BY id")]
        for document in ids:
            transcript = self.transcript(document)  # type: ignore[attr-defined]
            found = transcript.segments(unit)
            starts[document] = (len(segments), found, [x.end for x in found])
            segments += found
            roles += _roles(transcript, found)
        covered_docs = {r["document"] for r in rows if r["decision"] is None}
        covered = frozenset(i for d in covered_docs for i in range(starts[d][0], starts[d][0] + len(starts[d][1])))
        positives: dict[str, set[int]] = {}
        negatives: dict[str, set[int]] = {}
        outside = []
        for r in rows:
            first, found, ends = starts[r["document"]]
            hit = _overlapping(found, ends, r["start"], r["end"])
            if not hit:
                outside.append(r)
                continue
            target = negatives if r["decision"] == "rejected" else positives
            target.setdefault(r["code"], set()).update(first + k for k in hit)
        for code in positives:
            negatives.get(code, set()).difference_update(positives[code])
        problems += _fit_problems(coder, unit, rows, outside, positives, covered)
        if problems:
            raise ProjectError(problems)
        return TrainingSet(coder, unit, segments, roles, covered,
                           {c: frozenset(p) for c, p in sorted(positives.items())},
                           {c: frozenset(n) for c, n in sorted(negatives.items())}, self._definitions(positives))

    def _learner_problems(self, coder: Any) -> list[str]:
        people = [r[0] for r in self.db.execute(
            "SELECT DISTINCT coder FROM codings WHERE coder NOT LIKE 'auto:%' ORDER BY coder")]
        if not isinstance(coder, str) or not coder.strip():
            return [f"The coder {coder!r} is not a name: give the person whose codings to learn from."]
        if coder.startswith("auto:"):
            return [f"The coder {coder!r} is automatic: learn from a person's codings ({', '.join(people) or 'none yet'})."]
        if coder in people:
            has = self.db.execute("SELECT 1 FROM codings WHERE coder = ? AND status IN ('coded', 'moved', 'fuzzy') "
                                  "AND (decision IS NULL OR decision = 'accepted') LIMIT 1", (coder,)).fetchone()
            return [] if has else [f"Coder {coder!r} has no codings placed in the current texts of {self.path} "
                                   "(only rejections or unplaced codings): code some segments first."]
        close = difflib.get_close_matches(coder, people, n=3)
        hint = (f"Did you mean {', '.join(map(repr, close))}?" if close else
                f"The people who coded it: {', '.join(people)}." if people else
                "Nobody has coded it by hand yet: code some segments (qualcode project code), import a coded "
                "project (qualcode import) or a review sheet first.")
        return [f"Coder {coder!r} has no codings in project {self.path}. {hint}"]

    def _definitions(self, codes: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Each code's definition and examples, from the latest codebook stored that defines it."""
        wanted, out = set(codes), {}
        for (content,) in self.db.execute("SELECT content FROM codebooks ORDER BY added DESC, rowid DESC"):
            for code in json.loads(content).get("codes", []):
                if code.get("id") in wanted and code["id"] not in out:
                    texts = [*_texts(code.get("definition")), *_texts(code.get("inclusion")),
                             *(str(e) for e in code.get("examples") or ())]
                    if texts:
                        out[code["id"]] = tuple(texts)
        return out

    def store_suggestions(self, frame: pd.DataFrame, *, coder: str, unit: str, settings: str) -> int:
        """Replace the codings of ``auto:suggest:<coder>`` by the suggested rows of ``frame`` (the output
        of :meth:`qualcode.coding.suggest.Suggester.suggest`); return the number of codings written."""
        auto, now = SUGGEST_PREFIX + coder, datetime.now(UTC).isoformat(timespec="milliseconds")
        codes = sorted(set(frame["code"]))
        book = {"name": f"suggest:{coder}", "version": "1", "description": f"suggestions learnt from {coder}",
                "codes": [{"id": c} for c in codes]}
        content = json.dumps(book, sort_keys=True, ensure_ascii=False)
        book_hash = hashlib.sha256(content.encode("utf-8")).hexdigest()[:12]
        chosen = frame[frame["suggested"] == 1]
        texts = {d: t for d, t in self.db.execute("SELECT id, text FROM documents")}
        with self._transaction() as db:  # type: ignore[attr-defined]
            db.execute("INSERT OR IGNORE INTO codebooks VALUES (?, ?, ?, ?)", (book_hash, book["name"], content, now))
            run = db.execute("INSERT INTO runs (coder, codebook_hash, unit, settings, started, finished) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (auto, book_hash, unit, settings, now, now)).lastrowid
            db.execute("DELETE FROM codings WHERE coder = ?", (auto,))
            db.executemany(
                'INSERT INTO codings (document, coder, code, start, "end", text, unit, segment_id, status, rule, '
                "matched, codebook_hash, run, score, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'auto', 'suggest', ?, ?, ?, ?, ?)",
                [(r.document, auto, r.code, int(r.start), int(r.end), texts[r.document][int(r.start):int(r.end)], unit,
                  int(r.segment_id), r.because, book_hash, run, float(r.score), now)
                 for r in _rows(chosen)],
            )
            db.execute("DELETE FROM coded_documents WHERE coder = ?", (auto,))
            db.executemany(
                "INSERT INTO coded_documents SELECT id, ?, ?, ?, ?, ?, content_hash FROM documents WHERE id = ?",
                [(auto, run, book_hash, unit, settings, d) for d in sorted(set(frame["document"]))],
            )
        return len(chosen)


def _texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [str(v) for v in value.values() if v]
    return [str(value)] if value else []


def _roles(transcript: Transcript, segments: list[Segment]) -> list[str | None]:
    turns = transcript.turns
    starts = [t.start for t in turns]
    out = []
    for s in segments:
        i = bisect.bisect_right(starts, s.start) - 1
        out.append(turns[i].data.get("role") if i >= 0 and s.start < turns[i].end else None)
    return out


def _overlapping(segments: list[Segment], ends: list[int], start: int, end: int) -> range:
    """The positions of the segments that ``[start, end)`` overlaps (segments are sorted and disjoint)."""
    first = bisect.bisect_right(ends, start)
    last = first
    while last < len(segments) and segments[last].start < max(end, start + 1):
        last += 1
    return range(first, last)


def _fit_problems(
    coder: str, unit: str, rows: list[Any], outside: list[Any], positives: dict[str, set[int]], covered: frozenset[int]
) -> list[str]:
    problems = []
    if rows and len(outside) == len(rows):
        problems.append(f"None of {coder!r}'s {len(rows)} codings falls inside a {unit} segment: try another "
                        f"unit ({', '.join(u for u in UNITS if u != unit)}).")
    for code, found in sorted(positives.items()):
        share = len(found & covered) / len(covered) if covered else 0
        if len(covered) >= 4 and share > COARSE:
            problems.append(
                f"Code {code!r} of {coder!r} covers {share:.0%} of the {unit} segments of the documents coded: "
                f"{unit} segments are too coarse for codings this short; use a smaller unit "
                f"({', '.join(u for u in UNITS if u != unit)}).")
    return problems


def _rows(frame: Any) -> Any:
    """A DataFrame's rows as named tuples, typed as Any: their fields hold what the columns hold."""
    return frame.itertuples(index=False)
