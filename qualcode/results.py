"""Turning coded documents into the tidy tables of a coding run."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from qualcode.coder import CODING_COLUMNS, EVIDENCE_COLUMNS, SEGMENT_COLUMNS, CodedDocument, CodingResult
from qualcode.errors import ReadError

if TYPE_CHECKING:
    from qualcode.coder import Coder

__all__ = ["build_result"]

ERROR_COLUMNS = ["path", "error", "problem", "hint"]


def build_result(documents: Iterable[CodedDocument], coder: Coder, errors: Iterable[ReadError]) -> CodingResult:
    """Collect coded documents into a :class:`CodingResult` of tidy DataFrames."""
    import pandas as pd

    codebook = coder.codebook_
    meta = {"coder": coder.name, "codebook_hash": codebook.hash}
    segments: list[dict[str, Any]] = []
    codings: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    warnings: list[str] = []
    ids: list[str] = []
    documents_rows: list[dict[str, Any]] = []
    quotes: list[dict[str, Any]] = []
    order = {code_id: i for i, code_id in enumerate(codebook.ids)}
    for doc in documents:
        t = doc.transcript
        ids.append(t.id)
        warnings += doc.warnings
        row = {"document": t.id, "language": t.language, "chars": len(t.text), "words": len(t.text.split()),
               "segments": len(doc.segments)}
        documents_rows.append({**{k: v for k, v in t.attributes.items() if k not in row}, **row})
        quotes += [{"document": t.id, "start": q.start, "end": q.end, "text": t.text[q.start : q.end]}
                   for q in t.quotes]
        for seg in doc.segments:
            segments.append({c: getattr(seg, c) for c in SEGMENT_COLUMNS})
            found = doc.evidence.get(seg.segment_id)
            if found:
                codings += _codings(seg, found, order, meta)
                evidence += [{"document": seg.document, "segment_id": seg.segment_id, "code": e.code,
                              "start": e.start, "end": e.end, "matched": e.matched, "rule": e.rule}
                             for e in found]
    error_rows = [{"path": e.path, "error": e.kind, "problem": e.problem, "hint": e.hint} for e in errors]
    return CodingResult(
        segments=pd.DataFrame(segments, columns=SEGMENT_COLUMNS),
        codings=pd.DataFrame(codings, columns=CODING_COLUMNS),
        evidence=pd.DataFrame(evidence, columns=EVIDENCE_COLUMNS),
        errors=pd.DataFrame(error_rows, columns=ERROR_COLUMNS),
        document_table=pd.DataFrame(documents_rows, columns=_document_columns(documents_rows)),
        quotes=pd.DataFrame(quotes, columns=["document", "start", "end", "text"]),
        codebook=codebook,
        unit=coder.unit,
        coder=coder.name,
        documents=ids,
        warnings=warnings,
    )


def _document_columns(rows: list[dict[str, Any]]) -> list[str]:
    base = ["document", "language", "chars", "words", "segments"]
    return base + [c for c in dict.fromkeys(k for r in rows for k in r) if c not in base]


def _codings(seg: Any, found: list[Any], order: dict[str, int], meta: dict[str, str]) -> list[dict[str, Any]]:
    by_code: dict[str, list[Any]] = {}
    for e in found:
        by_code.setdefault(e.code, []).append(e)
    rows = []
    for code in sorted(by_code, key=lambda c: order.get(c, len(order))):
        matches = by_code[code]
        rows.append({
            "document": seg.document, "segment_id": seg.segment_id, "unit": seg.unit, "start": seg.start,
            "end": seg.end, "code": code,
            "matched": " | ".join(dict.fromkeys(e.matched for e in matches)),
            "rule": " | ".join(dict.fromkeys(e.rule for e in matches)),
            **meta, "text": seg.text,
        })
    return rows
