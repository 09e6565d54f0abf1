"""Exporting a project to a REFI-QDA .qdpx archive, and a codebook to a .qdc file.

What a .qdpx export holds:

- every document as a ``TextSource`` whose text is ``sources/<GUID>.txt`` (UTF-8, no BOM), exactly the
  stored text, so that positions count over it;
- every code of the project (codebook codes and codes people added), nested by parent, with colour and
  its definition as ``Description`` (inclusion, exclusion and examples follow as labelled paragraphs);
- the codings placed in the current text, as ``Project.codings()`` gives them: the automatic coders'
  (user ``auto:<codebook>``; ``include_automatic=False`` leaves them out) and people's, accepted decisions
  included. Each span and coder is one ``PlainTextSelection`` (its ``creatingUser`` that coder) holding a
  ``Coding`` per code: peers such as QualCoder take a coding's coder from its selection. Left out,
  and counted in ``ExportSummary.left_out``: rejections, stale automatic codings (on a text that changed
  since their run) and human codings left unplaced by an edit;
- one ``User`` per coder and memo author, and per user an import brought (with or without codings); memos
  as ``Notes``, referred to (``NoteRef``) from their coding, document and/or code;
- participant attributes as ``Variables``, with one ``Case`` per document that has any.

Positions count Unicode code points, as the standard says; ``positions="nvivo"`` counts UTF-16 units, as
NVivo does. GUIDs are stable: see :mod:`qualcode.exchange.guids`.
"""

from __future__ import annotations

import math
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, Any

from lxml import etree

from qualcode.exchange.guids import Guids, coding_key, selection_key
from qualcode.ingest.refi.model import datetime_or_none, describe
from qualcode.ingest.refi.positions import POSITIONS, exporter
from qualcode.ingest.refi.writer import (
    PROJECT_NS,
    ExportCode,
    add,
    add_codes,
    serialise,
    validate,
    write_atomic,
)
from qualcode.model.version import __version__
from qualcode.project.reading import PLACED
from qualcode.project.store import Project

__all__ = ["ExportSummary", "export_qdpx", "project_codes"]

@dataclass
class ExportSummary:
    """What an export wrote, and what it left out (``left_out``: reason -> number of codings)."""

    path: str
    format: str
    positions: str | None = None
    sources: int = 0
    codes: int = 0
    users: int = 0
    selections: int = 0
    codings: int = 0
    notes: int = 0
    variables: int = 0
    cases: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.format == "qdc":
            return f"{self.codes} codes written to {self.path}."
        units = "UTF-16 units (NVivo)" if self.positions == "nvivo" else "code points"
        text = (f"{self.sources} sources, {self.codes} codes, {self.users} users, {self.codings} codings in "
                f"{self.selections} selections, {self.notes} notes, {self.variables} variables, {self.cases} "
                f"cases written to {self.path} (positions in {units}).")
        if self.left_out:
            text += " Left out: " + ", ".join(f"{n} {why}" for why, n in sorted(self.left_out.items())) + "."
        return text


def _text_in(value: Any, language: str | None) -> str:
    if isinstance(value, dict):
        return str(value.get(language) or next((v for v in value.values() if v), "")) if value else ""
    return "" if value is None else str(value)


def project_codes(project: Project, guids: Guids, language: str | None = None) -> list[ExportCode]:
    """Every code of the project, in codebook order, with what its latest codebook says about it."""
    info: dict[str, dict[str, Any]] = {}
    for _, content in project.codebook_contents():
        for code in content.get("codes", []):
            info.pop(code["id"], None)
            info[code["id"]] = code
    ids = list(project.codes()["code"])
    order = [*info, *(i for i in ids if i not in info)]
    out = []
    for code_id in order:
        code = info.get(code_id, {})
        color = code.get("color")
        out.append(ExportCode(
            code_id, guids.guid("code", code_id), _text_in(code.get("name"), language) or code_id,
            describe(_text_in(code.get("definition"), language), _text_in(code.get("inclusion"), language),
                     _text_in(code.get("exclusion"), language), tuple(code.get("examples") or ())),
            color.upper() if isinstance(color, str) and re.fullmatch(r"#[0-9A-Fa-f]{6}", color) else None,
            code.get("parent"), data=code,
        ))
    return out


def _decimal(value: float) -> str:
    return format(Decimal(repr(value)), "f")


