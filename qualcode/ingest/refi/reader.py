"""Reading REFI-QDA projects (.qdpx) and codebooks (.qdc) into :class:`~qualcode.ingest.refi.model.RefiProject`.

Nothing is written here: the file is read in memory (see :mod:`qualcode.ingest.refi.archive`), every reference is
resolved and every text position converted and checked, and all problems are reported at once in one
:class:`~qualcode.model.errors.RefiError`. What qualcode cannot hold (picture, PDF, audio and video sources, sets,
links, graphs) is listed in ``RefiProject.skipped``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any, cast

from lxml import etree

from qualcode.ingest.refi.archive import SafeArchive, parse_xml
from qualcode.ingest.refi.model import (
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    RefiVariable,
    canon,
    plain_name,
)
from qualcode.ingest.refi.positions import POSITIONS, Offsets, Reading, on_word_boundaries
from qualcode.model.errors import RefiError

__all__ = ["CODEBOOK_NS", "PROJECT_NS", "read_codebook_model", "read_project_model"]

PROJECT_NS = "urn:QDA-XML:project:"
CODEBOOK_NS = "urn:QDA-XML:codebook:"
_MEDIA = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")
_VALUES = {"TextValue": str, "BooleanValue": str, "IntegerValue": int, "FloatValue": float,
           "DateValue": str, "DateTimeValue": str}


def read_project_model(path: str | os.PathLike[str], *, positions: str = "auto") -> RefiProject:
    """Read and check a .qdpx archive; raise RefiError listing every problem."""
    if positions not in ("auto", *POSITIONS):
        raise RefiError(path, f"The 'positions' parameter must be 'auto', 'codepoints' or 'nvivo'. Got "
                        f"{positions!r} instead.")
    with SafeArchive.open(path) as archive:
        qde = _find_qde(archive)
        root = parse_xml(archive.read(qde), f"entry {qde!r}", path)
        ns = _namespace(root, PROJECT_NS, "Project", f"entry {qde!r}", path)
        return _Reader(archive, ns, root).read(positions)


def read_codebook_model(path: str | os.PathLike[str]) -> RefiProject:
    """Read and check a .qdc codebook (only its codes)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RefiError(path, f"cannot be read ({exc.strerror}); check the path.") from exc
    root = parse_xml(data, "the codebook", path)
    ns = _namespace(root, CODEBOOK_NS, "CodeBook", "the codebook", path)
    model = RefiProject(str(path), name=path.stem, origin=root.get("origin", ""))
    problems: list[str] = []
    codes = root.find(f"{{{ns}}}Codes")
    model.codes = _codes(codes, ns, None, problems, model.warnings) if codes is not None else []
    sets = root.findall(f"{{{ns}}}Sets/{{{ns}}}Set")
    if sets:
        model.skipped.append(f"{len(sets)} set(s) of codes (qualcode has no sets; the codes are imported)")
    if not model.codes:
        problems.append("holds no codes.")
    if problems:
        raise RefiError(path, problems)
    return model


def _find_qde(archive: SafeArchive) -> str:
    found = [n for n in archive.names() if "/" not in n.strip("/") and n.lower().endswith(".qde")]
    if len(found) > 1:
        found = [n for n in found if n.lower() == "project.qde"] or found
    if len(found) != 1:
        what = "no .qde file at its root" if not found else f"several .qde files ({', '.join(found)})"
        raise RefiError(archive.path, f"is not a REFI-QDA project: it has {what}.",
                        "A .qdpx archive holds one project.qde and a sources/ folder; export it again.")
    return found[0]


def _namespace(root: etree._Element, prefix: str, tag: str, where: str, path: str | os.PathLike[str]) -> str:
    qname = etree.QName(root)
    if qname.localname != tag or not (qname.namespace or "").startswith(prefix):
        raise RefiError(path, f"{where} is not a REFI-QDA {tag} (root element {root.tag!r}; expected {tag} "
                        f"in namespace {prefix}1.0).")
    return qname.namespace or ""


def _text(element: etree._Element | None, ns: str, name: str) -> str:
    found = element.find(f"{{{ns}}}{name}") if element is not None else None
    return (found.text or "") if found is not None else ""


