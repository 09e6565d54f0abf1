"""What coding produces: the evidence of each match, coded documents, and a run's tidy tables
(:class:`CodingResult`), built from coded documents by :func:`build_result`."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from qualcode.model.codebook import Codebook
from qualcode.model.errors import ReadError
from qualcode.model.transcript import Segment, Transcript

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CodedDocument", "CodingResult", "Evidence", "build_result"]

# speaker_role comes last in both, so that readers of the earlier columns by position keep working.
SEGMENT_COLUMNS = ["document", "segment_id", "unit", "start", "end", "speaker", "section", "text", "speaker_role"]
CODING_COLUMNS = ["document", "segment_id", "unit", "start", "end", "code", "matched", "rule", "coder",
                  "codebook_hash", "text", "score", "speaker_role"]
_SEGMENT_ROW = attrgetter(*SEGMENT_COLUMNS)  # a Segment's values in the order of the segments table
EVIDENCE_COLUMNS = ["document", "segment_id", "code", "start", "end", "matched", "rule"]


class Evidence(NamedTuple):
    """One match of one rule: absolute offsets into the transcript's text."""

    code: str
    start: int
    end: int
    rule: str
    matched: str


@dataclass
class CodedDocument:
    """A transcript's segments, and for each coded segment its codes with their evidence; ``scores`` holds
    the evidence model's score of each (segment id, code) coded, where the coder computed one."""

    transcript: Transcript
    segments: list[Segment]
    evidence: dict[int, list[Evidence]]
    warnings: list[str] = field(default_factory=list)
    codebook: Codebook | None = None
    scores: dict[tuple[int, str], float] = field(default_factory=dict)
    body: Any = None  # its transcript's report HTML (qualcode.views.report.Body), when rendered where it was coded

    def _repr_html_(self) -> str:
        """In Jupyter: the transcript with its coded passages highlighted in the codebook's colours."""
        import pandas as pd

        from qualcode.views.display import coded_transcript_html

        by_id = {s.segment_id: s for s in self.segments}
        rows = [{"document": self.transcript.id, "segment_id": i, "unit": by_id[i].unit, "start": by_id[i].start,
                 "end": by_id[i].end, "code": e.code, "rule": e.rule, "matched": e.matched}
                for i, found in self.evidence.items() for e in found]
        codings = pd.DataFrame(rows, columns=["document", "segment_id", "unit", "start", "end", "code", "rule",
                                              "matched"])
        return coded_transcript_html(self.transcript, codings, self.codebook)


@dataclass(repr=False)
class CodingResult:
    """The outcome of a coding run, as tidy DataFrames.

    ``segments``: every segment coded (with its ``speaker`` and ``speaker_role``); ``codings``: one row per
    (segment, code), with the ``speaker_role`` of its segment; ``evidence``: one row per match;
    ``errors``: the files that could not be read; ``document_table``: one row per document (``document``,
    ``language``, ``chars``, ``words``, ``segments``, then its participant attributes); ``quotes``: the
    verbatim quotations found in the transcripts (``document, start, end, text``).
    """

    segments: pd.DataFrame
    codings: pd.DataFrame
    evidence: pd.DataFrame
    errors: pd.DataFrame
    document_table: pd.DataFrame
    quotes: pd.DataFrame
    codebook: Codebook
    unit: str
    coder: str
    documents: list[str]
    warnings: list[str] = field(default_factory=list)

    def _repr_html_(self) -> str:
        from qualcode.views.display import result_html

        return result_html(self)

    def __repr__(self) -> str:
        return (
            f"CodingResult(documents={len(self.documents)}, segments={len(self.segments)}, "
            f"codings={len(self.codings)}, unit={self.unit!r}, coder={self.coder!r}, "
            f"codebook_hash={self.codebook.hash!r}, errors={len(self.errors)})"
        )
ERROR_COLUMNS = ["path", "error", "problem", "hint"]