class _Export:
    """The state of one .qdpx export: the project's rows, read once, and the GUIDs."""

    def __init__(self, project: Project, positions: str, include_automatic: bool, language: str | None) -> None:
        self.project, self.positions, self.language = project, positions, language
        self.guids = Guids.of(project)
        self.codes = project_codes(project, self.guids, language)
        self.summary_left: dict[str, int] = {}
        self.cases = 0
        rows = project.coding_rows()
        self.codings = []
        for r in rows:
            reason = (
                "rejections" if r["decision"] == "rejected"
                else f"{r['status']} codings" if r["status"] not in PLACED
                else "automatic codings" if not include_automatic and r["coder"].startswith("auto:")
                else None
            )
            if reason:
                self.summary_left[reason] = self.summary_left.get(reason, 0) + 1
            else:
                self.codings.append(r)
        project.check_spans(self.codings, project.text_lengths())
        self.memos = project.memo_rows()
        # every coder and memo author, and the users an import brought, coding or not (nothing is lost)
        remembered = {key for kind, key in self.guids.stored if kind == "user"}
        users = {r["coder"] for r in rows} | remembered
        if not include_automatic:
            users = {u for u in users if not u.startswith("auto:")}
        users |= {m["author"] for m in self.memos}
        self.users = {name: self.guids.guid("user", name) for name in sorted(users)}

    def build(self, name: str) -> tuple[etree._Element, dict[str, str], dict[str, int]]:
        """The project element, the source files (entry name -> text) and the counts."""
        root = etree.Element(f"{{{PROJECT_NS}}}Project", nsmap={None: PROJECT_NS})
        origin = f"qualcode {__version__}" + ("; positions in UTF-16 code units (NVivo)" if self.positions == "nvivo" else "")
        for key, value in (("name", name), ("origin", origin),
                           ("creationDateTime", datetime_or_none(self.project.created())),
                           ("modifiedDateTime", datetime_or_none(self.project.last_modified()))):
            if value:
                root.set(key, value)
        if self.users:
            users = add(root, "Users")
            for user, guid in self.users.items():
                add(users, "User", guid=guid, name=user)
        note_refs = self._note_refs()
        for code in self.codes:
            code.notes = note_refs.get(("code", code.id), [])
        if self.codes:
            add_codes(add(root, "CodeBook"), self.codes)
        counts = {"sources": 0, "selections": 0, "codings": 0}
        variables = self._variables(root)
        self._cases(root, variables)
        documents = self.project.document_texts()
        files: dict[str, str] = {}
        if documents:
            sources = add(root, "Sources")
            by_document: dict[str, list[Any]] = {}
            for row in self.codings:
                by_document.setdefault(row["document"], []).append(row)
            for doc in documents:
                guid = self.guids.guid("source", doc["id"])
                files[f"sources/{guid}.txt"] = doc["text"]
                source = add(sources, "TextSource", guid=guid, name=doc["id"], plainTextPath=f"internal://{guid}.txt")
                self._selections(source, doc, by_document.get(doc["id"], []), note_refs, counts)
                for note in note_refs.get(("source", doc["id"]), []):
                    add(source, "NoteRef", targetGUID=note)
                counts["sources"] += 1
        self._notes(root)
        counts.update(notes=len(self.memos), variables=len(variables), codes=len(self.codes), users=len(self.users))
        return root, files, counts

    def _note_refs(self) -> dict[tuple[str, Any], list[str]]:
        """Where each memo is referred to from: its coding if exported, else its document and/or code."""
        exported = {r["id"] for r in self.codings}
        refs: dict[tuple[str, Any], list[str]] = {}
        for memo in self.memos:
            guid = self.guids.guid("note", str(memo["id"]))
            if memo["coding"] is not None and memo["coding"] in exported:
                refs.setdefault(("coding", memo["coding"]), []).append(guid)
                continue
            if memo["document"] is not None:
                refs.setdefault(("source", memo["document"]), []).append(guid)
            if memo["code"] is not None:
                refs.setdefault(("code", memo["code"]), []).append(guid)
        return refs

    def _selections(self, source: etree._Element, doc: Any, rows: list[Any],
                    note_refs: dict[tuple[str, Any], list[str]], counts: dict[str, int]) -> None:
        position = exporter(doc["text"], self.positions)  # type: ignore[arg-type]
        groups: dict[str, tuple[int, int, str, list[Any]]] = {}
        for row in rows:
            span = (row["start"], row["end"], row["coder"])
            key = coding_key(row["id"], row["document"], row["coder"], row["code"])
            guid = self.guids.stored.get(("selection", key))
            if guid is None or groups.get(guid, (*span, []))[:3] != span:
                guid = self.guids.derived("selection", selection_key(doc["id"], *span))
            groups.setdefault(guid, (*span, []))[3].append(row)
        for guid, (start, end, coder, members) in sorted(groups.items(), key=lambda g: (g[1][:3], g[0])):
            first = min(members, key=lambda r: (r["created"], r["id"]))
            selection = add(source, "PlainTextSelection", guid=guid, startPosition=str(position(start)),
                            endPosition=str(position(end)), creatingUser=self.users[coder],
                            creationDateTime=datetime_or_none(first["created"]))
            counts["selections"] += 1
            written: set[str] = set()
            for row in sorted(members, key=lambda r: (r["coder"], r["code"], r["id"])):
                key = coding_key(row["id"], row["document"], row["coder"], row["code"])
                coding_guid = self.guids.stored.get(("coding", key)) or self.guids.derived(
                    "coding", "\x1f".join((row["document"], row["coder"], row["code"], str(start), str(end))))
                if coding_guid in written:
                    continue
                written.add(coding_guid)
                coding = add(selection, "Coding", guid=coding_guid, creatingUser=self.users[row["coder"]],
                             creationDateTime=datetime_or_none(row["created"]))
                add(coding, "CodeRef", targetGUID=self.guids.guid("code", row["code"]))
                for note in note_refs.get(("coding", row["id"]), []):
                    add(coding, "NoteRef", targetGUID=note)
                counts["codings"] += 1

    def _variables(self, root: etree._Element) -> dict[str, tuple[str, str]]:
        """Write ``<Variables>``; return name -> (GUID, REFI type)."""
        values: dict[str, list[Any]] = {}
        for name, value in self.project.attribute_values():
            values.setdefault(name, []).append(value)
        out = {}
        for name, seen in values.items():
            present = [v for v in seen if v is not None]
            kind = ("Integer" if present and all(isinstance(v, int) for v in present)
                    else "Float" if present and all(isinstance(v, int | float) and math.isfinite(v) for v in present)
                    else "Text")
            out[name] = (self.guids.guid("variable", name), kind)
        if out:
            container = add(root, "Variables")
            for name, (guid, kind) in out.items():
                add(container, "Variable", guid=guid, name=name, typeOfVariable=kind)
        return out

    def _cases(self, root: etree._Element, variables: dict[str, tuple[str, str]]) -> None:
        rows = self.project.attribute_rows()
        by_document: dict[str, list[Any]] = {}
        for row in rows:
            by_document.setdefault(row["document"], []).append(row)
        if not by_document:
            return
        container = add(root, "Cases")
        for document, values in by_document.items():
            case = add(container, "Case", guid=self.guids.guid("case", document), name=document)
            for row in values:
                guid, kind = variables[row["name"]]
                value = add(case, "VariableValue")
                add(value, "VariableRef", targetGUID=guid)
                text = _decimal(row["value"]) if kind == "Float" else str(row["value"])
                add(value, f"{kind}Value", text)
            add(case, "SourceRef", targetGUID=self.guids.guid("source", document))
        self.cases = len(by_document)

    def _notes(self, root: etree._Element) -> None:
        if not self.memos:
            return
        container = add(root, "Notes")
        for memo in self.memos:
            first_line = memo["text"].strip().split("\n", 1)[0]
            note = add(container, "Note", guid=self.guids.guid("note", str(memo["id"])),
                       name=first_line[:60] + ("…" if len(first_line) > 60 else ""),
                       creatingUser=self.users[memo["author"]], creationDateTime=datetime_or_none(memo["created"]))
            add(note, "PlainTextContent", memo["text"])