def _codes(parent: etree._Element, ns: str, parent_guid: str | None, problems: list[str],
           warnings: list[str]) -> list[RefiCode]:
    out: list[RefiCode] = []
    for element in parent.findall(f"{{{ns}}}Code"):
        guid, name = element.get("guid"), element.get("name")
        if not guid or name is None:
            problems.append(f"a code has no {'guid' if not guid else 'name'} (name {name!r}, guid {guid!r}).")
            continue
        name = plain_name(name, "code", warnings)
        color = _color(element.get("color"))
        code = RefiCode(guid, name, _text(element, ns, "Description"), color, parent_guid,
                        element.get("isCodable", "true").strip().lower() in ("true", "1"),
                        [canon(n.get("targetGUID", "")) for n in element.findall(f"{{{ns}}}NoteRef")])
        out += [code, *_codes(element, ns, canon(guid), problems, warnings)]
    return out


def _color(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    try:
        int(value, 16)
    except ValueError:
        return None
    return f"#{value.upper()}" if len(value) == 6 else None


class _Reader:
    """One pass over a project's XML, collecting objects and problems."""

    def __init__(self, archive: SafeArchive, ns: str, root: etree._Element) -> None:
        self.archive, self.ns, self.root = archive, ns, root
        self.model = RefiProject(str(archive.path), root.get("name", ""), root.get("origin", ""))
        self.problems: list[str] = []
        self._raw: list[tuple[RefiSource, Offsets, list[tuple[RefiSelection, int, int]]]] = []
        self._read_selections: dict[int, list[RefiSelection]] = {}

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def read(self, positions: str) -> RefiProject:
        m, root, q = self.model, self.root, self.q
        for user in root.findall(f"{q('Users')}/{q('User')}"):
            guid = user.get("guid", "")
            m.users[canon(guid)] = plain_name(user.get("name") or user.get("id") or "", "user", m.warnings)
            m.user_guids[canon(guid)] = guid
        codebook = root.find(f"{q('CodeBook')}/{q('Codes')}")
        m.codes = _codes(codebook, self.ns, None, self.problems, m.warnings) if codebook is not None else []
        m.variables = [RefiVariable(v.get("guid", ""), plain_name(v.get("name", ""), "variable", m.warnings),
                                    v.get("typeOfVariable", "Text"))
                       for v in root.findall(f"{q('Variables')}/{q('Variable')}")]
        if _text(root, self.ns, "Description").strip():
            m.skipped.append("the project's description (a qualcode project has no place for it)")
        for v in root.findall(f"{q('Variables')}/{q('Variable')}"):
            if _text(v, self.ns, "Description").strip():
                m.skipped.append(f"variable {v.get('name')!r}: its description (attributes have none)")
        m.cases = [self._case(c) for c in root.findall(f"{q('Cases')}/{q('Case')}")]
        m.notes = [self._note(n) for n in root.findall(f"{q('Notes')}/{q('Note')}")]
        sources = root.find(q("Sources"))
        for element in sources if sources is not None else ():
            self._source(element)
        for name in ("Links", "Sets", "Graphs"):
            count = len(root.findall(f"{q(name)}/*"))
            if count:
                m.skipped.append(f"{count} {name.lower()[:-1]}(s) (qualcode has no {name.lower()})")
        project_notes = root.findall(q("NoteRef"))
        if project_notes:
            m.skipped.append(f"{len(project_notes)} note reference(s) on the project as a whole")
        self._place(positions)
        self._check_references()
        if self.problems:
            raise RefiError(self.archive.path, self.problems,
                            "Nothing was imported. Fix the archive in its program and export it again.")
        return m

    def _values(self, element: etree._Element) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for value in element.findall(self.q("VariableValue")):
            ref = value.find(self.q("VariableRef"))
            target = canon(ref.get("targetGUID", "")) if ref is not None else ""
            for child in value:
                kind = etree.QName(child).localname
                if kind in _VALUES and child.text is not None:
                    try:
                        values[target] = _VALUES[kind](child.text.strip())
                    except ValueError:
                        self.problems.append(f"variable value {child.text!r} is not a valid {kind}.")
        return values

    def _case(self, element: etree._Element) -> RefiCase:
        q = self.q
        if element.findall(q("SelectionRef")) or element.findall(q("CodeRef")):
            self.model.skipped.append(f"case {element.get('name')!r}: its code and selection references")
        if _text(element, self.ns, "Description").strip():
            self.model.skipped.append(f"case {element.get('name')!r}: its description (attributes have none)")
        return RefiCase(element.get("guid", ""), plain_name(element.get("name") or "", "case", self.model.warnings),
                        self._values(element),
                        [canon(s.get("targetGUID", "")) for s in element.findall(q("SourceRef"))])

    def _note(self, element: etree._Element) -> RefiNote:
        text = _text(element, self.ns, "PlainTextContent")
        path = element.get("plainTextPath")
        if not text and path:
            text = self._file_text(path, f"note {element.get('name')!r}") or ""
        text = text.replace("\r\n", "\n")
        text = text if text.strip() else _text(element, self.ns, "Description").strip()
        name = (element.get("name") or "").strip()
        if name and not text.lstrip().startswith(name.rstrip("…").rstrip(".").strip()):
            text = f"{name}\n\n{text}".strip()  # a title the text does not start with
        return RefiNote(element.get("guid", ""), text, _user(element), element.get("creationDateTime"))

    def _source(self, element: etree._Element) -> None:
        kind = etree.QName(element).localname
        name = plain_name(element.get("name") or "", "source", self.model.warnings)
        source = RefiSource(element.get("guid", ""), name, kind, user=_user(element),
                            created=element.get("creationDateTime"))
        self.model.sources.append(source)
        coded = len(element.findall(f".//{self.q('Coding')}"))
        lost = f"; {coded} coding(s) not imported" if coded else ""
        if kind != "TextSource":
            source.skipped = ("qualcode imports text sources only" if kind in _MEDIA else "unknown source type") + lost
            return
        source.notes = self._note_refs(element)
        source.description = _text(element, self.ns, "Description").strip()
        source.values = self._values(element)
        source.codings = [self._coding(c, source.user) for c in element.findall(self.q("Coding"))]
        text = self._source_text(element, source)
        if text is None:
            source.skipped += lost
            return
        offsets = Offsets(text)
        source.text = offsets.stored
        raw = []
        for sel in element.findall(self.q("PlainTextSelection")):
            selection = RefiSelection(sel.get("guid", ""), 0, 0, _user(sel) or source.user,
                                      sel.get("creationDateTime"), _text(sel, self.ns, "Description").strip(),
                                      notes=self._note_refs(sel))
            selection.codings = [self._coding(c, selection.user) for c in sel.findall(self.q("Coding"))]
            try:
                raw.append((selection, int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))))
            except ValueError:
                self.problems.append(f"source {source.name!r}: selection {selection.guid} has no valid "
                                     f"startPosition/endPosition ({sel.get('startPosition')!r}, "
                                     f"{sel.get('endPosition')!r}).")
        self._raw.append((source, offsets, raw))
        self._read_selections[id(source)] = [selection for selection, _, _ in raw]

    def _source_text(self, element: etree._Element, source: RefiSource) -> str | None:
        inline = element.find(self.q("PlainTextContent"))
        if inline is not None:
            return inline.text or ""
        path = element.get("plainTextPath")
        if not path:
            source.skipped = "no plain text (neither plainTextPath nor PlainTextContent)"
            return None
        text = self._file_text(path, f"source {source.name!r}", source)
        return text

    def _file_text(self, path: str, what: str, source: RefiSource | None = None) -> str | None:
        entry = self._entry(path)
        if entry is None:
            reason = f"its text file {path!r} is not in the archive"
            if source is not None:
                source.skipped = reason
            else:
                self.model.warnings.append(f"{what}: {reason}.")
            return None
        data = self.archive.read(entry)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            reason = f"its text file {entry!r} is not UTF-8 ({exc.reason} at byte {exc.start})"
            if source is not None:
                source.skipped = reason
            return None

    def _entry(self, path: str) -> str | None:
        for scheme in ("internal://", "relative://", "absolute://", "file://"):
            if path.startswith(scheme):
                if scheme != "internal://":
                    return None  # an external file: never read from the file system
                path = path[len(scheme):]
        name = PurePosixPath(path.replace("\\", "/").lstrip("/"))
        if ".." in name.parts:
            return None
        return self.archive.find(str(name)) or self.archive.find(f"sources/{name.name}")

    def _coding(self, element: etree._Element, user: str | None) -> RefiCoding:
        ref = element.find(self.q("CodeRef"))
        return RefiCoding(element.get("guid", ""), canon(ref.get("targetGUID", "")) if ref is not None else "",
                          _user(element) or user, element.get("creationDateTime"), self._note_refs(element))

    def _note_refs(self, element: etree._Element) -> list[str]:
        return [canon(n.get("targetGUID", "")) for n in element.findall(self.q("NoteRef"))]

    def _place(self, positions: str) -> None:
        """Choose how to read the positions, then convert and check every selection."""
        m = self.model
        spans = [(offsets, [(s, e) for _, s, e in raw]) for _, offsets, raw in self._raw]
        m.selections = sum(len(s) for _, s in spans)
        m.word_boundaries = {r: sum(on_word_boundaries(o, s, r) for o, s in spans) for r in POSITIONS}
        reading: Reading
        if positions == "auto":
            hint = any(word in m.origin.lower() for word in ("nvivo", "utf-16"))
            if not any(o.astral for o, _ in spans):
                reading = "codepoints"  # both readings are the same
            elif m.word_boundaries["nvivo"] != m.word_boundaries["codepoints"]:
                reading = max(POSITIONS, key=lambda r: m.word_boundaries[r])
            else:
                reading = "nvivo" if hint else "codepoints"
        else:
            reading = cast("Reading", positions)  # read_project_model checked it is one of POSITIONS
        m.positions = reading
        for source, offsets, raw in self._raw:
            for selection, start, end in raw:
                a, b = offsets.to_codepoint(start, reading), offsets.to_codepoint(end, reading)
                where = f"source {source.name!r}: selection {selection.guid} [{start}, {end})"
                if a is None or b is None or start > end:
                    self.problems.append(
                        f"{where} does not fit its text ({offsets.length(reading)} "
                        f"{'UTF-16 units' if reading == 'nvivo' else 'characters'}): positions outside the "
                        "text, reversed, or splitting a character.")
                    continue
                selection.start, selection.end = offsets.to_stored(a), offsets.to_stored(b)
                if selection.end == selection.start:
                    m.warnings.append(f"{where} is empty; not imported.")
                    continue
                source.selections.append(selection)

    def _check_references(self) -> None:
        m = self.model
        read = [s for selections in self._read_selections.values() for s in selections]
        everything: list[tuple[str, Sequence[Any]]] = [
            ("code", m.codes), ("source", m.sources), ("note", m.notes), ("variable", m.variables),
            ("case", m.cases), ("selection", read),
            ("coding", [*(c for s in m.sources for c in s.codings), *(c for r in read for c in r.codings)]),
        ]
        for kind, objects in everything:
            seen: set[str] = set()
            for obj in objects:
                guid = canon(obj.guid)
                if guid in seen:
                    self.problems.append(f"two {kind}s have the same GUID {obj.guid}; each object needs its own.")
                seen.add(guid)
        codes = {canon(c.guid) for c in m.codes}
        notes = {canon(n.guid) for n in m.notes}
        variables = {canon(v.guid) for v in m.variables}
        sources = {canon(s.guid) for s in m.sources}
        for code in m.codes:
            self._refs(f"code {code.name!r}", code.notes, notes, "note")
        for source in m.sources:
            where = f"source {source.name!r}"
            self._refs(where, source.notes, notes, "note")
            self._refs(where, list(source.values), variables, "variable")
            read = self._read_selections.get(id(source), [])  # placed or not: report every problem
            for owner, codings in [(where, source.codings), *((f"{where}: selection {s.guid}", s.codings) for s in read)]:
                for coding in codings:
                    self._refs(f"{owner}: coding {coding.guid}", [coding.code], codes, "code")
                    self._refs(f"{owner}: coding {coding.guid}", coding.notes, notes, "note")
            for selection in read:
                self._refs(f"{where}: selection {selection.guid}", selection.notes, notes, "note")
        for case in m.cases:
            self._refs(f"case {case.name!r}", case.sources, sources, "source")
            self._refs(f"case {case.name!r}", list(case.values), variables, "variable")
        for guid in {c.user for s in m.sources for c in _all_codings(s) if c.user is not None} - set(m.users):
            m.users[guid] = f"user-{guid[:8]}"
            m.user_guids[guid] = guid
            m.warnings.append(f"user {guid} is not listed in Users; their codings go to coder 'user-{guid[:8]}'.")

    def _refs(self, where: str, targets: list[str], known: set[str], kind: str) -> None:
        for target in targets:
            if target not in known:
                self.problems.append(f"{where} refers to {kind} {target or '(no GUID)'}, which is not in the "
                                     f"project's {kind}s.")


def _all_codings(source: RefiSource) -> list[RefiCoding]:
    return [*source.codings, *(c for s in source.selections for c in s.codings)]


def _user(element: etree._Element) -> str | None:
    user = element.get("creatingUser")
    return canon(user) if user else None