def build_result(
    documents: Iterable[CodedDocument], *, codebook: Codebook, unit: str, coder: str, errors: Iterable[ReadError] = ()
) -> CodingResult:
    """Collect coded documents into a :class:`CodingResult` of tidy DataFrames: coded with ``codebook`` at
    ``unit`` by the coder named ``coder`` (``auto:<codebook>`` or a person), with the files' read errors.

    Tables are built column by column (a list per column), not row by row: a 10,000-code codebook gives
    tens of thousands of codings, and a dict per row would cost more than finding them.
    """
    import pandas as pd

    segments = _Columns(SEGMENT_COLUMNS)
    codings = _Columns(CODING_COLUMNS)
    evidence = _Columns(EVIDENCE_COLUMNS)
    warnings: list[str] = []
    ids: list[str] = []
    documents_rows: list[dict[str, Any]] = []
    quotes: list[dict[str, Any]] = []
    order = {code_id: i for i, code_id in enumerate(codebook.ids)}
    meta = (coder, codebook.hash)
    for doc in documents:
        t = doc.transcript
        ids.append(t.id)
        warnings += doc.warnings
        row = {"document": t.id, "language": t.language, "chars": len(t.text), "words": t.words,
               "segments": len(doc.segments)}
        documents_rows.append({**{k: v for k, v in t.attributes.items() if k not in row}, **row})
        quotes += [{"document": t.id, "start": q.start, "end": q.end, "text": t.text[q.start : q.end]}
                   for q in t.quotes]
        for column, values in zip(segments.data, zip(*map(_SEGMENT_ROW, doc.segments), strict=True), strict=False):
            column += values
        for seg in doc.segments:
            found = doc.evidence.get(seg.segment_id)
            if found:
                _add_codings(codings, seg, found, order, meta, doc.scores)
                evidence.extend(seg.document, seg.segment_id, found)
    error_rows = [{"path": e.path, "error": e.kind, "problem": e.problem, "hint": e.hint} for e in errors]
    return CodingResult(
        segments=segments.frame(),
        codings=codings.frame(),
        evidence=evidence.frame(),
        errors=pd.DataFrame(error_rows, columns=ERROR_COLUMNS),
        document_table=pd.DataFrame(documents_rows, columns=_document_columns(documents_rows)),
        quotes=pd.DataFrame(quotes, columns=["document", "start", "end", "text"]),
        codebook=codebook,
        unit=unit,
        coder=coder,
        documents=ids,
        warnings=warnings,
    )


class _Columns:
    """A table being built: one list per column."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.data: list[list[Any]] = [[] for _ in columns]

    def add(self, *values: Any) -> None:
        for column, value in zip(self.data, values, strict=True):
            column.append(value)

    def extend(self, document: str, segment_id: int, found: list[Any]) -> None:
        """Evidence rows: the segment's keys, then each Evidence's code, start, end, matched and rule."""
        n = len(found)
        document_, segment, code, start, end, matched, rule = self.data
        document_ += [document] * n
        segment += [segment_id] * n
        code += [e.code for e in found]
        start += [e.start for e in found]
        end += [e.end for e in found]
        matched += [e.matched for e in found]
        rule += [e.rule for e in found]

    def rows(self) -> list[Any]:
        """The rows as named tuples, like ``DataFrame.itertuples``."""
        row_type = _row_type(tuple(self.columns))
        return list(map(row_type._make, zip(*self.data, strict=True)))

    def frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(dict(zip(self.columns, self.data, strict=True)), columns=self.columns)


@lru_cache(maxsize=16)
def _row_type(columns: tuple[str, ...]) -> Any:
    return namedtuple("Row", columns)


def _document_columns(rows: list[dict[str, Any]]) -> list[str]:
    base = ["document", "language", "chars", "words", "segments"]
    return base + [c for c in dict.fromkeys(k for r in rows for k in r) if c not in base]


def _add_codings(
    table: _Columns, seg: Any, found: list[Any], order: dict[str, int], meta: tuple[str, str],
    scores: dict[tuple[int, str], float] | None = None,
) -> None:
    """One coding per code of the segment, with its matches and rules joined by `` | ``, and its score."""
    scores = scores or {}
    by_code: dict[str, list[Any]] = {}
    for e in found:
        by_code.setdefault(e.code, []).append(e)
    for code in sorted(by_code, key=lambda c: order.get(c, len(order))) if len(by_code) > 1 else by_code:
        matches = by_code[code]
        if len(matches) == 1:
            matched, rule = matches[0].matched, matches[0].rule
        else:
            matched = " | ".join(dict.fromkeys(e.matched for e in matches))
            rule = " | ".join(dict.fromkeys(e.rule for e in matches))
        table.add(seg.document, seg.segment_id, seg.unit, seg.start, seg.end, code, matched, rule, *meta, seg.text,
                  scores.get((seg.segment_id, code), float("nan")), seg.speaker_role)