def export_qdpx(
    project: Project,
    path: str | os.PathLike[str],
    *,
    positions: str = "codepoints",
    include_automatic: bool = True,
    schema: str | os.PathLike[str] | None = None,
    name: str | None = None,
    language: str | None = None,
) -> ExportSummary:
    """Write ``project`` to the REFI-QDA archive ``path`` (.qdpx), atomically.

    Parameters
    ----------
    project : an open project.
    path : the archive to write.
    positions : ``"codepoints"`` (the standard) or ``"nvivo"`` (UTF-16 units, for NVivo).
    include_automatic : also export the automatic coders' codings (as users ``auto:<codebook>``).
    schema : a Project XSD file (Project-mrt2019.xsd) to validate against before writing.
    name : the project name written; default: the project file's name without suffix.
    language : the language of code names and definitions given in several; default: the first.
    """
    if positions not in POSITIONS:
        raise ValueError(f"The 'positions' parameter of export_qdpx must be 'codepoints' or 'nvivo'. Got "
                         f"{positions!r} instead.")
    run = _Export(project, positions, include_automatic, language)
    root, files, counts = run.build(name or os.path.splitext(os.path.basename(str(project.path)))[0])
    if schema is not None:
        validate(root, schema, path)
    qde = serialise(root)
    stamp = datetime.fromisoformat(root.get("modifiedDateTime") or "1980-01-01T00:00:00+00:00")
    when = stamp.astimezone(UTC).timetuple()[:6] if stamp.year >= 1980 else (1980, 1, 1, 0, 0, 0)

    def write(handle: IO[bytes]) -> None:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for entry, data in [("project.qde", qde), *((n, t.encode("utf-8")) for n, t in files.items())]:
                archive.writestr(zipfile.ZipInfo(entry, date_time=when), data, zipfile.ZIP_DEFLATED)

    write_atomic(path, write)
    return ExportSummary(
        str(path), "qdpx", positions, sources=counts["sources"], codes=counts["codes"], users=counts["users"],
        selections=counts["selections"], codings=counts["codings"], notes=counts["notes"],
        variables=counts["variables"], cases=run.cases, left_out=run.summary_left,
    )
