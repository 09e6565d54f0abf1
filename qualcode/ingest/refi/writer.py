"""Writing REFI-QDA XML: elements in the order the schemas say, no empty containers, UTF-8 without BOM,
optional validation against a schema file the user gives, and atomic file replacement."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from qualcode.model import files
from qualcode.model.errors import RefiError

__all__ = ["CODEBOOK_NS", "PROJECT_NS", "ExportCode", "add", "add_codes", "serialise", "validate", "write_atomic"]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'


@dataclass
class ExportCode:
    """A code as written: ``parent`` is a code id; ``notes`` are the GUIDs of notes about it."""

    id: str
    guid: str
    name: str
    description: str = ""
    color: str | None = None
    parent: str | None = None
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict, repr=False)  # the code as its codebook stores it


def add(parent: etree._Element, tag: str, text: str | None = None, /, **attributes: Any) -> etree._Element:
    """Append element ``tag`` (in the parent's namespace) with the attributes that are not None."""
    ns = etree.QName(parent).namespace
    child = etree.SubElement(parent, f"{{{ns}}}{tag}" if ns else tag)
    for key, value in attributes.items():
        if value is not None:
            child.set(key, value if isinstance(value, str) else str(value).lower())
    if text is not None:
        child.text = _xml_text(text)
    return child


def _xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (control characters other than tab and newline)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20) if not text.isprintable() else text


def add_codes(parent: etree._Element, codes: list[ExportCode], *, notes: bool = True) -> None:
    """Append ``<Codes>`` with the codes nested by parent (codes whose parent is absent go to the top);
    nothing when there are no codes, since an empty container is invalid."""
    if not codes:
        return
    ids = {c.id for c in codes}
    children: dict[str | None, list[ExportCode]] = {}
    for code in codes:
        children.setdefault(code.parent if code.parent in ids and code.parent != code.id else None, []).append(code)
    container = add(parent, "Codes")
    seen: set[str] = set()

    def write(under: etree._Element, code: ExportCode) -> None:
        seen.add(code.id)
        element = add(under, "Code", guid=code.guid, name=code.name, isCodable="true", color=code.color)
        if code.description:
            add(element, "Description", code.description)
        for note in code.notes if notes else ():
            add(element, "NoteRef", targetGUID=note)
        for child in children.get(code.id, []):
            if child.id not in seen:  # a cycle in parents is cut
                write(element, child)

    for code in children.get(None, []):
        write(container, code)
    for code in codes:  # codes caught in a cycle of parents
        if code.id not in seen:
            write(container, code)


def serialise(root: etree._Element) -> bytes:
    """The document as UTF-8 bytes: an XML declaration (no BOM), then the indented elements."""
    etree.indent(root, space="  ")
    return _DECLARATION + etree.tostring(root, encoding="utf-8", xml_declaration=False) + b"\n"


def validate(root: etree._Element, schema: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Raise RefiError listing every error of ``root`` against the XSD file ``schema``."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        xsd = etree.XMLSchema(etree.parse(str(schema), parser))
    except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise RefiError(schema, f"cannot be used as an XML schema ({exc}).",
                        "Give Project-mrt2019.xsd for .qdpx or Codebook-mrt2019.xsd for .qdc.") from exc
    document = etree.fromstring(serialise(root), parser)
    if not xsd.validate(document):
        raise RefiError(target, [f"line {e.line}: {e.message}" for e in xsd.error_log],
                        f"The export does not validate against {schema}; nothing was written. Please report it.")


def write_atomic(path: str | os.PathLike[str], write: Callable[[IO[bytes]], object]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then move it onto ``path`` in one step (synced)."""
    files.write_atomic(path, write, sync=True)
