"""Writing a checked REFI-QDA file into a project, in one transaction (see :mod:`qualcode.exchange.import_`).

Each kind of object is matched by GUID first (the ``refi_guids`` table and the GUIDs an export of this
project derives), then by what it is: a code of the same name and path (the names of its parents), a
document of the same text (of the same name first), a coder of the same name, a coding of the same coder,
code and span, a memo of the same author and text. A peer that writes new GUIDs at every export
(QualCoder) thus merges into the objects it came from; the summary lists the codes and documents matched
without a GUID. Matched objects are left as they are; new ones are added, with their GUIDs remembered so
that a later export writes them back.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from qualcode.exchange.export import project_codes
from qualcode.exchange.guids import Guids, coding_key, selection_key
from qualcode.ingest.codebook_io import codebook_from_dict
from qualcode.ingest.refi.model import (
    RefiCoding,
    RefiProject,
    RefiSelection,
    canon,
    coder_name,
    datetime_or_none,
    document_id,
    unique,
)
from qualcode.project.store import Project

__all__ = ["ImportSummary", "merge"]

_SEP = "\x1f"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class ImportSummary:
    """What an import did. Lists hold document ids, code ids or one-line descriptions."""

    path: str
    format: str
    positions: str | None = None
    word_boundaries: dict[str, int] = field(default_factory=dict)
    selections: int = 0
    sources_added: list[str] = field(default_factory=list)
    sources_existing: list[str] = field(default_factory=list)
    sources_skipped: list[str] = field(default_factory=list)
    sources_matched_by_text: list[str] = field(default_factory=list)  # of unknown GUID, matched by their text
    codes_added: list[str] = field(default_factory=list)
    codes_existing: int = 0
    codes_matched_by_name: list[str] = field(default_factory=list)  # of unknown GUID, matched by name and path
    users: dict[str, str] = field(default_factory=dict)  # REFI user name -> coder
    codings_added: int = 0
    codings_existing: int = 0
    codings_skipped: int = 0
    notes_added: int = 0
    notes_existing: int = 0
    notes_from_descriptions: int = 0  # of notes_added: descriptions of sources and selections
    attributes_set: int = 0
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.format == "qdc":
            return "\n".join([f"Imported from {self.path}: {len(self.codes_added)} codes added ({self.codes_existing} "
                              "already there).", *(f"not imported: {s}" for s in self.skipped),
                              *(f"conflict: {c}" for c in self.conflicts), *(f"warning: {w}" for w in self.warnings)])
        lines = [
            f"Imported from {self.path}: {len(self.sources_added)} sources added"
            f" ({len(self.sources_existing)} already there, {len(self.sources_skipped)} skipped), "
            f"{len(self.codes_added)} codes added ({self.codes_existing} already there), "
            f"{self.codings_added} codings added ({self.codings_existing} already there), "
            f"{self.notes_added} notes added"
            f"{f' ({self.notes_from_descriptions} from descriptions)' if self.notes_from_descriptions else ''}, "
            f"{self.attributes_set} attribute values set."
        ]
        if self.format == "qdpx" and self.selections:
            units = "UTF-16 units (NVivo)" if self.positions == "nvivo" else "code points"
            lines.append(
                f"Positions read as {units}: {self.word_boundaries.get(self.positions or '', 0)} of "
                f"{self.selections} selections start and end on word boundaries "
                f"({self.word_boundaries.get('codepoints', 0)} as code points, "
                f"{self.word_boundaries.get('nvivo', 0)} as UTF-16 units).")
        if self.codes_matched_by_name or self.sources_matched_by_text:
            lines.append(
                f"Matched without a known GUID (the file's GUIDs are not this project's, as when a program writes "
                f"new ones at every export): {len(self.codes_matched_by_name)} codes by name and path, "
                f"{len(self.sources_matched_by_text)} sources by their text.")
        if self.users:
            lines.append("Users: " + ", ".join(f"{k!r} -> coder {v!r}" for k, v in self.users.items()) + ".")
        lines += [f"skipped source: {s}" for s in self.sources_skipped]
        lines += [f"not imported: {s}" for s in self.skipped]
        lines += [f"conflict: {c}" for c in self.conflicts]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def merge(model: RefiProject, project: Project, summary: ImportSummary, *, name: str) -> None:
    """Write ``model`` into ``project`` (one transaction), filling ``summary``."""
    with project.transaction():
        _Merge(model, project, summary, name).run()


class _Merge:
    def __init__(self, model: RefiProject, project: Project, summary: ImportSummary, name: str) -> None:
        self.m, self.project, self.s, self.name = model, project, summary, name
        self.guids = Guids.of(project)
        self.remember: list[tuple[str, str, str]] = []
        self.now = _now()

    def run(self) -> None:
        self.coders = self._users()
        self.codes = self._codes()
        documents = self._sources()
        self._attributes(documents)
        note_targets = self._codings(documents)
        self._notes(note_targets)
        self.guids.remember(r for r in self.remember if (r[0], r[1]) not in self.guids.stored)

    def _keep(self, kind: str, key: str, guid: str) -> None:
        if canon(self.guids.guid(kind, key)) != canon(guid):
            self.remember.append((kind, key, guid))

    # -- users and codes -------------------------------------------------------------------------------------

    def _users(self) -> dict[str, str]:
        """Canonical user GUID -> coder name."""
        known = self.project.people()
        lookup = self.guids.lookup("user", known)
        out = {}
        for guid, user in self.m.users.items():
            coder = lookup.get(guid) or coder_name(user, f"user-{guid[:8]}")
            out[guid] = coder
            self.s.users[user or guid] = coder
            self._keep("user", coder, self.m.user_guids.get(guid, guid))
        return out

    def _codes(self) -> dict[str, str]:
        """Canonical code GUID -> code id; new codes are added with a codebook holding them.

        A code whose GUID the project does not know is the project's code of the same name and path (the
        names of its parents), else of the same name where only one code of the project and of the file
        has it: a peer that regenerates GUIDs at every export (QualCoder) merges into the codes it had."""
        from qualcode.ingest.refi.qdc import codebook_from_refi

        ours = {c.id: c for c in project_codes(self.project, self.guids)}
        lookup = self.guids.lookup("code", ours)
        known = {canon(c.guid): lookup[canon(c.guid)] for c in self.m.codes if canon(c.guid) in lookup}
        self._match_codes_by_name(ours, known)
        for code in self.m.codes:
            local = known.get(canon(code.guid))
            if local is None:
                continue
            self.s.codes_existing += 1
            mine = ours[local]
            parent = known.get(code.parent or "")
            differences = [what for what, same in (
                ("name", code.name == mine.name), ("description", code.description.strip() == mine.description.strip()),
                ("parent", parent == (mine.parent if mine.parent in ours else None)),
            ) if not same]
            if differences:
                self.s.conflicts.append(
                    f"code {code.name!r} ({code.guid}) is code {local!r} in the project with another "
                    f"{', '.join(differences)}; the project's is kept.")
        if not self.m.codes:
            return known
        book, ids = codebook_from_refi(self.m.codes, self.name, source=self.m.path, taken=set(ours), known=known)
        new = [c for c in book.codes if c.id not in ours]
        for code in self.m.codes:
            if ids[canon(code.guid)] not in ours:
                self._keep("code", ids[canon(code.guid)], code.guid)
        if new:
            self._store_codebook(book, ours, {c.id for c in new})
            self.s.codes_added += [c.id for c in new]
        return ids

    def _match_codes_by_name(self, ours: dict[str, Any], known: dict[str, str]) -> None:
        """Add to ``known`` the file's codes of unknown GUID that name a code of the project (see :meth:`_codes`)."""
        theirs = {canon(c.guid): c for c in self.m.codes}

        def path(key: str, codes: dict[str, Any], parent: Any) -> tuple[str, ...]:
            names, seen = [], set()
            while key in codes and key not in seen:
                seen.add(key)
                names.append(codes[key].name.strip())
                key = parent(codes[key])
            return tuple(reversed(names))

        claimed = set(known.values())
        by_path: dict[tuple[str, ...], deque[str]] = {}
        by_name: dict[str, list[str]] = {}
        for local in ours:
            if local not in claimed:
                by_path.setdefault(path(local, ours, lambda c: c.parent), deque()).append(local)
                by_name.setdefault(ours[local].name.strip(), []).append(local)
        in_file: dict[str, int] = {}
        for code in self.m.codes:
            in_file[code.name.strip()] = in_file.get(code.name.strip(), 0) + 1
        for code in self.m.codes:
            guid, name = canon(code.guid), code.name.strip()
            if guid in known:
                continue
            same = by_path.get(path(guid, theirs, lambda c: c.parent), deque())
            while same and same[0] in claimed:  # each code is passed over once: linear
                same.popleft()
            candidates = [same[0]] if same else []
            if not candidates and in_file[name] == 1 and len(by_name.get(name, [])) == 1:
                candidates = [c for c in by_name[name] if c not in claimed]  # moved to another parent
            if candidates:
                known[guid] = candidates[0]
                claimed.add(candidates[0])
                self.s.codes_matched_by_name.append(candidates[0])
                self._keep("code", candidates[0], code.guid)

    def _store_codebook(self, book: Any, ours: dict[str, Any], new: set[str]) -> None:
        """Store the new codes as a codebook, with the project's own version of the existing codes above them."""
        keep = set(new)
        parents = {c.id: c.parent for c in book.codes}  # Codebook.ancestors looks each code up: quadratic here
        for code in book.codes:
            parent = code.parent if code.id in new else None
            while parent is not None and parent in parents and parent not in keep:
                keep.add(parent)
                parent = parents[parent]
        entries = []
        for code, entry in zip(book.codes, book.to_dict()["codes"], strict=True):
            if code.id in new:
                entries.append(entry)
            elif code.id in keep:
                mine = ours[code.id]
                entry = {k: v for k, v in (mine.data or {"id": code.id, "name": mine.name}).items() if k != "rules"}
                if entry.get("parent") not in keep:
                    entry.pop("parent", None)
                entries.append(entry)
        data = {"version": "1", "name": f"refi:{self.name}", "codes": entries,
                "description": f"Imported from {self.m.path} ({self.m.origin or 'unknown program'})."}
        stored = codebook_from_dict(data, source=self.m.path)
        self.project.add_codebook(stored, sorted(new), self.now)

    # -- sources -------------------------------------------------------------------------------------------

    def _sources(self) -> dict[str, tuple[str, str]]:
        """Canonical source GUID -> (document id, stored text), for the sources whose codings to import."""
        from qualcode.ingest.language import detect_language
        from qualcode.ingest.structure import text_spans
        from qualcode.model.transcript import Transcript

        hashes = self.project.content_hashes()
        ids = [doc for doc, _ in hashes]
        lookup = self.guids.lookup("source", ids)
        taken = set(ids)
        by_hash: dict[str, deque[str]] = {}  # content_hash (SHA-256 of the UTF-8 text) -> document ids
        for doc, content_hash in hashes:
            by_hash.setdefault(content_hash, deque()).append(doc)
        claimed = {lookup[canon(s.guid)] for s in self.m.sources if canon(s.guid) in lookup}
        out: dict[str, tuple[str, str]] = {}
        new: set[str] = set()
        for source in self.m.sources:
            guid = canon(source.guid)
            if source.skipped or source.text is None:
                self.s.sources_skipped.append(f"{source.name!r} ({source.kind}): {source.skipped or 'no text'}")
                continue
            local = lookup.get(guid)
            wanted = document_id(source.name)
            if local is None:  # the same document under another GUID: the same name and text, else the same text
                local = self._same_text(source.text, wanted, by_hash, claimed, new)
                if local is not None:
                    claimed.add(local)
                    self.s.sources_matched_by_text.append(local)
            if local is not None:
                if self._text(local) != source.text:
                    count = len(source.codings) + sum(len(s.codings) for s in source.selections)
                    self.s.conflicts.append(
                        f"source {source.name!r} ({source.guid}) is document {local!r} in the project, with another "
                        f"text; the project's text is kept and the source's {count} coding(s) are not imported.")
                    self.s.codings_skipped += count
                    continue
                self.s.sources_existing.append(local)
                self._keep("source", local, source.guid)
                out[guid] = (local, source.text)
                continue
            doc = unique(wanted, taken.__contains__)
            taken.add(doc)
            new.add(doc)
            if doc != wanted:
                self.s.warnings.append(f"source {source.name!r} became document {doc!r}: {wanted!r} was taken.")
            metadata: dict[str, Any] = {"source": f"{self.m.path}#{source.name}", "format": "refi-qda", "encoding": "utf-8",
                        "language": detect_language(source.text), "refi_name": source.name,
                        "refi_origin": self.m.origin, "warnings": []}
            self.project.add_documents([Transcript(doc, source.text, text_spans(source.text), metadata)])
            self.s.sources_added.append(doc)
            self._keep("source", doc, source.guid)
            out[guid] = (doc, source.text)
        return out

    def _same_text(self, text: str, wanted: str, by_hash: dict[str, deque[str]], *taken: set[str]) -> str | None:
        """The project's document ``wanted`` if it holds ``text``, else the first other one that does (a text
        of only whitespace is matched by name only); None if all of them are ``taken`` (matched or added)."""
        if not any(wanted in t for t in taken) and self._text(wanted) == text:
            return wanted
        if not text.strip():
            return None
        same = by_hash.get(hashlib.sha256(text.encode("utf-8")).hexdigest(), deque())
        while same and any(same[0] in t for t in taken):  # each document is passed over once: linear
            same.popleft()
        return same[0] if same and self._text(same[0]) == text else None

    def _text(self, document: str) -> str | None:
        return self.project.document_text(document)

    def _attributes(self, documents: dict[str, tuple[str, str]]) -> None:
        variables = {canon(v.guid): v for v in self.m.variables}
        pairs: list[tuple[str, dict[str, Any]]] = []
        for case in self.m.cases:
            targets = [documents[s][0] for s in case.sources if s in documents]
            if not targets and case.values:
                self.s.skipped.append(f"case {case.name!r}: refers to no imported source")
            pairs += [(doc, case.values) for doc in targets]
            if len(targets) == 1:
                self._keep("case", targets[0], case.guid)
        pairs += [(documents[canon(s.guid)][0], s.values) for s in self.m.sources if canon(s.guid) in documents]
        for doc, values in pairs:
            for guid, value in values.items():
                name = variables[guid].name
                self._keep("variable", name, variables[guid].guid)
                row = self.project.attribute(doc, name)
                if row is None:
                    self.project.set_attribute(doc, name, value)
                    self.s.attributes_set += 1
                elif row[0] != value:
                    self.s.conflicts.append(f"attribute {name!r} of document {doc!r} is {row[0]!r} in the project "
                                            f"and {value!r} in the file; the project's is kept.")

    # -- codings -------------------------------------------------------------------------------------------

    def _codings(self, documents: dict[str, tuple[str, str]]) -> dict[str, list[tuple[Any, ...]]]:
        """Add the codings; return where each note is referred to: canonical GUID -> targets."""
        rows = self.project.coding_spans()
        by_guid: dict[str, int] = {}
        by_span: dict[tuple[Any, ...], int] = {}
        for r in rows:
            key = coding_key(r["id"], r["document"], r["coder"], r["code"])
            span = (r["document"], r["coder"], r["code"], r["start"], r["end"])
            by_guid[canon(self.guids.derived("coding", _SEP.join(map(str, span))))] = r["id"]
            if ("coding", key) in self.guids.stored:
                by_guid[canon(self.guids.stored[("coding", key)])] = r["id"]
            if r["status"] != "unplaced":
                by_span[span] = r["id"]
        targets: dict[str, list[tuple[Any, ...]]] = {}
        for source in self.m.sources:
            if canon(source.guid) not in documents:
                continue
            doc, text = documents[canon(source.guid)]
            for note in source.notes:
                targets.setdefault(note, []).append(("source", doc))
            if source.description:  # the document's memo
                author = self.coders.get(source.user or "", "refi")
                self._memo(None, source.description, author, source.created, ("source", doc), description=True)
            whole = RefiSelection(source.guid + ":whole", 0, len(text), source.user, source.created,
                                  codings=source.codings)
            for selection in [*source.selections, *([whole] if source.codings and text else [])]:
                placed = [self._coding(c, selection, doc, text, by_guid, by_span) for c in selection.codings]
                for coding, row in zip(selection.codings, placed, strict=True):
                    for note in coding.notes:
                        targets.setdefault(note, []).append(("coding", row, doc, self.codes[coding.code]))
                first = next((p for p in placed if p is not None), None)
                for note in selection.notes:
                    targets.setdefault(note, []).append(("coding", first, doc, None) if first else ("source", doc))
                if selection.description:
                    self._description(selection, doc, first)
        for code in self.m.codes:
            for note in code.notes:
                targets.setdefault(note, []).append(("code", self.codes[canon(code.guid)]))
        return targets

    def _coding(self, coding: RefiCoding, selection: RefiSelection, doc: str, text: str,
                by_guid: dict[str, int], by_span: dict[tuple[Any, ...], int]) -> int | None:
        coder = self.coders.get(coding.user or "", "refi")
        code = self.codes[coding.code]
        span = (doc, coder, code, selection.start, selection.end)
        existing = by_guid.get(canon(coding.guid))
        if existing is None:
            existing = by_span.get(span)
        if existing is not None:
            self.s.codings_existing += 1
            row = self.project.coding_span(existing)
            assert row is not None  # found among the project's codings above
            if tuple(row) != span:
                self.s.conflicts.append(f"coding {coding.guid} is coding {existing} in the project, of {row['code']!r} "
                                        f"by {row['coder']!r} at [{row['start']}, {row['end']}) of {row['document']!r}; "
                                        f"the file has {code!r} by {coder!r} at [{selection.start}, {selection.end}) "
                                        f"of {doc!r}; the project's is kept.")
            else:
                self._keep("coding", coding_key(existing, doc, coder, code), coding.guid)
            return existing
        created = datetime_or_none(coding.created) or self.now
        row_id = self.project.insert_coding(*span, text[selection.start:selection.end], created=created,
                                            status="auto" if coder.startswith("auto:") else "coded")
        key = coding_key(row_id, doc, coder, code)
        self.remember.append(("coding", key, coding.guid))
        if not selection.guid.endswith(":whole"):
            derived = self.guids.derived("selection", selection_key(doc, selection.start, selection.end, coder))
            if canon(derived) != canon(selection.guid):
                self.remember.append(("selection", key, selection.guid))
        by_guid[canon(coding.guid)] = row_id
        by_span[span] = row_id
        self.s.codings_added += 1
        return row_id

    # -- notes ---------------------------------------------------------------------------------------------

    def _description(self, selection: RefiSelection, doc: str, coding: int | None) -> None:
        """A selection's own description (ATLAS.ti's quotation comment) becomes a memo."""
        author = self.coders.get(selection.user or "", "refi")
        self._memo(None, selection.description, author, selection.created, ("coding", coding, doc, None)
                   if coding else ("source", doc), description=True)

    def _notes(self, targets: dict[str, list[tuple[Any, ...]]]) -> None:
        ids = self.project.memo_ids()
        lookup = self.guids.lookup("note", ids)
        for note in self.m.notes:
            guid = canon(note.guid)
            where = targets.get(guid, [])
            if guid in lookup:
                self.s.notes_existing += 1
                text = self.project.memo_text(int(lookup[guid]))
                if text is not None and text != note.text:
                    self.s.conflicts.append(f"note {note.guid} is memo {lookup[guid]} in the project with another "
                                            "text; the project's is kept.")
                continue
            if not where or not note.text:
                what = "is empty" if not note.text else "is about no source, code or coding qualcode imports"
                self.s.skipped.append(f"note {note.text.splitlines()[0][:40] if note.text else note.guid!r}: {what}")
                continue
            author = self.coders.get(note.user or "", "refi")
            self._memo(note.guid, note.text, author, note.created, *where)

    def _memo(self, guid: str | None, text: str, author: str, created: str | None, *where: tuple[Any, ...],
              description: bool = False) -> None:
        document = code = coding = None
        for target in where:
            if target[0] == "coding" and target[1] is not None:
                row = self.project.coding_span(target[1])
                assert row is not None  # a coding of this transaction, or one the project has
                document, code = target[2], row["code"]
                coding = None if row["coder"].startswith("auto:") else target[1]  # memos go on human codings
                break
            if target[0] == "source":
                document = document or target[1]
            elif target[0] == "code":
                code = code or target[1]
        duplicate = self.project.same_memo(author, text, document, code, coding)
        if duplicate is not None:
            self.s.notes_existing += 1
            if guid:
                self._keep("note", str(duplicate), guid)
            return
        memo = self.project.insert_memo(author, text, datetime_or_none(created) or self.now, document, code, coding)
        self.s.notes_added += 1
        self.s.notes_from_descriptions += description
        if guid:
            self.remember.append(("note", str(memo), guid))
